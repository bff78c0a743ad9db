"""OSV records and Alpine secdb files, validated and normalised into what the database stores.

OSV (ossf.github.io/osv-schema): a record has an ``id``, ``modified``, optional ``aliases``,
``withdrawn``, ``severity`` (CVSS vectors) and ``affected`` entries, each naming a package
(``ecosystem``, ``name``) with ``ranges`` (``ECOSYSTEM``, ``SEMVER`` or ``GIT`` events:
``introduced``, ``fixed``, ``last_affected``, ``limit``) and explicit ``versions``. GIT ranges
cannot be compared with an installed version; their ``versions`` lists still are.

Alpine secdb (secdb.alpinelinux.org, and the alpine-secdb repository's YAML): per release
(``distroversion`` v3.11) and repository, each package lists the versions (``pkgver-rN``) that
fixed each CVE. We read an entry as "every version older than the fixing version is affected"
(the range ``introduced 0, fixed V``). A fixing version ``0`` means the package was never
affected in that release (the flaw is in code Alpine never shipped, or was fixed before the
package entered the release): it is skipped, never read as "every version is affected".
A CVE line may carry more than one id ("CVE-2019-1 XSA-300"): each becomes an id of its own.

Nothing here raises on bad input: a bad record, an unknown ecosystem or a version that does not
parse in its ecosystem's ordering is a notice, and the rest of the record is kept when it can be.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from analyzer.vulndb.ecosystems import (
    KNOWN_ECOSYSTEMS,
    VERSION_CLASSES,
    normalise_name,
    parse_version,
    split_ecosystem,
)
from analyzer.vulndb.severity import base_score

MAX_AFFECTED = 10_000
"""Affected entries, ranges, events or versions read per list (a real one has a few hundred)."""
MAX_RECORD_ITEMS = 200_000
"""Events and versions read per record in all: a YAML record can repeat one list through
aliases (``*a``) at every level, so that a few kilobytes would stand for 10^12 items."""

Event = tuple[str, str]
"""(kind, version): ("introduced", "0"), ("fixed", "4.3"), ("last_affected", v), ("limit", v)."""


@dataclass(frozen=True, slots=True)
class Affected:
    """One package a record affects, in one ecosystem and release."""

    ecosystem: str
    """Lowercased OSV ecosystem name: "pypi", "debian", "alpine"."""
    release: str
    """"12", "3.11"; "" when the record is not scoped to a release."""
    name: str
    """Normalised (ecosystems.normalise_name)."""
    ranges: tuple[tuple[str, tuple[Event, ...]], ...]
    """(range type, events) for the ECOSYSTEM and SEMVER ranges."""
    versions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Record:
    """One advisory, normalised."""

    id: str
    aliases: tuple[str, ...]
    modified: str
    withdrawn: bool
    summary: str
    vectors: tuple[str, ...]
    """The CVSS vectors that parse."""
    score: float | None
    """The highest base score among `vectors`."""
    affected: tuple[Affected, ...]
    kind: str = "osv"
    """"osv" or "secdb"."""


def is_osv(document: object) -> bool:
    """True for a mapping that looks like an OSV record."""
    return isinstance(document, Mapping) and isinstance(document.get("id"), str)


def is_secdb(document: object) -> bool:
    """True for a mapping that looks like an Alpine secdb file."""
    return (
        isinstance(document, Mapping)
        and "packages" in document
        and isinstance(document.get("distroversion"), str)
    )


def osv_record(document: Mapping[str, Any], notes: list[str]) -> Record | None:
    """The record in an OSV document; None (and a note) when it has no usable id."""
    rid = document.get("id")
    if not isinstance(rid, str) or not rid.strip():
        notes.append("not an OSV record: no id")
        return None
    vectors, scores = _vectors(document.get("severity"), rid, notes)
    affected: list[Affected] = []
    items = 0
    for entry in _osv_affected(document.get("affected"), rid, notes):
        affected.append(entry)
        items += len(entry.versions) + sum(len(events) for _, events in entry.ranges)
        if items > MAX_RECORD_ITEMS:
            notes.append(f"{rid}: more than {MAX_RECORD_ITEMS} events and versions; skipped")
            return None
    return Record(
        id=rid.strip(),
        aliases=tuple(a for a in _strings(document.get("aliases")) if a != rid),
        modified=_string(document.get("modified")),
        withdrawn=bool(document.get("withdrawn")),
        summary=_string(document.get("summary"))[:300],
        vectors=vectors,
        score=max(scores) if scores else None,
        affected=tuple(affected),
    )


def _vectors(entries: object, rid: str, notes: list[str]) -> tuple[tuple[str, ...], list[float]]:
    vectors: list[str] = []
    scores: list[float] = []
    for entry in _items(entries):
        if not isinstance(entry, Mapping):
            continue
        kind, vector = _string(entry.get("type")), _string(entry.get("score"))
        if not kind.startswith("CVSS"):
            continue
        score = base_score(kind, vector)
        if score is None:
            notes.append(f"{rid}: CVSS vector {vector[:80]!r} does not parse; ignored")
            continue
        vectors.append(vector)
        scores.append(score)
    return tuple(vectors), scores


def _osv_affected(entries: object, rid: str, notes: list[str]) -> Iterator[Affected]:
    for entry in _items(entries):
        package = entry.get("package") if isinstance(entry, Mapping) else None
        if not isinstance(package, Mapping):
            notes.append(f"{rid}: an affected entry names no package; skipped")
            continue
        ecosystem, release = split_ecosystem(_string(package.get("ecosystem")))
        name = _string(package.get("name"))
        if ecosystem not in KNOWN_ECOSYSTEMS or not name:
            shown = _string(package.get("ecosystem"))[:40]
            notes.append(f"{rid}: unknown ecosystem {shown!r} or no package name; skipped")
            continue
        ranges = _ranges(entry.get("ranges"), ecosystem, rid, notes)
        if ranges is None:
            continue
        versions = tuple(_strings(entry.get("versions")))
        yield Affected(ecosystem, release, normalise_name(ecosystem, name), ranges, versions)


def _ranges(
    entries: object, ecosystem: str, rid: str, notes: list[str]
) -> tuple[tuple[str, tuple[Event, ...]], ...] | None:
    """The comparable ranges; None (and a note) when a version in one does not parse."""
    ranges = []
    for entry in _items(entries, 100):
        kind = _string(entry.get("type")) if isinstance(entry, Mapping) else ""
        if kind not in ("ECOSYSTEM", "SEMVER") or ecosystem not in VERSION_CLASSES:
            continue  # GIT ranges, and ecosystems whose packages the inventory cannot hold
        assert isinstance(entry, Mapping)
        events = tuple(_events(entry.get("events")))
        order = "npm" if kind == "SEMVER" else ecosystem
        bad = [v for _, v in events if v != "0" and parse_version(order, v) is None]
        if bad:
            notes.append(f"{rid}: version {bad[0][:60]!r} does not parse ({kind}); skipped")
            return None
        ranges.append((kind, events))
    return tuple(ranges)


def _events(entries: object) -> Iterator[Event]:
    for event in _items(entries, 1000):
        if isinstance(event, Mapping):
            for kind in ("introduced", "fixed", "last_affected", "limit"):
                if isinstance(event.get(kind), str):
                    yield kind, event[kind]


def secdb_records(document: Mapping[str, Any], notes: list[str]) -> Iterator[Record]:
    """One record per (CVE, package) fix in an Alpine secdb file."""
    _, release = split_ecosystem("alpine:" + _string(document.get("distroversion")))
    for item in _items(document.get("packages")):
        pkg = item.get("pkg") if isinstance(item, Mapping) else None
        name = _string(pkg.get("name")) if isinstance(pkg, Mapping) else ""
        fixes = pkg.get("secfixes") if isinstance(pkg, Mapping) else None
        if not name or not isinstance(fixes, Mapping):
            notes.append(f"secdb v{release}: a package without name or secfixes; skipped")
            continue
        for fixed, ids in fixes.items():
            yield from _secdb_fix(release, name, str(fixed), ids, notes)


def _secdb_fix(
    release: str, name: str, fixed: str, ids: object, notes: list[str]
) -> Iterator[Record]:
    if fixed == "0":
        return  # never affected in this release (module docstring)
    if parse_version("alpine", fixed) is None:
        notes.append(
            f"secdb v{release} {name}: fixing version {fixed[:60]!r} does not parse; skipped"
        )
        return
    affected = Affected(
        "alpine", release, name, (("ECOSYSTEM", (("introduced", "0"), ("fixed", fixed))),), ()
    )
    for line in _strings(ids):
        for token in line.split():
            yield Record(token, (), "", False, "", (), None, (affected,), kind="secdb")


def _items(value: object, limit: int = MAX_AFFECTED) -> list[Any]:
    return value[:limit] if isinstance(value, list) else []


def _strings(value: object) -> list[str]:
    return [v for v in _items(value) if isinstance(v, str)]


def _string(value: object) -> str:
    return value if isinstance(value, str) else ""
