#!/bin/sh
# Regenerates rpmdb-files-rpm418.sqlite.gz: a real rpmdb.sqlite written by rpm itself (Debian's
# rpm 4.18, sqlite backend) whose packages install files, for the file provenance tests:
# - vendor-docs 1.0 (SHA-256 file digests, rpm's default): /usr/share/doc/vendor-docs/example.ini
#   and a %config file /etc/vendor-docs/app.ini;
# - old-digests 2.0 (MD5 file digests, as rpm before 4.6 wrote them): /usr/lib/old-digests/data.txt,
#   a directory and a symlink (which get no digest).
# The file contents are written by tests/inventory/rpmfiles_content.py (the tests build an image
# holding the same bytes). Needs: rpm (rpmbuild), python3.
# Usage: tests/inventory/data/make-rpmdb-files.sh [OUTPUT.gz]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath "${1:-$here/rpmdb-files-rpm418.sqlite.gz}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/../rpmfiles_content.py" "$work/content"
build() {  # name version digest-algorithm files...
    name=$1 version=$2 algo=$3
    shift 3
    {
        echo "Name: $name"
        echo "Version: $version"
        echo "Release: 1"
        echo "BuildArch: noarch"
        echo "License: MIT"
        echo "Summary: image-audit test package $name"
        echo "%description"
        echo "Test package for image-audit's file provenance."
        echo "%install"
        echo "cp -a $work/content/$name/. %{buildroot}/"
        echo "%files"
        for f in "$@"; do echo "$f"; done
    } > "$work/$name.spec"
    rpmbuild -bb --define "_topdir $work/top" --define "__os_install_post %{nil}" \
        --define "_binary_filedigest_algorithm $algo" "$work/$name.spec" >/dev/null 2>&1
}
build vendor-docs 1.0 8 /usr/share/doc/vendor-docs/example.ini "%config /etc/vendor-docs/app.ini"
build old-digests 2.0 1 /usr/lib/old-digests/data.txt /usr/lib/old-digests/link /usr/lib/old-digests/sub
db="$work/db"
mkdir -p "$db"
rpm --dbpath "$db" --define '_db_backend sqlite' --initdb
rpm --dbpath "$db" -i --justdb --nodeps --ignorearch --nosignature --quiet "$work"/top/RPMS/*/*.rpm
rpm --dbpath "$db" -qa --qf '[%{=NAME} %{FILEDIGESTS} %{FILENAMES}\n]' | sort
gzip -9 -n -c "$db/rpmdb.sqlite" > "$out"
