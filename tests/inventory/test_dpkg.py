"""dpkg status files and distroless status.d files.

The shared real-world images contain no Debian-based image (busybox, Alpine and scratch layers
only), so the real-data test reads this machine's own /var/lib/dpkg/status and checks it against
dpkg-query, skipping when the machine is not Debian-based.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.inventory import parse_dpkg_status

STATUS = b"""\
Package: libssl3
Status: install ok installed
Priority: optional
Architecture: amd64
Multi-Arch: same
Source: openssl (3.0.11-1~deb12u2)
Version: 3.0.11-1~deb12u2
Description: Secure Sockets Layer toolkit - shared libraries
 This package is part of the OpenSSL project's implementation of the SSL
 and TLS cryptographic protocols.
 .
 It provides the libssl and libcrypto shared libraries.

Package: oldpkg
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1
Conffiles:
 /etc/oldpkg.conf 0123456789abcdef0123456789abcdef obsolete

Package: held
Status: hold ok installed
Architecture: all
Version: 2:1.2-3

Package: broken
Status: install reinstreq half-installed
Architecture: amd64
Version: 0.1-1
"""

DISTROLESS_STATUS_D = b"""\
Package: base-files
Version: 12.4+deb12u5
Architecture: amd64
Maintainer: Santiago Vila <sanvila@debian.org>
Installed-Size: 189
Essential: yes
Priority: required
Section: admin
Multi-Arch: foreign
Description: Debian base system miscellaneous files
"""


def test_only_installed_dpkg_packages_are_inventoried() -> None:
    parsed = parse_dpkg_status(STATUS)
    assert [package.name for package in parsed.packages] == ["libssl3", "held"]
    assert parsed.notices == ()


def test_dpkg_fields_become_package_fields_and_a_deb_purl() -> None:
    libssl = parse_dpkg_status(STATUS, "debian-12").packages[0]
    assert (libssl.version, libssl.arch, libssl.source, libssl.kind) == (
        "3.0.11-1~deb12u2",
        "amd64",
        "openssl",
        "deb",
    )
    assert libssl.purl == "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"


def test_held_package_keeps_its_epoch_in_version_and_purl() -> None:
    held = parse_dpkg_status(STATUS, "ubuntu").packages[1]
    assert held.version == "2:1.2-3"
    assert held.purl == "pkg:deb/ubuntu/held@2:1.2-3?arch=all"


def test_distroless_status_d_stanza_without_status_counts_as_installed() -> None:
    parsed = parse_dpkg_status(DISTROLESS_STATUS_D)
    assert [(p.name, p.version) for p in parsed.packages] == [("base-files", "12.4+deb12u5")]


def test_source_without_version_is_kept_and_missing_source_is_empty() -> None:
    data = b"Package: a\nVersion: 1\nSource: a-src\n\nPackage: b\nVersion: 2\n"
    assert [p.source for p in parse_dpkg_status(data).packages] == ["a-src", ""]


def test_crlf_line_endings_and_whitespace_only_separator_lines_are_accepted() -> None:
    data = b"Package: a\r\nVersion: 1\r\n \t\r\nPackage: b\r\nVersion: 2\r\n"
    assert [p.name for p in parse_dpkg_status(data).packages] == ["a", "b"]


def test_stanza_without_version_is_skipped_with_a_notice() -> None:
    parsed = parse_dpkg_status(b"Package: a\nStatus: install ok installed\n")
    assert parsed.packages == ()
    assert parsed.notices == ("dpkg status stanza at line 1: no Version field; skipped",)


def test_malformed_lines_become_notices_and_the_rest_is_parsed() -> None:
    data = b" orphan continuation\nPackage: a\nthis is not a field\nVersion: 1\n"
    parsed = parse_dpkg_status(data)
    assert [p.name for p in parsed.packages] == ["a"]
    assert parsed.notices == (
        "dpkg status line 1: continuation line outside a field",
        "dpkg status line 3: not a 'Field: value' line: 'this is not a field'",
    )


@pytest.mark.parametrize(
    "data", [b"", b"\x00\xff\xfe" * 1000, b"\n\n\n", b":" * 5000, STATUS[:137], b"\xc3\x28: x"]
)
def test_garbage_never_raises(data: bytes) -> None:
    parse_dpkg_status(data)


def test_a_flood_of_bad_lines_yields_a_bounded_number_of_notices() -> None:
    parsed = parse_dpkg_status(b"garbage\n" * 100_000)
    assert len(parsed.notices) == 21
    assert parsed.notices[-1].startswith("... and 99980 more")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="needs dpkg-query")
def test_real_dpkg_status_matches_dpkg_query() -> None:
    status = Path("/var/lib/dpkg/status")
    fields = "${Package} ${Version} ${Architecture} ${db:Status-Status}\n"
    query = ["dpkg-query", "-W", "-f", fields]
    listed = subprocess.run(query, check=True, capture_output=True, text=True).stdout.splitlines()
    expected = {tuple(line.split()[:3]) for line in listed if line.endswith(" installed")}
    parsed = parse_dpkg_status(status.read_bytes())
    assert {(p.name, p.version, p.arch) for p in parsed.packages} == expected
    assert len(parsed.packages) == len(expected) > 100
    assert parsed.notices == ()


def test_a_value_continued_over_millions_of_lines_is_read_in_linear_time() -> None:
    # Each continuation line used to be added to the value held in the stanza, copying the
    # whole value every time: a 9 MB description took hours. Joined once it takes a second.
    script = """
