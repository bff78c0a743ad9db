"""A hostile rpmdb.sqlite costs bounded time and memory and becomes a notice.

The slow cases run in a child process with a memory cap and a generous timeout: before these
walls a recursive view never returned and a page-repeating b-tree produced billions of rows.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from analyzer.inventory import parse_rpmdb_sqlite
from analyzer.inventory.rpmsqlite import RpmdbUnreadable, packages_rows
from tests.inventory.sqlite_crafted import amplifying_database, looping_overflow_database

_CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from analyzer.inventory import parse_rpmdb_sqlite
print(json.dumps(parse_rpmdb_sqlite(sys.stdin.buffer.read()).notices))
"""


def notices_in_child(data: bytes) -> list[str]:
    run = subprocess.run(
        [sys.executable, "-c", _CHILD], input=data, capture_output=True, timeout=90, check=True
    )
    notices: list[str] = json.loads(run.stdout)
    return notices


def database(script: str) -> bytes:
    connection = sqlite3.connect(":memory:")
    connection.executescript(script)
    return connection.serialize()


RECURSIVE_VIEW = """
CREATE VIEW Packages AS
WITH RECURSIVE r(hnum, blob) AS (SELECT 1, x'00' UNION ALL SELECT hnum + 1, blob FROM r)
SELECT * FROM r;
"""


def test_a_recursive_packages_view_is_refused_before_it_runs() -> None:
    [notice] = notices_in_child(database(RECURSIVE_VIEW))
    assert notice.startswith(
        "rpmdb.sqlite could not be read (Packages is not a plain table as rpm creates it "
        "('view: CREATE VIEW Packages AS"
    )


@pytest.mark.parametrize(
    ("script", "says"),
    [
        (
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob AS (zeroblob(900000000)));"
            "INSERT INTO Packages (hnum) VALUES (1);",
            "Packages has generated or hidden columns",
        ),
        ("CREATE VIRTUAL TABLE Packages USING fts5(hnum, blob);", "'table: CREATE VIRTUAL TABLE"),
        ("CREATE TABLE Other (x);", "no Packages table"),
    ],
)
def test_packages_that_is_not_a_plain_table_is_refused(script: str, says: str) -> None:
    [notice] = parse_rpmdb_sqlite(database(script)).notices
    assert says in notice and notice.endswith("; packages not inventoried")


def test_table_named_in_another_case_is_still_the_packages_table() -> None:
    data = database("CREATE TABLE packages (hnum INTEGER PRIMARY KEY, blob BLOB);")
    assert packages_rows(data) == []


def test_a_btree_that_repeats_its_pages_is_stopped_by_the_step_budget() -> None:
    # 5 levels of 71 pointers to the same page: 2 billion rows from a 3.5-kilobyte file
    [notice] = notices_in_child(amplifying_database(5))
    assert "SQLite steps, far more than a 3584-byte database needs" in notice


def test_rows_that_outgrow_the_file_they_come_from_are_stopped() -> None:
    # the same b-tree with a 400-byte blob: 800 gigabytes of rows for a naive reader
    [notice] = notices_in_child(amplifying_database(5, b"x" * 400))
    assert "the Packages rows hold more than 4194304 bytes, more than the 3584-byte file" in notice


@pytest.mark.parametrize("size", [1000, 3 << 20, 900_000_000])
def test_an_overflow_chain_that_loops_is_a_notice(size: int) -> None:
    [notice] = parse_rpmdb_sqlite(looping_overflow_database(size)).notices
    assert notice.startswith("rpmdb.sqlite ")


def test_nothing_is_read_from_a_file_that_is_not_sqlite() -> None:
    with pytest.raises(RpmdbUnreadable, match="not an SQLite database"):
        packages_rows(b"\0" * 4096)


def test_sqlite_error_messages_are_quoted_printable() -> None:
    schema = "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB);"
    data = bytearray(database(schema + "INSERT INTO Packages VALUES (1, x'00');"))
    data[100:] = b"\x1b[2J" * ((len(data) - 100) // 4)
    [notice] = parse_rpmdb_sqlite(bytes(data)).notices
    assert "\x1b" not in notice and notice.startswith("rpmdb.sqlite could not be read (SQLite: ")
