"""Scan an archive: read it once with the detectors' content wants, then run every detector."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from analyzer.detectors import Detector, default_detectors
from analyzer.detectors.base import SecretFinder, StreamingDetector
from analyzer.detectors.content import ContentStore
from analyzer.detectors.context import ImageContext, ScanOptions
from analyzer.detectors.packagefiles import FileOrigins
from analyzer.detectors.wants import WantMatcher
from analyzer.filesystem.model import Version
from analyzer.findings.model import Finding
from analyzer.findings.suppress import Suppression, apply_suppressions
from analyzer.image.model import ArchiveDocument
from analyzer.inventory.ownership import Origin
from analyzer.limits import Limits
from analyzer.reader import ImageView, Phases, Progress, ReadResult, read_archive
from analyzer.secrets.config import (
    ArchiveSecret,
    ConfigSecret,
    Scrubber,
    archive_secrets,
    archive_values,
    image_scrubber,
    xattr_text,
)
from analyzer.secrets.engine import SecretEngine
from analyzer.secrets.redact import Redacted


@dataclass(frozen=True, slots=True)
class ImageReport:
    """One image and everything the detectors found in it."""

    view: ImageView
    findings: tuple[Finding, ...]
    """Findings to report: not suppressed, at or above the minimum severity."""
    facts: tuple[tuple[str, object], ...]
    """What detectors established besides findings (e.g. ("packages", [...]), ("os", ...))."""
    scrub: Scrubber
    """Redacts every secret the scan recognised in the archive (every image's config's and
    files', the archive documents') from any text; its `secrets` are this image's config
    secrets."""
    suppressed: tuple[tuple[Finding, Suppression], ...] = ()
    below_threshold: int = 0
    """How many findings --min-severity hid."""
    origins: Callable[[Version], Origin | None] | None = None
    """The package provenance of any file version (inventory.csv's package columns); None
    where no detector asked for it."""


@dataclass(frozen=True, slots=True)
class ScanResult:
    """The read archive and a report per image."""

    read: ReadResult
    images: tuple[ImageReport, ...]
    notices: tuple[str, ...]
    archive_scrub: Callable[[str], str] = str
    """Redacts every secret the scan recognised in the archive, from any text (what each
    image's scrub does)."""
    as_of: str = ""
    """The date (UTC, ISO) end-of-life, suppression expiry and data age were judged as of."""


def _file_secrets(finders: Sequence[SecretFinder]) -> list[Redacted]:
    """The redacted form of every secret found in the archive's files, of every kind (a
    private key, a keystore, a structural hit as much as a detect-secrets one), reported or
    not (a suppressed finding's value must not show elsewhere either), whatever image holds
    the file (another image may quote it)."""
    return [secret for finder in finders for secret in finder.found_secrets()]


def scrubbers(
    read: ReadResult, engine: SecretEngine, shared: Sequence[ArchiveSecret] | None = None
) -> list[Scrubber]:
    """Per image, a scrubber for the secrets the read archive shows of it: its config's,
    manifest's, references', file and attribute names' secrets and `shared`, those of the
    archive's own documents (found here when not given); its `secrets` are what that image
    reports (of `shared`, those of its own manifest.json entry and those outside any entry,
    see `image_share`). What any image shows is scrubbed with their union (image B may quote
    image A's secret), which `scan` widens with the secrets found in files."""
    if shared is None:
        shared = archive_secrets(index_documents(read), engine)
    values = archive_values(shared)
    configs = {view.image.config_member for view in read.images}
    manifests = {view.image.manifest_digest for view in read.images} - {""}
    return [
        image_scrubber(
            view.image,
            engine,
            values,
            image_names(view),
            xattrs=image_xattrs(view),
            archive=image_share(
                shared,
                view.image.config_member,
                configs,
                manifest=view.image.manifest_digest,
                manifests=manifests,
            ),
        )
        for view in read.images
    ]


def image_share(
    shared: Sequence[ArchiveSecret],
    config: str,
    configs: set[str],
    *,
    manifest: str = "",
    manifests: set[str] | None = None,
) -> list[ConfigSecret]:
    """The secrets of the archive's documents an image reports: those of the manifest.json
    entry it was read from (named by its `config`) and those of the documents about its
    `manifest` (its attestations, SBOMs, signatures), and every other one but those of an entry
    of another image read or about another image read (`configs`, `manifests`): an entry or
    artifact of no image read (a platform not selected, an artifact about an index or about
    nothing) is in the archive all the same, every image reports it."""
    about_others = manifests or set()
    return [
        s.secret
        for s in shared
        if (s.config == config or s.config not in configs)
        and (s.subject == manifest or s.subject not in about_others)
    ]


def index_documents(read: ReadResult) -> list[ArchiveDocument | tuple[str, bytes]]:
    """The archive's own documents, with their names: index.json and manifest.json, then the
    nested indexes, artifact manifests and artifacts' JSON content the walk read."""
    archive = read.archive
    names = ("index.json", "manifest.json")
    own: list[ArchiveDocument | tuple[str, bytes]] = [
        (n, archive.read_small(n, n)) for n in names if archive.has(n)
    ]
    return [*own, *read.catalog.documents]


def image_names(view: ImageView) -> Iterator[tuple[str, int, str]]:
    """Every file name and link target of the image, with its layer and the path of the entry
    it belongs to, lowest layer first."""
    for layer, listing in enumerate(view.listings):
        for entry in listing.entries:
            yield entry.path, layer, entry.path
            if entry.link:
                yield entry.link, layer, entry.path


def image_xattrs(view: ImageView) -> Iterator[tuple[str, str, int, str]]:
    """(path, attribute name, layer, value) of every extended attribute of the image, lowest
    layer first; the value as text, or "" where it is not text (a capability set, an ACL):
    `ls` and `extract` show the names (never the values), and the scan looks in both."""
    for layer, listing in enumerate(view.listings):
        for entry in listing.entries:
            for attribute, value in entry.xattrs:
                yield entry.path, attribute, layer, xattr_text(value)


STEP_SHOWN = 1000
"""Characters of a build step a finding quotes: every finding of a layer quotes its step, and a
1 MB step with 6k secrets made 6 GB of JSON. The whole step is in the image's history."""


def _step_shown(step: str) -> str:
    """A finding's build step, cut after STEP_SHOWN characters (scrubbed before the cut, so a
    secret across the cut is not half shown).

    >>> _step_shown("x" * 1500)[998:]
    'xx... (1500 characters in all)'
    """
    return (
        step
        if len(step) <= STEP_SHOWN
        else f"{step[:STEP_SHOWN]}... ({len(step)} characters in all)"
    )


def _image_report(
    view: ImageView,
    scrub: Scrubber,
    *,
    chosen: Sequence[Detector],
    store: ContentStore,
    options: ScanOptions,
    read: ReadResult,
    origins: FileOrigins | None = None,
) -> tuple[ImageReport, tuple[str, ...]]:
    """Every detector on one image, and the notices its policy and detectors gave."""
    artifacts = read.catalog.artifacts
    ctx = ImageContext(view, store, options, scrub=scrub, artifacts=artifacts, origins=origins)
    findings = [  # each quotes its step scrubbed by `ctx.finding`
        replace(f, created_by=_step_shown(f.created_by))
        for f in sorted((f for d in chosen for f in d.detect(ctx)), key=sort_key)
    ]
    applied = apply_suppressions(findings, options.suppressions, options.today)
    shown = tuple(f for f in applied.kept if f.severity.rank >= options.min_severity.rank)
    report = ImageReport(
        view=view,
        findings=shown,
        facts=tuple(sorted(ctx.facts.items())),
        scrub=scrub,
        suppressed=applied.suppressed,
        below_threshold=len(applied.kept) - len(shown),
        origins=ctx.origins.of_version,
    )
    return report, applied.notices + tuple(f"{ctx.label}: {n}" for n in ctx.notices)


def sort_key(finding: Finding) -> tuple[int, str, str, int]:
    """Most severe first, then by rule, path and layer."""
    return (-finding.severity.rank, finding.rule_id, finding.path, finding.layer_index or 0)


POOL_FROM_BYTES = 16 << 20
"""Inputs smaller than this are examined in one process: worker processes would cost more
(starting, and stopping them) than they save."""


def _input_bytes(path: Path, most_entries: int = 4096) -> int:
    """The size of the input on disk: a file's, or the blobs' of a layout directory (only
    looked at up to `most_entries` entries: more counts as big)."""
    try:
        if not path.is_dir():
            return path.stat().st_size
        total, seen = 0, 0
        for folder in os.scandir(path / "blobs"):
            if not folder.is_dir(follow_symlinks=False):
                continue
            for blob in os.scandir(folder.path):
                seen += 1
                if seen > most_entries:
                    return POOL_FROM_BYTES
                if blob.is_file(follow_symlinks=False):
                    total += blob.stat(follow_symlinks=False).st_size
        return total
    except OSError:  # the reader names what is wrong with the input
        return 0


def scan_archive(
    path: Path,
    *,
    platform: str | None = None,
    image: str | None = None,
    limits: Limits | None = None,
    options: ScanOptions | None = None,
    detectors: Sequence[Detector] | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """Read the archive once and run every detector on every selected image (all, or those
    `image` names and `platform` fits, as `read_archive` selects them)."""
    options = options or ScanOptions()
    workers = options.workers if _input_bytes(path) >= POOL_FROM_BYTES else 1
    chosen = (
        list(detectors)
        if detectors is not None
        else default_detectors(options.max_file_bytes, workers)
    )
    try:
        return _scan(
            path,
            chosen,
            options,
            platform=platform,
            image=image,
            limits=limits,
            progress=progress,
        )
    finally:
        for detector in chosen:
            if isinstance(detector, StreamingDetector):
                detector.close()


def _scan(
    path: Path,
    chosen: list[Detector],
    options: ScanOptions,
    *,
    platform: str | None,
    image: str | None,
    limits: Limits | None,
    progress: Progress | None,
) -> ScanResult:
    """The scan proper: one read with every sink, then every detector per image."""
    store = ContentStore(WantMatcher([d.content for d in chosen]))
    sinks = [store, *(d.sink() for d in chosen if isinstance(d, StreamingDetector))]
    read = read_archive(
        path, platform=platform, image=image, limits=limits, sinks=sinks, progress=progress
    )
    finders = [d for d in chosen if isinstance(d, SecretFinder)]
    waiting = sum(finder.waiting for finder in finders)
    if waiting and isinstance(progress, Phases):
        progress.phase(f"examining {waiting} more file(s) for secrets")
    engine = (
        finders[0].engine
        if finders
        # no secrets detector: the scrubbers' own engine, with Hyperscan all the same (every
        # file name is looked at for a token shape: 3.4 s for 45k names with Python's re)
        else SecretEngine()
    )
    shared = archive_secrets(index_documents(read), engine)  # a tag may quote a secret
    images = scrubbers(read, engine, shared)
    # A secret found anywhere in the archive is redacted from what every image shows (image B
    # may quote a password image A holds): one scrubber for all, so the cost stays linear in
    # images + secrets, and the same texts (a shared config's history) are scrubbed once.
    union = Scrubber.union(images, archive_values(shared))
    # Read the package databases while the workers finish their last files: the index needs
    # none of their results (the extra digests they find are looked up at each question).
    origins = [FileOrigins.of(view, store) for view in read.images]
    archive_scrub = union.with_hashed(_file_secrets(finders))  # waits for the workers
    reports = []
    policy_notices: list[str] = []
    for view, scrub, image_origins in zip(read.images, images, origins, strict=True):
        report, image_notices = _image_report(
            view,
            archive_scrub.reporting(scrub.secrets),
            chosen=chosen,
            store=store,
            options=options,
            read=read,
            origins=image_origins,
        )
        reports.append(report)
        policy_notices.extend(image_notices)
    notices = list(read.notices) + list(dict.fromkeys(policy_notices))
    notices.extend(
        f"{path}: content over the per-file limit was not fully examined"
        for _, path in store.truncated
    )
    return ScanResult(
        read, tuple(reports), tuple(notices), archive_scrub, options.today.isoformat()
    )
