"""apk's installed database: the Alpine minirootfs and trivy's Alpine 3.10 / 3.11 test images."""

from __future__ import annotations

import re

import pytest

from analyzer.inventory import parse_apk_installed

MINIROOTFS = "alpine-minirootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz"
TRIVY_LAYERS = {
    "alpine-310.tar.gz": "71dba1fabbde4baabcdebcde4895d3f3887e388b09cef162f8159cf7daffa1b8",
    "alpine-311.tar.gz": "485d7306187faf0cc9b77fc210e8def9d67b1953f0669e675877e90e6542cb6d",
}

RECORD = b"""\
C:Q1qKcZ+j23xssAXmgQhkOO8dHnbWw=
P:libcrypto3
V:3.3.2-r0
A:aarch64
L:Apache-2.0
o:openssl
F:usr/lib
R:libcrypto.so.3
Z:Q1abcdef=
"""


def test_apk_record_fields_become_package_fields_and_an_apk_purl() -> None:
    (package,) = parse_apk_installed(RECORD, "alpine-3.20.3").packages
    assert (package.name, package.version, package.arch, package.license, package.source) == (
        "libcrypto3",
        "3.3.2-r0",
        "aarch64",
        "Apache-2.0",
        "openssl",
    )
    assert package.purl == "pkg:apk/alpine/libcrypto3@3.3.2-r0?arch=aarch64&distro=alpine-3.20.3"


def test_records_without_trailing_blank_line_or_with_crlf_are_read() -> None:
    data = RECORD.replace(b"\n", b"\r\n") + b"\r\nP:musl\r\nV:1.2.5-r0"
    assert [p.name for p in parse_apk_installed(data).packages] == ["libcrypto3", "musl"]


def test_record_without_version_is_skipped_with_a_notice() -> None:
    parsed = parse_apk_installed(b"P:ghost\nA:x86_64\n\n" + RECORD)
    assert [p.name for p in parsed.packages] == ["libcrypto3"]
    assert parsed.notices == ("apk installed record at line 1: no V: (version); skipped",)


def test_lines_that_are_not_key_value_become_notices() -> None:
    parsed = parse_apk_installed(b"P:a\nV:1\nthis is junk\n")
    assert [p.name for p in parsed.packages] == ["a"]
    assert parsed.notices == ("apk installed line 3: not a 'K:value' line: 'this is junk'",)


@pytest.mark.parametrize("data", [b"", b"\xff" * 4096, b"P:\nV:\n", b"P" * 100_000, RECORD[:40]])
def test_garbage_never_raises(data: bytes) -> None:
    parse_apk_installed(data)


def test_real_alpine_minirootfs_lists_all_14_packages(realworld, member) -> None:
    data = member(realworld / MINIROOTFS, "./lib/apk/db/installed")
    parsed = parse_apk_installed(data, "alpine-3.20.3")
    assert parsed.notices == ()
    assert len(parsed.packages) == len(re.findall(rb"^P:", data, re.MULTILINE)) == 14
    by_name = {p.name: p for p in parsed.packages}
    assert by_name["musl"].version == "1.2.5-r0"
    assert by_name["musl"].purl == "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3"
    assert by_name["libcrypto3"].source == "openssl"
    assert all(p.arch == "x86_64" and p.license for p in parsed.packages)


@pytest.mark.parametrize("archive", sorted(TRIVY_LAYERS))
def test_real_trivy_alpine_layers_are_inventoried(realworld, member, archive) -> None:
    path = realworld / "trivy-images/fanal-test-testdata" / archive
    data = member(path, f"{TRIVY_LAYERS[archive]}/layer.tar", "lib/apk/db/installed")
    parsed = parse_apk_installed(data)
    assert parsed.notices == ()
    assert len(parsed.packages) == len(re.findall(rb"^P:", data, re.MULTILINE)) == 14
    assert "musl" in {p.name for p in parsed.packages}


def test_a_record_naming_an_installed_package_again_replaces_it_with_a_notice() -> None:
    db = b"P:musl\nV:1.2.4-r0\n\nP:zlib\nV:1.3-r0\n\nP:musl\nV:1.2.5-r0\n"
    parsed = parse_apk_installed(db)
    assert [(p.name, p.version) for p in parsed.packages] == [
        ("musl", "1.2.5-r0"),
        ("zlib", "1.3-r0"),
    ]
    assert parsed.notices == (
        "apk installed record at line 7: 'musl' listed again; this record is kept",
    )


def test_a_flood_of_bad_lines_is_counted_not_stored() -> None:
    parsed = parse_apk_installed(b"P:a\nV:1\n" + b"junk\n" * 1_000_000)
    assert [p.name for p in parsed.packages] == ["a"]
    assert parsed.notices[-1] == "... and 999980 more notices like these"


def test_bytes_that_are_not_utf8_are_escapes_in_notices_and_exact_in_purls() -> None:
    parsed = parse_apk_installed(b"P:caf\xe9\nV:1\n\xbd\x80junk\n")
    assert parsed.notices == ("apk installed line 3: not a 'K:value' line: '\\xbd\\x80junk'",)
    assert [p.purl for p in parsed.packages] == ["pkg:apk/alpine/caf%E9@1"]
