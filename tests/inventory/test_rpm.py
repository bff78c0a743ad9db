"""rpmdb.sqlite and RPM header blobs.

The shared real-world images hold no rpm database, so data/rpmdb-rpm418.sqlite.gz is a real one
written by rpm 4.18 (sqlite backend, WAL mode as rpm leaves it); data/make-rpmdb.sh regenerates it.
"""

from __future__ import annotations

import gzip
import shutil
import sqlite3
import struct
import subprocess
from pathlib import Path

import pytest

from analyzer.inventory import describe_rpmdb, parse_rpmdb_sqlite
from analyzer.inventory.rpm import NAME, RELEASE, VERSION, parse_header

FIXTURE = Path(__file__).parent / "data" / "rpmdb-rpm418.sqlite.gz"


@pytest.fixture(scope="module")
def rpmdb() -> bytes:
    return gzip.decompress(FIXTURE.read_bytes())


def header(*entries: tuple[int, int, bytes]) -> bytes:
    """A header blob (no magic) from (tag, type, data) entries."""
    index, store = b"", b""
    for tag, kind, data in entries:
        index += struct.pack(">iIiI", tag, kind, len(store), 1)
        store += data
    return struct.pack(">II", len(entries), len(store)) + index + store


def database(*blobs: bytes) -> bytes:
    """An rpmdb.sqlite-shaped database holding ``blobs`` in its Packages table."""
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB)")
    connection.executemany("INSERT INTO Packages (blob) VALUES (?)", [(b,) for b in blobs])
    return connection.serialize()


def test_real_rpmdb_sqlite_lists_packages_without_gpg_pubkey(rpmdb: bytes) -> None:
    parsed = parse_rpmdb_sqlite(rpmdb)
    assert parsed.notices == ()
    assert sorted((p.name, p.version, p.arch) for p in parsed.packages) == [
        ("bash", "5.1.8-9.el9", "x86_64"),
        ("openssl-libs", "1:3.0.7-27.el9", "x86_64"),
        ("tzdata", "2024a-1.el9", "noarch"),
    ]


def test_rpm_database_is_in_wal_mode_as_rpm_writes_it(rpmdb: bytes) -> None:
    assert rpmdb[18:20] == b"\x02\x02"


def test_rpm_license_sourcerpm_and_purl_with_epoch_qualifier(rpmdb: bytes) -> None:
    packages = {p.name: p for p in parse_rpmdb_sqlite(rpmdb, "rhel-9.3").packages}
    openssl = packages["openssl-libs"]
    assert (openssl.license, openssl.source, openssl.kind) == (
        "Apache-2.0",
        "openssl-libs-3.0.7-27.el9.src.rpm",
        "rpm",
    )
    assert openssl.purl == (
        "pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rhel-9.3&epoch=1"
    )
    assert packages["tzdata"].license == "Public Domain"


def test_fedora_namespace_is_kept(rpmdb: bytes) -> None:
    bash = next(p for p in parse_rpmdb_sqlite(rpmdb, "fedora").packages if p.name == "bash")
    assert bash.purl == "pkg:rpm/fedora/bash@5.1.8-9.el9?arch=x86_64"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("rpm") is None, reason="needs the rpm tool")
def test_real_rpmdb_matches_what_rpm_itself_reports(rpmdb: bytes, tmp_path: Path) -> None:
    (tmp_path / "rpmdb.sqlite").write_bytes(rpmdb)
    query = ["rpm", "--dbpath", str(tmp_path), "-qa", "--qf", "%{NAME} %{EVR} %{ARCH}\n"]
    listed = subprocess.run(query, check=True, capture_output=True, text=True).stdout.split("\n")
    expected = {tuple(line.split()) for line in listed if line and "gpg-pubkey" not in line}
    assert {(p.name, p.version, p.arch) for p in parse_rpmdb_sqlite(rpmdb).packages} == expected


def test_header_blob_with_the_rpm_file_magic_is_also_read() -> None:
    blob = header((NAME, 6, b"curl\0"), (VERSION, 6, b"8.0\0"))
    magic = b"\x8e\xad\xe8\x01\0\0\0\0"
    assert parse_header(magic + blob) == parse_header(blob) == {NAME: "curl", VERSION: "8.0"}


