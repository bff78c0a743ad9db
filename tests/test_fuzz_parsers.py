"""Fuzzing the parsers of file content from images and of the user's suppression file.

Each target feeds mutated real inputs (dpkg status, apk database, rpm sqlite database and header
blobs, Python METADATA, package.json, os-release, alpine-release, debian_version, suppression
TOML) to one parser and accepts only what the parser promises: a result whose notices are few,
one line each and printable, or an ``AnalyzerError`` for the suppression file. Any other
exception is a bug. Mutations insert, delete, duplicate, overwrite and truncate byte ranges, with
bytes a parser cares about (separators, quotes, NULs, non-UTF-8).

In CI the examples are few and fixed (``derandomize``): about 20 seconds in all. To hunt, run
``FUZZ_EXAMPLES=5000 FUZZ_RANDOM=1 pytest tests/test_fuzz_parsers.py`` (fresh random examples;
hypothesis prints a failing input and how to reproduce it).
"""

from __future__ import annotations

import datetime
import gzip
import os
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.errors import AnalyzerError
from analyzer.findings import tomlsafe
from analyzer.findings.suppress import load_suppressions
from analyzer.inventory import (
    OsRelease,
    Package,
    Parsed,
    lookup_eol,
    parse_alpine_release,
    parse_apk_installed,
    parse_debian_version,
    parse_dpkg_status,
    parse_os_release,
    parse_package_json,
    parse_python_metadata,
    parse_rpmdb_sqlite,
)
from analyzer.inventory.model import MAX_NOTICES
from analyzer.inventory.rpmsqlite import packages_rows
from analyzer.text import printable
from analyzer.vulndb.sources import Document
from analyzer.vulndb.store import _document_records
from tests.mutation import mutated

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
RPMDB = Path(__file__).parent / "inventory" / "data" / "rpmdb-rpm418.sqlite.gz"

DPKG = b"""\
Package: libssl3
Status: install ok installed
Architecture: amd64
Source: openssl (3.0.11-1~deb12u2)
Version: 3.0.11-1~deb12u2
Description: Secure Sockets Layer toolkit
 continued
 .

Package: held
Status: hold ok installed
Architecture: all
Version: 2:1.2-3
"""
APK = b"C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\nL:MIT\no:musl\nF:lib\nR:ld.so\n\nP:zlib\nV:1.3\n"
OS_RELEASE = b"""\
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME='Debian GNU/Linux'
VERSION_ID="12"
ID=debian
ID_LIKE="ubuntu \\"x\\" $y"
# comment
"""
METADATA = (
    b"Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache 2.0\n more\n\nbody\n"
)
PACKAGE_JSON = b'{"name": "@types/node", "version": "20.1.0", "licenses": [{"type": "MIT"}]}'
SUPPRESSIONS = b"""\
[[suppress]]
fingerprint = "3f2a"
reason = "reviewed"
expires = 2027-03-31

[[suppress]]
rule = "IA-SECRET-*"
path = "/usr/lib/python3*/**"
reason = 'vendored'
"""
_INTERESTING = [b"\n", b"\r\n", b"\r", b" ", b"\t", b":", b"=", b".", b'"', b"'", b"\\", b"\x00"]
_INTERESTING += [
    b"\xff",
    b"\xc3",
    b"\xe2\x80\xae",
    b"[",
    b"]",
    b"{",
    b"}",
    b"#",
    b"\n\n",
    b"Status",
]


def check_notices(notices: tuple[str, ...]) -> None:
    """What every parser promises about its notices."""
    assert len(notices) <= MAX_NOTICES + 1
    for notice in notices:
        assert notice == printable(notice), notice
        assert len(notice) < 1000, notice


def check_parsed(parsed: Parsed) -> None:
    check_notices(parsed.notices)
    for package in parsed.packages:
        check_package(package)


def check_package(package: Package) -> None:
    assert package.name and package.version
    assert package.purl.isascii() and package.purl.isprintable(), package.purl


def check_os(os_release: OsRelease) -> None:
    check_notices(os_release.notices)
    status = lookup_eol(os_release, datetime.date(2026, 6, 1))
    assert status.status in ("supported", "eol", "unknown")
    assert "\n" not in status.source


_DATABASES: list[tuple[str, Callable[[bytes], Parsed], list[bytes]]] = [
    ("dpkg", parse_dpkg_status, [DPKG, b""]),
    ("apk", parse_apk_installed, [APK]),
]


