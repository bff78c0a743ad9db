"""dpkg's record of installed files: md5sums files and the conffiles of the status file."""

from __future__ import annotations

import hashlib

import pytest

from analyzer.inventory.dpkgfiles import md5sums_package, parse_conffiles, parse_md5sums

MD5 = "0123456789abcdef0123456789abcdef"


def test_md5sums_lines_become_absolute_paths_with_their_md5() -> None:
    data = f"{MD5}  usr/bin/ls\n{MD5} *usr/lib/with space.so\n{MD5}  /abs/path\n".encode()
    recorded = parse_md5sums(data, "coreutils")
    assert [(f.path, f.algorithm, f.digest.hex(), f.owner.package) for f in recorded.files] == [
        ("/usr/bin/ls", "md5", MD5, "coreutils"),
        ("/usr/lib/with space.so", "md5", MD5, "coreutils"),
        ("/abs/path", "md5", MD5, "coreutils"),
    ]
    assert recorded.notices == ()


@pytest.mark.parametrize(
    ("written", "path"),
    [
        ("usr/share/doc/bash/copyright", "/usr/share/doc/bash/copyright"),
        ("./usr/bin/ls", "/usr/bin/ls"),
        ("usr//lib/x.so", "/usr/lib/x.so"),
        ("usr/./bin/x", "/usr/bin/x"),
        ("usr/lib/../bin/sh", "/usr/bin/sh"),
        ("../../etc/shadow", "/etc/shadow"),  # clamped at the root, as a runtime would
        ("usr/share/doc/", "/usr/share/doc"),
        (".hidden/f", "/.hidden/f"),
        ("etc/skel/.bashrc", "/etc/skel/.bashrc"),
        ("usr/bin/..x", "/usr/bin/..x"),
    ],
)
def test_md5sums_paths_name_the_file_as_the_tar_reader_names_it(written: str, path: str) -> None:
    (recorded,) = parse_md5sums(f"{MD5}  {written}\n".encode(), "x").files
    assert recorded.path == path


def test_md5sums_paths_that_are_not_utf8_keep_their_bytes_as_the_tar_reader_does() -> None:
    (recorded,) = parse_md5sums(MD5.encode() + b"  usr/share/caf\xe9\n", "x").files
    assert recorded.path == "/usr/share/caf\udce9"


def test_lines_that_are_not_md5sum_lines_become_notices() -> None:
    data = f"{MD5}  ok\nnot a line\n{MD5[:-1]}  short\n\n{MD5}\tx\n".encode()
    recorded = parse_md5sums(data, "pkg")
    assert [f.path for f in recorded.files] == ["/ok"]
    assert len(recorded.notices) == 3
    assert recorded.notices[0] == "pkg.md5sums line 2: not '<md5>  <path>': 'not a line'"


def test_the_package_of_an_md5sums_file_is_its_name_without_the_architecture() -> None:
    assert md5sums_package("/var/lib/dpkg/info/libssl3:amd64.md5sums") == "libssl3"
    assert md5sums_package("/var/lib/dpkg/status.d/base-files.md5sums") == "base-files"


STATUS = f"""\
Package: base-files
Status: install ok installed
Version: 12.4
Conffiles:
 /etc/issue {MD5}
 /etc/with space.conf {MD5}
 /etc/old.conf {MD5} obsolete
 /etc/pending.conf newconffile

Package: removed-but-configured:amd64
Status: deinstall ok config-files
Version: 1
Conffiles:
 /etc/left/behind.conf {MD5} remove-on-upgrade

Package: plain
Status: install ok installed
Version: 1
""".encode()


def test_conffiles_of_every_package_are_recorded_with_their_shipped_md5() -> None:
    recorded = parse_conffiles(STATUS)
    assert [(f.path, f.owner.package) for f in recorded.files] == [
        ("/etc/issue", "base-files"),
        ("/etc/with space.conf", "base-files"),
        ("/etc/old.conf", "base-files"),
        ("/etc/left/behind.conf", "removed-but-configured"),
    ]
    assert {f.digest.hex() for f in recorded.files} == {MD5}
    assert recorded.notices == ()


def test_an_unreadable_conffile_line_is_a_notice() -> None:
    recorded = parse_conffiles(b"Package: p\nConffiles:\n /etc/a nothex\n relative " + b"0" * 32)
    assert recorded.files == ()
    assert recorded.notices == (
        "dpkg status stanza at line 1: unreadable conffile line",
        "dpkg status stanza at line 1: unreadable conffile line",
    )


@pytest.mark.parametrize("data", [b"", b"\xff" * 4096, b"\x00" * 100, MD5.encode() * 1000])
def test_garbage_never_raises(data: bytes) -> None:
    parse_md5sums(data, "x")
    parse_conffiles(data)


def test_a_huge_hostile_md5sums_gives_every_line_and_bounded_notices() -> None:
    line = hashlib.md5(b"x").hexdigest() + "  usr/share/f\n"
    assert len(parse_md5sums((line * 200_000).encode(), "x").files) == 200_000
    bad = parse_md5sums(b"junk line\n" * 200_000, "x")
    assert bad.files == ()
    assert len(bad.notices) == 21  # 20 kept, then one line counting the rest
    assert bad.notices[-1] == "... and 199980 more notices like these"
