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
import sys
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
        (
            struct.pack(">II", 1, 2) + struct.pack(">iIiI", NAME, 6, 0, 3) + b"a\0",
            "tag 1000 count 3 does not fit the data store",
        ),
        (
            struct.pack(">II", 1, 2) + struct.pack(">iIiI", NAME, 6, 0, 0) + b"a\0",
            "tag 1000 count 0 does not fit the data store",
        ),
        (
            struct.pack(">II", 1, 8) + struct.pack(">iIiI", NAME, 4, 0, 3) + b"\0" * 8,
            "tag 1000 integer runs past the data store",
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


def test_header_without_version_is_skipped_with_a_notice() -> None:
    # found by tests/test_fuzz_parsers.py: a package with an empty version and purl
    parsed = parse_rpmdb_sqlite(database(header((NAME, 6, b"bash\0"), (RELEASE, 6, b"1\0"))))
    assert parsed.packages == ()
    assert parsed.notices == ("rpmdb.sqlite package 1: header has no VERSION; skipped",)


def test_not_an_sqlite_file_gives_a_notice() -> None:
    assert parse_rpmdb_sqlite(b"\0" * 4096).notices == (
        "rpmdb.sqlite could not be read (not an SQLite database); packages not inventoried",
    )


def test_sqlite_without_packages_table_or_corrupt_pages_gives_a_notice(rpmdb: bytes) -> None:
    other = sqlite3.connect(":memory:")
    other.execute("CREATE TABLE Name (key TEXT)")
    empty = other.serialize()
    assert parse_rpmdb_sqlite(empty).notices == (
        "rpmdb.sqlite could not be read (no Packages table); packages not inventoried",
    )
    corrupt = rpmdb[:100] + b"\xff" * (len(rpmdb) - 100)
    (notice,) = parse_rpmdb_sqlite(corrupt).notices
    assert notice.startswith("rpmdb.sqlite could not be read (")


def test_truncated_database_never_raises(rpmdb: bytes) -> None:
    for size in (16, 100, 4096, len(rpmdb) // 2):
        parse_rpmdb_sqlite(rpmdb[:size])


def test_rows_that_are_not_an_integer_and_a_blob_are_counted_in_one_notice() -> None:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE Packages (hnum, blob)")
    connection.execute("INSERT INTO Packages VALUES (1, 'text')")
    connection.execute("INSERT INTO Packages VALUES ('\x1b[2J', x'00')")
    parsed = parse_rpmdb_sqlite(connection.serialize())
    assert parsed.notices == ("rpmdb.sqlite: 2 Packages rows are not (integer, blob); skipped",)


def test_packages_are_listed_in_hnum_order_whatever_the_row_order() -> None:
    blobs = [header((NAME, 6, name), (VERSION, 6, b"1\0")) for name in (b"b\0", b"a\0")]
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE Packages (hnum INTEGER, blob BLOB)")
    connection.executemany("INSERT INTO Packages VALUES (?, ?)", [(9, blobs[0]), (2, blobs[1])])
    parsed = parse_rpmdb_sqlite(connection.serialize())
    assert [p.name for p in parsed.packages] == ["a", "b"]


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


def test_a_tag_repeated_in_one_header_is_read_once() -> None:
    # 65,535 entries all pointing at the start of a 16 MiB data store ending in its only NUL:
    # reading every entry scans the store 65,535 times (minutes); once is enough.
    script = """
import struct
from analyzer.inventory.rpm import NAME, parse_header
store = b"x" * (16 << 20) + b"\\0"
index = struct.pack(">iIiI", NAME, 6, 0, 1) * 0xFFFF
print(len(parse_header(struct.pack(">II", 0xFFFF, len(store)) + index + store)[NAME]))
"""
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert run.stdout.split() == [str(16 << 20)]


def test_bytes_that_are_not_utf8_are_kept_exact_in_the_purl() -> None:
    blob = header((NAME, 6, b"caf\xe9\0"), (VERSION, 6, b"1\0"))
    [package] = parse_rpmdb_sqlite(database(blob)).packages
    assert package.purl == "pkg:rpm/redhat/caf%E9@1"
