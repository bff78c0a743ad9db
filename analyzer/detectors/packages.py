"""IA-PACKAGES: the software inventory of the final filesystem (feeds the SBOM).

What it finds: installed OS packages (dpkg status and distroless status.d, apk's installed
database, rpm's sqlite database; BerkeleyDB and NDB rpm databases get a notice), Python
distributions (*.dist-info/METADATA, *.egg-info/PKG-INFO) and npm packages
(node_modules/**/package.json), each with name, version, package URL and the layer that
installed it. The IA-PACKAGES finding summarises the counts.

It also reads what the package managers recorded about the files they installed (dpkg md5sums
and conffiles, apk checksums, rpm file digests, Python RECORD; analyzer.detectors.packagefiles)
so that every file version can be called unmodified, modified, not verified or unowned, and
asks the single pass for the MD5 and SHA-1 of the few files where that matters at once (the
/etc files detectors read, setuid and setgid programs); `origin_store` serves `ls --history`.

Why it matters: PCI DSS 6.3.2 requires an inventory of bespoke and third-party components, the
basis for vulnerability management (6.3.3).

Fix: nothing to fix; keep the inventory with the image's evidence and scan it for
vulnerabilities.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict

from analyzer.detectors.content import ContentStore
from analyzer.detectors.context import ImageContext
from analyzer.detectors.packagefiles import (
    APK_INSTALLED,
    DATABASE_NAMES,
    DPKG_STATUS,
    RPMDB_SQLITE,
    STATUS_D,
)
from analyzer.detectors.wants import DigestWants, WantMatcher
from analyzer.filesystem.model import Version
from analyzer.findings.model import Finding, Rule, Severity
from analyzer.inventory import (
    Package,
    Parsed,
    describe_rpmdb,
    parse_apk_installed,
    parse_dpkg_status,
    parse_package_json,
    parse_python_metadata,
    parse_rpmdb_sqlite,
)

PACKAGES = Rule(
    "IA-PACKAGES",
    "Software inventory",
    "inventory",
    Severity.INFO,
    "An inventory of components is the basis of vulnerability management.",
    "Keep the inventory (packages.cdx.json) with the image's evidence.",
)
DATABASES: dict[str, Callable[[bytes], Parsed]] = {
    "/var/lib/dpkg/status": parse_dpkg_status,
    "/lib/apk/db/installed": parse_apk_installed,
    "/var/lib/rpm/rpmdb.sqlite": parse_rpmdb_sqlite,
    "/usr/lib/sysimage/rpm/rpmdb.sqlite": parse_rpmdb_sqlite,
}
_STATUS_D = "/var/lib/dpkg/status.d/"
_RPM_OTHER = (
    "/var/lib/rpm/Packages",
    "/var/lib/rpm/Packages.db",
    "/usr/lib/sysimage/rpm/Packages",
    "/usr/lib/sysimage/rpm/Packages.db",
)


DATABASE_WANTS = DigestWants(
    paths=frozenset({DPKG_STATUS, APK_INSTALLED, *RPMDB_SQLITE}),
    prefixes=(STATUS_D,),
    names=DATABASE_NAMES,
)
"""Every package database file that records the files packages installed, and their digests."""


class PackageDetector:
    """Installed packages of every ecosystem we can read offline, and which package each file
    belongs to (its provenance)."""

    rules = (PACKAGES,)
    content = DigestWants(
        paths=frozenset(DATABASES) | DATABASE_WANTS.paths,
        prefixes=(_STATUS_D,),
        names=rf"METADATA|PKG-INFO|package\.json|{DATABASE_NAMES}",
        # MD5 and SHA-1 where provenance matters and costs little: the /etc files detectors
        # read (passwd, sudoers, sources.list...: what their findings are about) and setuid or
        # setgid programs (few); every file with a secret hit gets them from the examiner. Not
        # every /etc file: an image may keep many there (bench-read's keeps a third of its
        # files), and a digest of each would cost a tenth of the read.
        digest_read_prefixes=("/etc/",),
        digest_setid=True,
    )

    def detect(self, ctx: ImageContext) -> Iterator[Finding]:
        """Record every package as a fact; one summary finding."""
        found: list[dict[str, object]] = []
        changes: list[dict[str, object]] = []
        for path, parse in DATABASES.items():
            history = [
                (v, parse(ctx.content_of(v) or b"") if v.entry is not None else None)
                for v in ctx.fs.history(path)
            ]
            found += _from_database(ctx, path, history)
            changes += _changes(path, history)
        for path in ctx.fs.paths():
            # nearly every path is none: tested inline, not by a call per path (~7 ms of 16k)
            if path.endswith(_PACKAGE_ENDINGS) or path.startswith(_STATUS_D):
                found += _from_file(ctx, path)
        for path in _RPM_OTHER:
            if ctx.fs.get(path) is not None and (note := describe_rpmdb(path)):
                ctx.notices.append(note)
        ctx.facts["packages"] = found
        ctx.facts["package_changes"] = changes
        ctx.facts["file_provenance"] = ctx.origins.summary()
        if found:
            counts = Counter(str(p["kind"]) for p in found)
            summary = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
            yield ctx.finding(
                PACKAGES, key="inventory", evidence=f"{len(found)} packages inventoried ({summary})"
            )


def _record(package: Package, layer: int | None, path: str) -> dict[str, object]:
    return {**asdict(package), "layer": layer, "found_in": path}


History = list[tuple[Version, Parsed | None]]
"""Every version of a database file with what it lists (None: a layer deleted it)."""


def _from_database(ctx: ImageContext, path: str, history: History) -> list[dict[str, object]]:
    parsed = [(v.layer, result) for v, result in history if result is not None]
    if ctx.fs.get(path) is None or not parsed:
        return []
    final = parsed[-1][1]
    ctx.notices.extend(f"{path}: {n}" for n in final.notices)
    installed_in = _installing_layers(parsed)
    return [_record(p, installed_in[p], path) for p in final.packages]


def _changes(path: str, history: History) -> list[dict[str, object]]:
    """What each layer that stored a version of the database did to its packages: installed,
    removed and changed versions (by package name), in layer order; a layer that deletes the
    database removes every package. `timeline` shows them per build step."""
    changes: list[dict[str, object]] = []
    before: dict[str, str] = {}
    for version, parsed in history:
        now = {p.name: p.version for p in parsed.packages} if parsed is not None else {}
        installed = sorted(f"{n} {v}" for n, v in now.items() if n not in before)
        removed = sorted(f"{n} {v}" for n, v in before.items() if n not in now)
        changed = sorted(
            f"{n} {before[n]} -> {v}" for n, v in now.items() if n in before and before[n] != v
        )
        if installed or removed or changed:
            changes.append(
                {
                    "layer": version.layer,
                    "database": path,
                    "installed": installed,
                    "removed": removed,
                    "changed": changed,
                }
            )
        before = now
    return changes


def _installing_layers(parsed: list[tuple[int, Parsed]]) -> dict[Package, int]:
    """For each package of the final database version, the first layer of the last unbroken run
    of versions listing it.

    Walking back one version at a time with a set per version keeps this linear in the total
    number of packages over all versions (a membership test in each version's tuple made a
    20,000-package status file take minutes).
    """
    layer_of = {package: parsed[-1][0] for package in parsed[-1][1].packages}
    still_listed = set(layer_of)
    for version_layer, result in reversed(parsed[:-1]):
        still_listed &= set(result.packages)
        for package in still_listed:
            layer_of[package] = version_layer
        if not still_listed:
            break
    return layer_of


_PACKAGE_FILES = frozenset({"METADATA", "PKG-INFO", "package.json"})
_PACKAGE_ENDINGS = tuple(f"/{name}" for name in sorted(_PACKAGE_FILES))


def _from_file(ctx: ImageContext, path: str) -> list[dict[str, object]]:
    """The packages one file records: a path ending in a _PACKAGE_FILES name or under
    _STATUS_D (the caller picks those)."""
    name = path[path.rfind("/") + 1 :]
    parent = path[: path.rfind("/")]
    version = ctx.fs.final_version(path)
    if version is None or version.entry is None:
        return []
    if path.startswith(_STATUS_D):
        if name.endswith(".md5sums"):  # a package's files, for packagefiles; no stanza
            return []
        parsed = parse_dpkg_status(ctx.content_of(version) or b"")
        ctx.notices.extend(f"{path}: {n}" for n in parsed.notices)
        return [_record(p, version.layer, path) for p in parsed.packages]
    package: Package | None = None
    if name in ("METADATA", "PKG-INFO") and parent.endswith((".dist-info", ".egg-info")):
        package = parse_python_metadata(ctx.content_of(version) or b"")
    elif name == "package.json" and "/node_modules/" in path:
        package = parse_package_json(ctx.content_of(version) or b"")
    return [_record(package, version.layer, path)] if package else []


def origin_store(subtree: str) -> ContentStore:
    """A content sink for `read_archive` that collects what judging the provenance of the
    files at or below `subtree` needs (for `ls --history`): every package database, and the
    MD5 and SHA-1 of those files only. `FileOrigins.of(view, store)` then answers per version.
    """
    below = "/" if subtree == "/" else subtree.rstrip("/") + "/"
    wants = DigestWants(
        paths=DATABASE_WANTS.paths,
        prefixes=DATABASE_WANTS.prefixes,
        names=DATABASE_WANTS.names,
        digest_paths=frozenset({subtree}),
        digest_prefixes=(below,),
    )
    return ContentStore(WantMatcher([wants]))
