"""rpm's record of installed files: a database rpm 4.18 wrote, and crafted header blobs."""

from __future__ import annotations

import gzip
import hashlib
import struct
from pathlib import Path

import pytest

from analyzer.inventory.rpm import parse_rpmdb_sqlite
from analyzer.inventory.rpmfiles import (
    BASENAMES,
    DIRINDEXES,
    DIRNAMES,
    FILEDIGESTALGO,
    FILEDIGESTS,
    NAME,
    OLDFILENAMES,
    header_files,
    parse_rpmdb_files,
)
from tests.inventory.rpmfiles_content import FILES
from tests.inventory.test_rpm import database

FIXTURE = Path(__file__).parent / "data" / "rpmdb-files-rpm418.sqlite.gz"
INT32, STRING, STRING_ARRAY = 4, 6, 8


def strings(*values: str) -> tuple[int, bytes]:
    return len(values), b"".join(v.encode() + b"\0" for v in values)


def ints(*values: int) -> tuple[int, bytes]:
    return len(values), struct.pack(f">{len(values)}i", *values)


def header(*entries: tuple[int, int, tuple[int, bytes]]) -> bytes:
    """A header blob from (tag, type, (count, data)) entries (integers 4-byte aligned)."""
    index, store = b"", b""
    for tag, kind, (count, data) in entries:
        if kind == INT32:
            store += bytes(-len(store) % 4)
        index += struct.pack(">iIiI", tag, kind, len(store), count)
        store += data
    return struct.pack(">II", len(entries), len(store)) + index + store


def test_files_rpm_recorded_carry_the_digest_algorithm_their_header_declares() -> None:
    recorded = parse_rpmdb_files(gzip.decompress(FIXTURE.read_bytes()))
    by_path = {f.path: f for f in recorded.files}
    assert recorded.notices == ()
    assert set(by_path) == {p for files in FILES.values() for p in files}  # no dir, no symlink
    for package, files in FILES.items():
        for path, data in files.items():
            record = by_path[path]
            assert record.owner.package == package and record.owner.manager == "rpm"
            assert record.digest == hashlib.new(record.algorithm, data).digest()
    assert by_path["/usr/lib/old-digests/data.txt"].algorithm == "md5"
    assert by_path["/etc/vendor-docs/app.ini"].algorithm == "sha256"


def test_a_header_without_a_digest_algorithm_means_md5() -> None:
    blob = header(
        (NAME, STRING, strings("old")),
        (OLDFILENAMES, STRING_ARRAY, strings("/usr/bin/a", "/usr/bin/b")),
        (FILEDIGESTS, STRING_ARRAY, strings("00" * 16, "")),
    )
    [record] = header_files(blob)
    assert (record.path, record.algorithm, record.owner.package) == ("/usr/bin/a", "md5", "old")


def test_an_algorithm_image_audit_does_not_know_is_kept_but_never_comparable() -> None:
    blob = header(
        (BASENAMES, STRING_ARRAY, strings("x")),
        (DIRNAMES, STRING_ARRAY, strings("/opt/")),
        (DIRINDEXES, INT32, ints(0)),
        (FILEDIGESTS, STRING_ARRAY, strings("ab" * 20)),
        (FILEDIGESTALGO, INT32, ints(3)),
    )
    assert [(f.path, f.algorithm) for f in header_files(blob)] == [("/opt/x", "pgp-hash-3")]


def bad(*entries: tuple[int, int, tuple[int, bytes]]) -> bytes:
    base = [
        (BASENAMES, STRING_ARRAY, strings("a", "b")),
        (DIRNAMES, STRING_ARRAY, strings("/d/")),
        (DIRINDEXES, INT32, ints(0, 0)),
        (FILEDIGESTS, STRING_ARRAY, strings("00" * 32, "11" * 32)),
    ]
    replaced = {tag for tag, _, _ in entries}
    return header(*[e for e in base if e[0] not in replaced], *entries)


@pytest.mark.parametrize(
    ("blob", "reason"),
    [
        (bad((FILEDIGESTS, STRING_ARRAY, strings("00" * 32))), "2 file names but 1 digests"),
        (bad((DIRINDEXES, INT32, ints(0))), "2 base names but 1 directory indexes"),
        (bad((DIRINDEXES, INT32, ints(0, 7))), "directory index 7 outside the 1 directory names"),
        (bad((FILEDIGESTS, STRING_ARRAY, strings("zz", "11"))), "file digest 'zz' is not hex"),
        (
            bad((BASENAMES, STRING_ARRAY, (1_000, b"a\0b\0"))),
            "1000 values at offset 142 do not fit",
        ),
        (bad((DIRINDEXES, INT32, (2, b"\0\0\0\0"))), "integers run past the data store"),
        (bad((BASENAMES, STRING, strings("a", "b"))), "1 base names but 2 directory indexes"),
        (bad((DIRNAMES, 7, strings("/d/"))), "tag 1118 has unexpected type 7"),
    ],
)
def test_a_malformed_file_list_is_skipped_with_a_notice_and_others_are_kept(
    blob: bytes, reason: str
) -> None:
    good = header((NAME, STRING, strings("good")), *[e for e in _good_files()])
    recorded = parse_rpmdb_files(database(blob, good))
    assert [f.owner.package for f in recorded.files] == ["good"]
    assert len(recorded.notices) == 1
    assert recorded.notices[0].startswith("rpmdb.sqlite package 1: file list unreadable (")
    assert reason in recorded.notices[0]


def _good_files() -> list[tuple[int, int, tuple[int, bytes]]]:
    return [
        (OLDFILENAMES, STRING_ARRAY, strings("/etc/good")),
        (FILEDIGESTS, STRING_ARRAY, strings("00" * 32)),
        (FILEDIGESTALGO, INT32, ints(8)),
    ]


def test_a_database_that_is_not_sqlite_is_the_inventorys_notice_alone() -> None:
    """The package inventory reads the same database and says it cannot: once, not twice."""
    recorded = parse_rpmdb_files(b"not a database")
    assert recorded.files == ()
    assert recorded.notices == ()
    assert parse_rpmdb_sqlite(b"not a database").notices == (
        "rpmdb.sqlite could not be read (not an SQLite database); packages not inventoried",
    )


def test_an_unreadable_header_is_the_inventorys_notice_alone() -> None:
    good = header((NAME, STRING, strings("good")), *[e for e in _good_files()])
    data = database(good[:-3], good)
    assert [f.owner.package for f in parse_rpmdb_files(data).files] == ["good"]
    assert parse_rpmdb_files(data).notices == ()
    first = [n for n in parse_rpmdb_sqlite(data).notices if n.startswith("rpmdb.sqlite package 1:")]
    assert len(first) == 1 and "unreadable header (" in first[0]
