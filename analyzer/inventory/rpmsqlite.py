"""The ``Packages`` rows of an ``rpmdb.sqlite`` file, read from memory with bounded work.

The database comes from the image and may be hostile: SQLite runs whatever the file's schema says
when a statement reads a view (a recursive common table expression never ends) or a generated
column (``zeroblob(900000000)`` on every row), and a damaged b-tree can make a scan visit the same
pages again and again. The rules, each a wall of its own:

- the database is deserialized into a ``:memory:`` connection, made read-only, with temporary
  storage in memory: SQLite never opens a file;
- ``Packages`` must be a plain table (not a view, not a virtual table, no generated column), as
  rpm creates it; anything else is refused before a row is read;
- no value may be longer than the file itself (``SQLITE_LIMIT_LENGTH``): a real value is stored in
  the file, so nothing longer can come from it;
- rows are streamed without ``ORDER BY`` (a sort would hold every row before the first one is
  seen) and reading stops once the values add up to more than ``_BYTES_PER_BYTE`` times the file;
- a progress handler stops any statement after ``_STEPS_PER_BYTE`` virtual-machine steps per
  byte of the file (a plain scan takes a few steps per row and a row takes several bytes).

Every refusal or SQLite error is an ``RpmdbUnreadable`` the caller turns into a notice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from analyzer.text import quoted

Row = tuple[object, object]
"""(hnum, blob) as SQLite returned them; the caller checks their types."""

_SQLITE_MAGIC = b"SQLite format 3\x00"
_STEPS_PER_BYTE = 16
_MIN_STEPS = 1_000_000
_STEPS_PER_CALL = 1000
"""The progress handler runs every this many virtual-machine steps."""
_BYTES_PER_BYTE = 4
_ROW_BYTES = 4
"""The least a row takes in the file (cell pointer, sizes, header), charged to every row read."""
_MIN_LENGTH = 1 << 20
_PRAGMAS = ("PRAGMA query_only = ON", "PRAGMA temp_store = MEMORY", "PRAGMA trusted_schema = OFF")


class RpmdbUnreadable(ValueError):
    """The database cannot be read safely; the message says why (for a notice)."""


def packages_rows(data: bytes) -> list[Row]:
    """Every (hnum, blob) row of the ``Packages`` table of the SQLite database `data`.

    >>> connection = sqlite3.connect(":memory:")
    >>> _ = connection.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB)")
    >>> _ = connection.execute("INSERT INTO Packages VALUES (7, x'00')")
    >>> packages_rows(connection.serialize())
    [(7, b'\\x00')]
    """
    if not data.startswith(_SQLITE_MAGIC):
        raise RpmdbUnreadable("not an SQLite database")
    connection = sqlite3.connect(":memory:")
    budget = _StepBudget(_MIN_STEPS + _STEPS_PER_BYTE * len(data))
    try:
        connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max(len(data), _MIN_LENGTH))
        connection.set_progress_handler(budget.spend, _STEPS_PER_CALL)
        connection.deserialize(_rollback_journal(data))
        for pragma in _PRAGMAS:
            connection.execute(pragma)
        _require_plain_table(connection)
        return list(_bounded_rows(connection, len(data)))
    except sqlite3.Error as error:
        if budget.exhausted:
            raise RpmdbUnreadable(
                f"reading it took more than {budget.steps} SQLite steps, far more than a "
                f"{len(data)}-byte database needs (a damaged or crafted file)"
            ) from None
        raise RpmdbUnreadable(f"SQLite: {quoted(str(error), 200)}") from None
    finally:
        connection.close()


class _StepBudget:
    """A progress handler that interrupts every statement once `steps` steps have run."""

    def __init__(self, steps: int) -> None:
        self.steps = steps
        self._calls_left = steps // _STEPS_PER_CALL
        self.exhausted = False

    def spend(self) -> int:
        """Called by SQLite every ``_STEPS_PER_CALL`` steps; non-zero stops the statement."""
        self._calls_left -= 1
        self.exhausted = self._calls_left < 0
        return int(self.exhausted)


def _rollback_journal(data: bytes) -> bytes:
    """The database with its header's WAL read/write version bytes (18, 19) set to legacy (1).

    rpm creates the database in WAL mode, which an in-memory SQLite refuses to open; pages still
    in a ``-wal`` file are not read (rpm checkpoints on close).
    """
    if data[18:20] != b"\x02\x02":
        return data
    return data[:18] + b"\x01\x01" + data[20:]


def _require_plain_table(connection: sqlite3.Connection) -> None:
    """Refuse a ``Packages`` that is not a plain table: reading it would run the file's SQL."""
    found = connection.execute(
        "SELECT type, sql FROM sqlite_master"
        " WHERE type IN ('table', 'view') AND name = 'Packages' COLLATE NOCASE"
    ).fetchall()
    if not found:
        raise RpmdbUnreadable("no Packages table")
    kind, sql = found[0]
    words = str(sql or "").split(None, 2)[:2]
    if len(found) > 1 or kind != "table" or [w.upper() for w in words] != ["CREATE", "TABLE"]:
        shown = quoted(f"{kind}: {sql}", 80)
        raise RpmdbUnreadable(f"Packages is not a plain table as rpm creates it ({shown})")
    columns = connection.execute("PRAGMA table_xinfo(Packages)").fetchall()
    if any(column[6] != 0 for column in columns):
        raise RpmdbUnreadable("Packages has generated or hidden columns; rpm creates none")


def _bounded_rows(connection: sqlite3.Connection, size: int) -> Iterator[Row]:
    """Stream the rows, stopping once their values outgrow the file they come from."""
    limit = _BYTES_PER_BYTE * max(size, _MIN_LENGTH)
    total = 0
    for hnum, blob in connection.execute("SELECT hnum, blob FROM Packages"):
        total += _ROW_BYTES + _size(hnum) + _size(blob)
        if total > limit:
            raise RpmdbUnreadable(
                f"the Packages rows hold more than {limit} bytes, more than the "
                f"{size}-byte file can store (a damaged or crafted database)"
            )
        yield hnum, blob


def _size(value: object) -> int:
    if isinstance(value, str | bytes):
        return len(value)
    return 0 if value is None else 8