from analyzer.inventory import parse_dpkg_status
data = b"Package: big\\nVersion: 1\\nDescription: start\\n" + b" more\\n" * 1_500_000
[package] = parse_dpkg_status(data).packages
print(package.name)
"""
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert run.stdout.split() == ["big"]


def test_a_huge_single_line_field_is_read() -> None:
    data = b"Package: a\nVersion: 1\nDescription: " + b"x" * (50 << 20) + b"\n"
    assert [p.name for p in parse_dpkg_status(data).packages] == ["a"]


def test_a_stanza_repeated_100k_times_is_one_package_with_bounded_notices() -> None:
    parsed = parse_dpkg_status(b"Package: a\nVersion: 1\nArchitecture: amd64\n\n" * 100_000)
    assert [p.name for p in parsed.packages] == ["a"]
    assert (
        parsed.notices[0]
        == "dpkg status stanza at line 5: 'a:amd64' listed again; this stanza is kept"
    )
    assert parsed.notices[-1] == "... and 99979 more notices like these"


def test_a_later_stanza_for_the_same_package_and_architecture_wins() -> None:
    data = (
        b"Package: a\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\n\n"
        b"Package: a\nStatus: install ok installed\nArchitecture: i386\nVersion: 1\n\n"
        b"Package: a\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1\n"
    )
    assert [(p.name, p.arch) for p in parse_dpkg_status(data).packages] == [("a", "i386")]


def test_only_a_newline_ends_a_line() -> None:
    data = b"Package: a\nVersion: 1\nDescription: form\x0cfeed\x1cand\xc2\x85next-line\r\n"
    parsed = parse_dpkg_status(data)
    assert parsed.notices == ()
    assert [p.name for p in parsed.packages] == ["a"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"Package: a\nVersion: 1", [("a", "1")]),  # no trailing newline
        (b"Package: a\x00b\nVersion: 1\x00\n", [("a\x00b", "1\x00")]),
        (b"Package: caf\xe9\nVersion: 1\n", [("caf\udce9", "1")]),  # the byte kept
        (b" only\n continuation\n lines\n", []),
    ],
)
def test_odd_but_readable_files_give_what_they_hold(
    data: bytes, expected: list[tuple[str, str]]
) -> None:
    assert [(p.name, p.version) for p in parse_dpkg_status(data).packages] == expected


def test_bytes_that_are_not_utf8_are_escapes_in_notices_and_exact_in_purls() -> None:
    # not U+FFFD: a notice and a package URL must say which bytes the status file holds
    parsed = parse_dpkg_status(b"Package: caf\xe9\nVersion: 1\n\xbd\x80junk\n")
    assert parsed.notices == ("dpkg status line 3: not a 'Field: value' line: '\\xbd\\x80junk'",)
    assert [p.purl for p in parsed.packages] == ["pkg:deb/debian/caf%E9@1"]