def test_truncated_header_is_skipped_with_a_notice_and_others_are_kept() -> None:
    good = header((NAME, 6, b"good\0"), (VERSION, 6, b"1\0"), (RELEASE, 6, b"2\0"))
    parsed = parse_rpmdb_sqlite(database(good[:-3], good))
    assert [(p.name, p.version) for p in parsed.packages] == [("good", "1-2")]
    assert parsed.notices == (
        "rpmdb.sqlite package 1: unreadable header (needs 65 bytes, has 62); skipped",
    )


@pytest.mark.parametrize(
    ("blob", "reason"),
    [
        (b"\0\0", "2 bytes, shorter than the 8-byte preamble"),
        (struct.pack(">II", 0x10000, 0), "65536 entries and 0 data bytes exceed rpm's limits"),
        (header((NAME, 6, b"no-nul")), "tag 1000 string is not NUL-terminated"),
        (header((NAME, 4, b"\0\0")), "tag 1000 integer runs past the data store"),
        (header((NAME, 7, b"\0")), "tag 1000 has unexpected type 7"),
        (
            struct.pack(">II", 1, 1) + struct.pack(">iIiI", NAME, 6, 5, 1) + b"\0",
            "tag 1000 offset 5 outside the 1-byte data store",
        ),
    ],
)
def test_hostile_headers_become_notices(blob: bytes, reason: str) -> None:
    parsed = parse_rpmdb_sqlite(database(blob))
    assert parsed.packages == ()
    assert parsed.notices == (f"rpmdb.sqlite package 1: unreadable header ({reason}); skipped",)


def test_header_without_name_is_skipped_with_a_notice() -> None:
    parsed = parse_rpmdb_sqlite(database(header((VERSION, 6, b"1\0"))))
    assert parsed.notices == ("rpmdb.sqlite package 1: header has no NAME; skipped",)


def test_not_an_sqlite_file_gives_a_notice() -> None:
    assert parse_rpmdb_sqlite(b"\0" * 4096).notices == (
        "rpmdb.sqlite is not an SQLite database; packages not inventoried",
    )


def test_sqlite_without_packages_table_or_corrupt_pages_gives_a_notice(rpmdb: bytes) -> None:
    other = sqlite3.connect(":memory:")
    other.execute("CREATE TABLE Name (key TEXT)")
    empty = other.serialize()
    assert parse_rpmdb_sqlite(empty).notices == (
        "rpmdb.sqlite could not be read (no such table: Packages); packages not inventoried",
    )
    corrupt = rpmdb[:100] + b"\xff" * (len(rpmdb) - 100)
    (notice,) = parse_rpmdb_sqlite(corrupt).notices
    assert notice.startswith("rpmdb.sqlite could not be read (")


def test_truncated_database_never_raises(rpmdb: bytes) -> None:
    for size in (16, 100, 4096, len(rpmdb) // 2):
        parse_rpmdb_sqlite(rpmdb[:size])


def test_non_blob_rows_are_reported() -> None:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob)")
    connection.execute("INSERT INTO Packages VALUES (1, 'text')")
    parsed = parse_rpmdb_sqlite(connection.serialize())
    assert parsed.notices == ("rpmdb.sqlite: 1 Packages rows are not blobs",)


@pytest.mark.parametrize(
    ("path", "notice"),
    [
        (
            "/var/lib/rpm/Packages",
            "rpm database in BerkeleyDB format at /var/lib/rpm/Packages; packages not inventoried",
        ),
        (
            "/usr/lib/sysimage/rpm/Packages.db",
            "rpm database in NDB format at /usr/lib/sysimage/rpm/Packages.db; "
            "packages not inventoried",
        ),
        ("/var/lib/rpm/rpmdb.sqlite", None),
        ("/var/lib/rpm/Packages.bak", None),
        ("/home/x/var/lib/rpm/Packages", None),
    ],
)
def test_unparsed_rpm_database_formats_are_described(path: str, notice: str | None) -> None:
    assert describe_rpmdb(path) == notice