@pytest.mark.parametrize(("name", "parse", "seeds"), _DATABASES, ids=[d[0] for d in _DATABASES])
def test_package_databases_give_packages_and_printable_notices(
    name: str, parse: Callable[[bytes], Parsed], seeds: list[bytes]
) -> None:
    @FUZZ
    @given(mutated(seeds, _INTERESTING))
    def run(data: bytes) -> None:
        check_parsed(parse(data))

    run()


@FUZZ
@given(mutated([OS_RELEASE, b"3.20.3\n", b"12.4\n", b"trixie/sid\n"], _INTERESTING))
def test_release_files_give_an_identity_and_printable_notices(data: bytes) -> None:
    for parse in (parse_os_release, parse_alpine_release, parse_debian_version):
        check_os(parse(data))


@FUZZ
@given(mutated([METADATA, PACKAGE_JSON], _INTERESTING))
def test_python_and_npm_metadata_give_a_package_or_none(data: bytes) -> None:
    for parse in (parse_python_metadata, parse_package_json):
        package = parse(data)
        if package is not None:
            check_package(package)


OSV_JSON = b"""{"schema_version": "1.6.0", "id": "PYSEC-7", "modified": "2026-11-30T00:00:00Z",
"aliases": ["CVE-2026-1"], "severity": [{"type": "CVSS_V3",
"score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
"affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1"}]}],
"versions": ["3.0.9-1"]}]}"""
OSV_YAML = b"""id: GHSA-xxxx
modified: 2026-11-30T00:00:00Z
affected:
  - package: {ecosystem: PyPI, name: foo}
    ranges:
      - type: ECOSYSTEM
        events: [{introduced: "0"}, {fixed: "2.0"}]
"""
SECDB = b"""{"distroversion": "v3.20", "reponame": "main", "packages": [{"pkg": {"name": "musl",
"secfixes": {"1.2.5-r1": ["CVE-2025-26519"], "0": ["CVE-2019-0001 CVE-2019-0002"]}}}]}"""


@FUZZ
@given(mutated([OSV_JSON, OSV_YAML, SECDB], [*_INTERESTING, b"&a", b"*a", b"!!python"]))
def test_vulnerability_documents_give_records_or_notes_never_an_error(data: bytes) -> None:
    """`vulndb import` reads whatever a source holds: records, or a printable note saying
    what was skipped; never an exception."""
    notes: list[str] = []
    records = _document_records(Document("src.json", data), notes)
    assert all(record.id for record in records)
    for note in notes:
        assert note == printable(note) and len(note) < 2000, note


@pytest.fixture(scope="module")
def rpmdb() -> bytes:
    return gzip.decompress(RPMDB.read_bytes())


def test_rpm_databases_give_packages_or_a_notice(rpmdb: bytes) -> None:
    @FUZZ
    @given(mutated([rpmdb], _INTERESTING))
    def run(data: bytes) -> None:
        check_parsed(parse_rpmdb_sqlite(data))

    run()


def test_rpm_header_blobs_give_packages_or_a_notice(rpmdb: bytes) -> None:
    blobs = [blob for _, blob in packages_rows(rpmdb) if isinstance(blob, bytes)]

    @FUZZ
    @given(st.lists(mutated(blobs, _INTERESTING), min_size=1, max_size=3))
    def run(mutants: list[bytes]) -> None:
        connection = sqlite3.connect(":memory:")
        connection.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB)")
        connection.executemany("INSERT INTO Packages (blob) VALUES (?)", [(b,) for b in mutants])
        check_parsed(parse_rpmdb_sqlite(connection.serialize()))

    run()


def test_suppression_files_load_or_are_one_line_errors() -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "suppress.toml"

        @FUZZ
        @given(mutated([SUPPRESSIONS], _INTERESTING))
        def run(data: bytes) -> None:
            path.write_bytes(data)
            try:
                entries = load_suppressions(path)
            except AnalyzerError as error:
                assert "\n" not in str(error) and str(error).startswith(str(path))
                return
            for entry in entries:
                assert entry.reason.strip()
                assert entry.expires is None or type(entry.expires) is datetime.date
            try:
                tomlsafe.loads(data.decode("utf-8"))
            except tomlsafe.TomlRefused:
                pytest.fail("the file loaded, so its TOML must parse")

        run()
