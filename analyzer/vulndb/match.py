"""An image's inventory against the vulnerability database.

Each package is looked up by its ecosystem and normalised name:
- PyPI by its PEP 503 name, npm by its name;
- dpkg packages by their ``Source`` package when the status file names one (Debian and Ubuntu
  publish advisories per source package), else the binary name, in the ecosystem of the image's
  os-release ``ID``, and by the source version when ``Source:`` gives one (a binNMU), else the
  package's own;
- apk packages by their origin (``o:``) when known, else their name;
- rpm packages by name, and by their source rpm's name.
OS ecosystems are release-scoped: a record for ``Debian:12`` applies to an image whose os-release
says 12 (or bookworm), an Alpine secdb v3.11 entry to an image of 3.11.x; a record without a
release applies to every release. ECOSYSTEM and SEMVER ranges and explicit version lists are
compared in the ecosystem's ordering (univers). Withdrawn records are ignored. The records that
match one package and share an id or alias are one vulnerability: its id is the first record id
(a non-CVE id first, so PYSEC-2021-335 rather than its CVE alias), every other id an alias, its
fixed version the highest any of them names, its score the highest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from univers.versions import Version

from analyzer.vulndb.ecosystems import (
    OS_ECOSYSTEMS,
    VERSION_CLASSES,
    display,
    image_release,
    normalise_name,
    parse_version,
)
from analyzer.vulndb.store import StoredAffected, StoredRecord, VulnDb

Package = Mapping[str, object]
"""A package as the inventory records it (detectors.packages: name, version, kind, source...)."""


@dataclass(frozen=True, slots=True)
class Match:
    """One vulnerability of one installed package."""

    package: Package
    ecosystem: str
    id: str
    aliases: tuple[str, ...]
    fixed: str
    """The first version that fixes it ("" when no record names one)."""
    score: float | None
    vectors: tuple[str, ...]
    summary: str


@dataclass(slots=True)
class MatchResult:
    """Every match, the ecosystems the image holds and those the data does not cover."""

    matches: list[Match] = field(default_factory=list)
    ecosystems: list[str] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def match_packages(db: VulnDb, packages: Sequence[Package], os_fact: object) -> MatchResult:
    """Every known vulnerability of `packages` in an image whose base OS is `os_fact`
    (the ``os`` fact of detectors.baseos, or None)."""
    os_id, version_id, codename = _os_identity(os_fact)
    result = MatchResult()
    seen: set[str] = set()
    for package in packages:
        ecosystem, release = _scope(str(package.get("kind")), os_id, version_id, codename)
        label = display(ecosystem) + (f" {release}" if release else "") if ecosystem else ""
        if label and label not in seen:
            seen.add(label)
            result.ecosystems.append(label)
            if (ecosystem, release) not in db.coverage and (ecosystem, "") not in db.coverage:
                result.uncovered.append(label)
        if not ecosystem:
            _unscoped(package, result, seen)
            continue
        result.matches.extend(_package_matches(db, package, ecosystem, release, result.notices))
    return result


def _unscoped(package: Package, result: MatchResult, seen: set[str]) -> None:
    label = f"{package.get('kind')} packages (base OS not identified)"
    if label not in seen:
        seen.add(label)
        result.ecosystems.append(label)
        result.uncovered.append(label)


def _os_identity(os_fact: object) -> tuple[str, str, str]:
    if not isinstance(os_fact, Mapping):
        return "", "", ""
    return (
        str(os_fact.get("id") or ""),
        str(os_fact.get("version_id") or ""),
        str(os_fact.get("codename") or ""),
    )


def _scope(kind: str, os_id: str, version_id: str, codename: str) -> tuple[str, str]:
    """(ecosystem, release) a package of `kind` is matched in; ("", "") when unknown."""
    if kind in ("pypi", "npm"):
        return kind, ""
    ecosystem = OS_ECOSYSTEMS.get(os_id, "")
    if not ecosystem:
        return "", ""
    return ecosystem, image_release(ecosystem, version_id, codename)


def _lookup_names(package: Package, ecosystem: str) -> list[str]:
    """The names a package's records are filed under: dpkg and apk by source (origin) when
    known; rpm by its own name and by its source rpm's (distributions file advisories under
    either)."""
    kind, name, source = package.get("kind"), str(package.get("name")), package.get("source")
    source = source if isinstance(source, str) else ""
    if kind in ("deb", "apk") and source:
        return [normalise_name(ecosystem, source)]
    if kind == "rpm" and source:
        source_name = source.removesuffix(".src.rpm").rsplit("-", 2)[0]
        if source_name and source_name != name:
            return [normalise_name(ecosystem, name), normalise_name(ecosystem, source_name)]
    return [normalise_name(ecosystem, name)]


def _package_matches(
    db: VulnDb, package: Package, ecosystem: str, release: str, notices: list[str]
) -> list[Match]:
    # Debian advisories give source versions: dpkg records one when it differs from the binary's
    installed_text = str(package.get("source_version") or package.get("version"))
    installed = parse_version(ecosystem, installed_text)
    if installed is None and ecosystem in VERSION_CLASSES:
        notices.append(
            f"{package.get('name')} {installed_text[:60]!r}: the version does not parse in "
            f"{display(ecosystem)}'s ordering; not compared with ranges"
        )
    hits: list[tuple[StoredRecord, str]] = []
    for name in _lookup_names(package, ecosystem):
        for row in db.affected(ecosystem, name):
            if row.record.withdrawn or (row.release and row.release != release):
                continue
            affected, fixed = is_affected(row, installed_text, installed, ecosystem)
            if affected:
                hits.append((row.record, fixed))
    return [_merged(package, ecosystem, group) for group in _by_alias(hits)]


def is_affected(
    row: StoredAffected, text: str, installed: Version | None, ecosystem: str
) -> tuple[bool, str]:
    """Whether the installed version is affected by one row, and the fixing version."""
    for kind, events in row.ranges if installed is not None else ():
        order = "npm" if kind == "SEMVER" else ecosystem
        inside, fixed = _in_range(events, installed, order)  # type: ignore[arg-type]
        if inside:
            return True, fixed
    if text in row.versions:
        return True, ""
    if installed is not None and any(
        parse_version(ecosystem, v) == installed for v in row.versions
    ):
        return True, ""
    return False, ""


def _in_range(
    events: Iterable[tuple[str, str]], installed: Version, order: str
) -> tuple[bool, str]:
    """OSV's evaluation: walk the events in version order; introduced opens, fixed and limit
    close at their version, last_affected closes after it."""
    parsed: list[tuple[str, Version | None, str]] = []
    for kind, text in events:
        version = None if (kind == "introduced" and text == "0") else parse_version(order, text)
        if version is not None or text == "0":
            parsed.append((kind, version, text))
    zeros = [e for e in parsed if e[1] is None]
    rest = sorted((e for e in parsed if e[1] is not None), key=lambda e: e[1])  # type: ignore[arg-type,return-value]
    inside = False
    for kind, version, _ in [*zeros, *rest]:
        if kind == "introduced" and (version is None or installed >= version):
            inside = True
        elif version is not None and _closes(kind, version, installed):
            inside = False
    if not inside:
        return False, ""
    later = [t for k, v, t in rest if k == "fixed" and v is not None and v > installed]
    return True, later[0] if later else ""


def _by_alias(hits: list[tuple[StoredRecord, str]]) -> list[list[tuple[StoredRecord, str]]]:
    """The hits grouped by shared id or alias (union of overlapping id sets)."""
    groups: list[tuple[set[str], list[tuple[StoredRecord, str]]]] = []
    for hit in hits:
        ids = {hit[0].id, *hit[0].aliases}
        joined = [g for g in groups if g[0] & ids]
        merged_ids, merged_hits = set(ids), [hit]
        for g in joined:
            merged_ids |= g[0]
            merged_hits = g[1] + merged_hits
            groups.remove(g)
        groups.append((merged_ids, merged_hits))
    return [g[1] for g in groups]


def _merged(
    package: Package,
    ecosystem: str,
    group: list[tuple[StoredRecord, str]],
) -> Match:
    records = [record for record, _ in group]
    primary = sorted({r.id for r in records}, key=lambda i: (i.startswith("CVE-"), i))[0]
    aliases = sorted({i for r in records for i in (r.id, *r.aliases)} - {primary})
    fixed = _highest(ecosystem, [f for _, f in group if f])
    scored = [r for r in records if r.score is not None]
    best = max(scored, key=lambda r: r.score or 0.0) if scored else None
    return Match(
        package=package,
        ecosystem=ecosystem,
        id=primary,
        aliases=tuple(aliases),
        fixed=fixed,
        score=best.score if best else None,
        vectors=best.vectors if best else (),
        summary=next((r.summary for r in records if r.summary), ""),
    )


def _closes(kind: str, version: Version, installed: Version) -> bool:
    if kind in ("fixed", "limit"):
        return bool(installed >= version)
    return kind == "last_affected" and bool(installed > version)


def _highest(ecosystem: str, fixes: list[str]) -> str:
    """The highest of the fixing versions (the one that fixes every record's flaw)."""
    best, best_version = "", None
    for text in fixes:
        version = parse_version(ecosystem, text)
        if not best or (
            version is not None and best_version is not None and version > best_version
        ):
            best, best_version = text, version
    return best
