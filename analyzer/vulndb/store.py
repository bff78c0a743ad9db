"""The vulnerability database: SQLite in one file, ``DIR/vulndb.sqlite``.

``import_sources`` reads every source once, validates and normalises its records (records.py)
and writes them, indexed by (ecosystem, normalised name), to a new file that replaces the old one
only when the import has finished (a failed import leaves the previous database as it was).
``open_vulndb`` opens it read-only and immutable (``mode=ro&immutable=1``: no lock, no journal,
no ``-shm`` file beside it): a scan never changes the data it was given. A database is checked
before any query, because whoever hands over the folder chose its bytes: only the tables and
indexes ``import_sources`` writes (a view or trigger, such as a recursive view that never ends,
is refused), no text or blob over ``MAX_VALUE_BYTES``, and every value read back of the type
and shape import wrote; anything else is a UsageError naming the file, not a crash or a hang.

Tables: ``sources`` (path, sha256, records, rejected, newest modified), ``records`` (id, kind,
aliases, modified, withdrawn, summary, CVSS vectors and their highest base score),
``affected`` (record, ecosystem, release, name, ranges, versions). An OSV id imported twice keeps
the record with the newer ``modified`` (the other is counted as replaced).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sqlite3
import stat
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.bundle.interrupts import signals_held
from analyzer.errors import OutputError, UsageError
from analyzer.text import printable
from analyzer.vulndb.records import Affected, Record, is_osv, is_secdb, osv_record, secdb_records
from analyzer.vulndb.sources import Document, documents, parse_document, source_sha256

DB_NAME = "vulndb.sqlite"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (path TEXT, sha256 TEXT, records INTEGER, rejected INTEGER, newest TEXT);
CREATE TABLE records (id TEXT, kind TEXT, aliases TEXT, modified TEXT, withdrawn INTEGER,
    summary TEXT, vectors TEXT, score REAL);
CREATE TABLE affected (record INTEGER, ecosystem TEXT, release TEXT, name TEXT, ranges TEXT,
    versions TEXT);
CREATE INDEX records_id ON records (id, kind);
"""
_INDEX = "CREATE INDEX affected_name ON affected (ecosystem, name)"
_COLUMNS = {
    "meta": ("key", "value"),
    "sources": ("path", "sha256", "records", "rejected", "newest"),
    "records": ("id", "kind", "aliases", "modified", "withdrawn", "summary", "vectors", "score"),
    "affected": ("record", "ecosystem", "release", "name", "ranges", "versions"),
}
"""The tables of _SCHEMA and their columns, as an opened database must have them."""
MAX_VALUE_BYTES = 16 << 20
"""The longest text or blob read back (a large OSV record's version list is under 1 MB)."""
_DAMAGED = (sqlite3.DatabaseError, ValueError, TypeError, RecursionError)
"""What reading a crafted or damaged database raises (json.loads of a deep or broken value
included)."""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """One imported source, as the scan report and custody.json state it."""

    path: str
    sha256: str
    records: int
    rejected: int
    newest: str
    """The newest ``modified`` among its records ("" when none says: secdb files do not)."""


@dataclass(slots=True)
class ImportSummary:
    """What an import wrote and what it could not read."""

    sources: list[SourceInfo] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    """The first notices; `rejected` counts every bad document and record."""
    rejected: int = 0
    replaced: int = 0


def import_sources(paths: Sequence[Path], to: Path) -> ImportSummary:
    """Read `paths` into a new database in `to` (created when missing).

    Every source is checked first (a file or a folder: a FIFO would block, a device never
    end), and a failed import leaves `to` as it was: the database file untouched and a folder
    this import created removed. What the disk refuses (full, read-only, a name too long,
    DIR a file or a dangling link) is an OutputError, one line."""
    for path in paths:
        _check_source(path)
    created = not os.path.lexists(to)
    try:
        return _import_into(paths, to)
    except (OSError, sqlite3.Error) as error:
        reason = printable(error.strerror or str(error)) if isinstance(error, OSError) else error
        raise OutputError(
            f"cannot write the database in {to}: {reason}; nothing was written"
        ) from None
    finally:
        # a stopping signal that comes now waits until the clean-up is done: one that came
        # while _import_into cleaned up may have cut that short, so its files go here too
        with signals_held():
            for leftover in to.glob(f"{_partial_name(os.getpid())}*"):
                with contextlib.suppress(OSError):
                    leftover.unlink()
            if created and not os.path.lexists(to / DB_NAME):
                with contextlib.suppress(OSError):
                    to.rmdir()


def _partial_name(pid: int) -> str:
    """The name this process's database has in --to until the import has finished."""
    return f".{DB_NAME}.{pid}.partial"


def _check_source(path: Path) -> None:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file or folder") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot be read ({error.strerror})") from None
    if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
        raise UsageError(f"{path}: not a file, folder or archive")


