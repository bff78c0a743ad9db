"""The vulnerability database: SQLite in one file, ``DIR/vulndb.sqlite``.

``import_sources`` reads every source once, validates and normalises its records (records.py)
and writes them, indexed by (ecosystem, normalised name), to a new file that replaces the old one
only when the import has finished (a failed import leaves the previous database as it was).
``open_vulndb`` opens it read-only (``mode=ro``): a scan never changes the data it was given.

Tables: ``sources`` (path, sha256, records, rejected, newest modified), ``records`` (id, kind,
aliases, modified, withdrawn, summary, CVSS vectors and their highest base score),
``affected`` (record, ecosystem, release, name, ranges, versions). An OSV id imported twice keeps
the record with the newer ``modified`` (the other is counted as replaced).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.errors import UsageError
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
    """Read `paths` into a new database in `to` (created when missing)."""
    if to.exists() and not to.is_dir():
        raise UsageError(f"{to}: not a folder (--to names the folder the database goes in)")
    for path in paths:
        if not os.path.lexists(path):
            raise UsageError(f"{path}: no such file or folder")
    to.mkdir(parents=True, exist_ok=True)
    partial = to / f".{DB_NAME}.{os.getpid()}.partial"
    partial.unlink(missing_ok=True)
    summary = ImportSummary()
    db = sqlite3.connect(partial)
    try:
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
    return found


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
        self.sources = tuple(
            SourceInfo(*row)
            for row in self._db.execute(
                "SELECT path, sha256, records, rejected, newest FROM sources"
            )
        )
        self.coverage = frozenset(
            (str(e), str(r))
            for e, r in self._db.execute("SELECT DISTINCT ecosystem, release FROM affected")
        )
        """(ecosystem, release) pairs the data has records for ("" release: every release)."""

    def affected(self, ecosystem: str, name: str) -> Iterator[StoredAffected]:
        """Every affected row for a package, withdrawn records included (the caller decides)."""
        rows = self._db.execute(
            "SELECT r.id, r.aliases, r.withdrawn, r.vectors, r.score, r.summary, a.release, "
            "a.ranges, a.versions FROM affected a JOIN records r ON r.rowid = a.record "
            "WHERE a.ecosystem = ? AND a.name = ?",
            (ecosystem, name),
        )
        for rid, aliases, withdrawn, vectors, score, summary, release, ranges, versions in rows:
            record = StoredRecord(
                rid, tuple(json.loads(aliases)), bool(withdrawn), tuple(json.loads(vectors)),
                score, summary,
            )  # fmt: skip
            yield StoredAffected(
                record, release, _ranges(json.loads(ranges)), tuple(json.loads(versions))
            )

    def newest(self) -> str:
        """The newest ``modified`` of any source ("" when none says)."""
        return max((s.newest for s in self.sources), default="")

    def close(self) -> None:
        """Close the connection."""
        self._db.close()


def _ranges(value: Iterable[Any]) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    return tuple((str(kind), tuple((str(k), str(v)) for k, v in events)) for kind, events in value)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    file = path / DB_NAME if path.is_dir() else path
    if not file.is_file():
        raise UsageError(
            f"{path}: no vulnerability database there (make one with "
            "'image-audit vulndb import SRC... --to DIR')"
        )
    try:
        db = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
        schema = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    except sqlite3.DatabaseError as error:
        raise UsageError(f"{file}: not a vulnerability database ({error})") from None
    if schema is None or schema[0] != str(SCHEMA_VERSION):
        raise UsageError(f"{file}: written by another version; import the data again")
    return db


def open_vulndb(path: Path) -> VulnDb:
    """Open the database `vulndb import` wrote in `path` (a folder, or the file itself)."""
    return VulnDb(path)
