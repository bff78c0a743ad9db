#!/bin/sh
# Regenerates rpmdb-rpm418.sqlite.gz: a real rpmdb.sqlite written by rpm itself (Debian's rpm
# 4.18 package, sqlite backend: the format of RHEL 9 / UBI 9 / Fedora 36+ / Amazon Linux 2023).
# Three empty packages (one with an Epoch, one noarch) are built with rpmbuild and recorded with
# `rpm -i --justdb`, and a throwaway OpenPGP key is imported so the gpg-pubkey pseudo-package is
# there too. rpm leaves the file in WAL mode, as on real systems. Needs: rpm (rpmbuild), gnupg.
# Usage: tests/inventory/data/make-rpmdb.sh [OUTPUT.gz]
set -eu
out=$(realpath "${1:-$(dirname "$0")/rpmdb-rpm418.sqlite.gz}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
build() {  # name version release epoch|- arch license
    epoch=""
    [ "$4" != "-" ] && epoch="Epoch: $4"
    cat > "$work/$1.spec" <<SPEC
Name: $1
Version: $2
Release: $3
$epoch
BuildArch: $5
License: $6
Summary: image-audit test package $1
%description
Test package for image-audit's rpmdb parser.
%files
SPEC
    rpmbuild -bb --define "_topdir $work/top" --define "__os_install_post %{nil}" \
        "$work/$1.spec" >/dev/null 2>&1
}
build openssl-libs 3.0.7 27.el9 1 x86_64 "Apache-2.0"
build tzdata 2024a 1.el9 - noarch "Public Domain"
build bash 5.1.8 9.el9 - x86_64 "GPL-3.0-or-later"
db="$work/db"
mkdir -p "$db"
rpm --dbpath "$db" --define '_db_backend sqlite' --initdb
rpm --dbpath "$db" -i --justdb --nodeps --ignorearch --nosignature --quiet "$work"/top/RPMS/*/*.rpm
GNUPGHOME="$work/gpg"
export GNUPGHOME
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-gen-key 'image-audit test <test@example.invalid>' rsa2048 sign never
gpg --batch --armor --export > "$work/key.asc"
rpm --dbpath "$db" --import "$work/key.asc"
rpm --dbpath "$db" -qa --qf '%{NAME} %{EPOCHNUM} %{VERSION} %{RELEASE} %{ARCH} %{LICENSE}\n' | sort
gzip -9 -n -c "$db/rpmdb.sqlite" > "$out"