def _import_into(paths: Sequence[Path], to: Path) -> ImportSummary:
    if to.exists() and not to.is_dir():
        raise UsageError(f"{to}: not a folder (--to names the folder the database goes in)")
    to.mkdir(parents=True, exist_ok=True)
    partial = to / _partial_name(os.getpid())
    partial.unlink(missing_ok=True)
    summary = ImportSummary()
    db = sqlite3.connect(partial)
    try:
        # the partial file is thrown away, never repaired: its rollback journal is kept in
        # memory, so an interrupted import leaves no .partial-journal beside it
        db.execute("PRAGMA journal_mode = MEMORY")
        db.executescript(_SCHEMA)
        db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        for path in paths:
            summary.sources.append(_import_source(db, path, summary))
        db.execute(_INDEX)
        db.commit()
        db.close()
        if not any(source.records for source in summary.sources):
            # importing the wrong thing must not replace a good database with an empty one
            raise UsageError(
                "no OSV record or secdb entry in "
                + ", ".join(str(p) for p in paths)
                + "; nothing was written"
                + (f" ({summary.notices[0]})" if summary.notices else "")
            )
        os.replace(partial, to / DB_NAME)
    finally:
        db.close()
        partial.unlink(missing_ok=True)
    return summary


class Notes(list[str]):
    """The first MAX_NOTES notes of a source, and a count of the parts skipped: a source of a
    million bad records costs two counters, not a million strings."""

    MAX_NOTES = 50

    def __init__(self) -> None:
        super().__init__()
        self.skipped = 0

    def append(self, note: str) -> None:
        """Keep the note if there is room; count it when it says a part was skipped."""
        self.skipped += note.endswith("skipped")
        if len(self) < self.MAX_NOTES:
            super().append(note)


def _import_source(db: sqlite3.Connection, path: Path, summary: ImportSummary) -> SourceInfo:
    notes = Notes()
    records = 0
    newest = ""
    for document in documents(path, notes):
        for record in _document_records(document, notes):
            records += _write(db, record, summary)
            newest = max(newest, record.modified)
    rejected = notes.skipped  # every bad part's note ends so
    info = SourceInfo(str(path), source_sha256(path), records, rejected, newest)
    db.execute("INSERT INTO sources VALUES (?, ?, ?, ?, ?)", (*_row(info),))
    summary.rejected += rejected
    summary.notices.extend(notes[: max(0, 50 - len(summary.notices))])
    return info


def _row(info: SourceInfo) -> tuple[str, str, int, int, str]:
    return info.path, info.sha256, info.records, info.rejected, info.newest


def _document_records(document: Document, notes: list[str]) -> list[Record]:
    """The records of one document; each part rejected is a note ending in "skipped"."""
    try:
        value = parse_document(document)
    except ValueError as error:
        notes.append(f"{document.where}: {error}; skipped")
        return []
    values = value if isinstance(value, list) else [value]
    found: list[Record] = []
    for item in values:
        if isinstance(item, Mapping) and is_secdb(item):
            found.extend(secdb_records(item, notes))
        elif (
            isinstance(item, Mapping)
            and is_osv(item)
            and (record := osv_record(item, notes)) is not None
        ):
            found.append(record)
        else:
            notes.append(f"{document.where}: neither an OSV record nor a secdb file; skipped")
    return [record for record in found if _unicode(record, document.where, notes)]


def _unicode(record: Record, where: str, notes: list[str]) -> bool:
    """False (and a note) when a string of the record holds a lone surrogate (JSON may write
    "\\ud800"): the database stores UTF-8, which cannot hold one."""
    try:
        json.dumps(dataclasses.asdict(record), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        notes.append(f"{where}: record {record.id[:80]} holds text that is not Unicode; skipped")
        return False
    return True


def _write(db: sqlite3.Connection, record: Record, summary: ImportSummary) -> int:
    """Store one record; 0 when an already stored copy of the same OSV id is newer."""
    if record.kind == "osv":
        old = db.execute(
            "SELECT rowid, modified FROM records WHERE id = ? AND kind = 'osv'", (record.id,)
        ).fetchone()
        if old is not None:
            summary.replaced += 1
            if old[1] >= record.modified:
                return 0
            db.execute("DELETE FROM affected WHERE record = ?", (old[0],))
            db.execute("DELETE FROM records WHERE rowid = ?", (old[0],))
    cursor = db.execute(
        "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            record.id,
            record.kind,
            json.dumps(record.aliases),
            record.modified,
            int(record.withdrawn),
            record.summary,
            json.dumps(record.vectors),
            record.score,
        ),
    )
    db.executemany(
        "INSERT INTO affected VALUES (?, ?, ?, ?, ?, ?)",
        (_affected_row(cursor.lastrowid, a) for a in record.affected),
    )
    return 1


def _affected_row(rowid: int | None, a: Affected) -> tuple[object, ...]:
    return rowid, a.ecosystem, a.release, a.name, json.dumps(a.ranges), json.dumps(a.versions)


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as matching reads it back."""

    id: str
    aliases: tuple[str, ...]
    withdrawn: bool
    vectors: tuple[str, ...]
    score: float | None
    summary: str


@dataclass(frozen=True, slots=True)
class StoredAffected:
    """An affected row with its record."""

    record: StoredRecord
    release: str
    ranges: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    versions: tuple[str, ...]


class VulnDb:
    """A database opened read-only for matching."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = _connect_read_only(path)
        with self._reading():
            self.sources = tuple(
                _source(row)
                for row in self._db.execute(
                    "SELECT path, sha256, records, rejected, newest FROM sources"
                )
            )
            self.coverage = frozenset(
                (_text(e), _text(r))
                for e, r in self._db.execute("SELECT DISTINCT ecosystem, release FROM affected")
            )
        """(ecosystem, release) pairs the data has records for ("" release: every release)."""

    def affected(self, ecosystem: str, name: str) -> Iterator[StoredAffected]:
        """Every affected row for a package, withdrawn records included (the caller decides)."""
        with self._reading():
            rows = self._db.execute(
                "SELECT r.id, r.aliases, r.withdrawn, r.vectors, r.score, r.summary, a.release, "
                "a.ranges, a.versions FROM affected a JOIN records r ON r.rowid = a.record "
                "WHERE a.ecosystem = ? AND a.name = ?",
                (ecosystem, name),
            )
            for row in rows:
                yield _affected(row)

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A value of the wrong type or shape, or a query SQLite refuses, is a damaged file."""
        try:
            yield
        except _DAMAGED as error:
            raise _damaged(self.path, error) from None

    def newest(self) -> str:
        """The newest ``modified`` of any source ("" when none says)."""
        return max((s.newest for s in self.sources), default="")

    def close(self) -> None:
        """Close the connection."""
        self._db.close()


def _affected(row: Sequence[object]) -> StoredAffected:
    rid, aliases, withdrawn, vectors, score, summary, release, ranges, versions = row
    record = StoredRecord(
        _text(rid), _texts(aliases), bool(_count(withdrawn)), _texts(vectors), _score(score),
        _text(summary),
    )  # fmt: skip
    return StoredAffected(record, _text(release), _ranges(_json(ranges)), _texts(versions))


def _source(row: Sequence[object]) -> SourceInfo:
    path, sha256, records, rejected, newest = row
    return SourceInfo(_text(path), _text(sha256), _count(records), _count(rejected), _text(newest))


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"a text column holds {type(value).__name__}")
    return value


def _count(value: object) -> int:
    if not isinstance(value, int):
        raise ValueError(f"a number column holds {type(value).__name__}")
    return value


def _score(value: object) -> float | None:
    if value is None:
        return None
    if not isinstance(value, (int, float)) or not 0.0 <= value <= 10.0:
        raise ValueError(f"a CVSS score column holds {value!r:.40}")
    return float(value)


def _json(value: object) -> object:
    return json.loads(_text(value))


def _texts(value: object) -> tuple[str, ...]:
    items = _json(value)
    if not isinstance(items, list):
        raise ValueError("a list column holds something else")
    return tuple(_text(item) for item in items)


def _ranges(value: object) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    if not isinstance(value, list):
        raise ValueError("a ranges column holds something else")
    return tuple((_text(kind), _events(events)) for kind, events in value)


def _events(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        raise ValueError("a range's events are not a list")
    return tuple((_text(k), _text(v)) for k, v in value)


def _damaged(path: Path, error: BaseException) -> UsageError:
    reason = "nested too deep" if isinstance(error, RecursionError) else str(error)[:120]
    return UsageError(
        f"{path}: the vulnerability database is damaged or was not written by "
        f"'image-audit vulndb import' ({reason}); import the data again"
    )


def _check_schema(db: sqlite3.Connection, path: Path) -> None:
    """Only the tables and indexes import writes, each table with its columns: nothing is
    queried through a view or a trigger a crafted file brings."""
    found = db.execute("SELECT type, name FROM sqlite_master").fetchall()
    tables = {name for kind, name in found if kind == "table"}
    if any(kind not in ("table", "index") for kind, _ in found) or tables != set(_COLUMNS):
        raise _damaged(path, ValueError("other tables, views or triggers"))
    for table, columns in _COLUMNS.items():
        names = tuple(row[1] for row in db.execute(f"PRAGMA table_info({table})"))
        if names != columns:
            raise _damaged(path, ValueError(f"table {table} has other columns"))


def _connect_read_only(path: Path) -> sqlite3.Connection:
    file = path / DB_NAME if path.is_dir() else path
    if not file.is_file():
        raise UsageError(
            f"{path}: no vulnerability database there (make one with "
            "'image-audit vulndb import SRC... --to DIR')"
        )
    try:
        db = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        db.execute("PRAGMA trusted_schema = OFF")
        _check_schema(db, file)
        schema = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    except sqlite3.DatabaseError as error:
        raise UsageError(f"{file}: not a vulnerability database ({error})") from None
    if schema is None or schema[0] != str(SCHEMA_VERSION):
        raise UsageError(f"{file}: written by another version; import the data again")
    return db


def open_vulndb(path: Path) -> VulnDb:
    """Open the database `vulndb import` wrote in `path` (a folder, or the file itself)."""
    return VulnDb(path)
