"""IA-SECRET-*: credentials, keys and tokens in any layer, the image config and build history.

What it finds: everything detect-secrets' plugins report (its filters applied), plus sensitive
files recognised by structure (private keys, SSH host keys, keystores, cloud and registry
credentials, .netrc, .npmrc, .pypirc, kubeconfigs, .env files, shell histories, database URLs
with passwords, htpasswd files), in every regular file of every layer, including files that a
later layer deleted, replaced or hid under an opaque directory: those are reported with
`present_in_final: false` and `recoverable: true`, because anyone holding the archive can
extract them. A hard link holds its target's secrets and is reported at its own path; a file stays
present while any of its names does (deleting one name of a hard-linked file leaves the secret in
the container, and the evidence says where). The image config is scanned too: ENV values,
labels, entrypoint/cmd and every history line (ARG/ENV values, `curl -u`, credentials in URLs).

Precision: detect-secrets' heuristic filters; documented example values (AWS's
AKIAIOSFODNN7EXAMPLE...) and placeholders (changeme, ${VAR}, <token>, xxxx) are dropped. A private
key is a key only when its body decodes as one; a key store is a secret only when it holds a key
(trust stores such as the JDK's cacerts are not). Keyword and entropy guesses that nothing else
agrees with (no other plugin, no structural reader seeing a credential in its context: a
configuration setting, a .env line, a history line, a credential-shaped literal in code) are low,
as are private-key headers without a decodable body and every hit in test, fixture and
documentation paths of vendored packages (analyzer.secrets.policy).

Vendor content: a hit in a file that the image's dpkg, apk or rpm database records with the same
digest (an unmodified package file: a library's test vectors, a package's documentation example,
a distribution's own API keys) is content shipped to every user of that package, not the image
owner's secret. It is reported at info with `details.vendor`, names the package in its evidence,
bears on no PCI requirement and is counted in `secret_scan.vendor_findings`. A modified package
file (an edited /etc conffile) and a file no package owns are judged as above. A Python RECORD
names a file's distribution but never makes it vendor content: the owner's own wheel looks the
same. Every finding on a package's file says which package (`details.package`, `manager`,
`modified`: true, false, or not-verified when the database's MD5 or SHA-1 was not computed).

Why it matters: container guidance 12.4 says no secret may be baked into any layer; PCI DSS
8.6.2 forbids hard-coded passwords for application and system accounts.

Fix: rebuild without the secret in any layer (multi-stage builds, RUN --mount=type=secret,
runtime injection), then rotate the credential: deleting it in a later layer does not remove it.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.detectors.base import NOTHING
from analyzer.detectors.context import ImageContext
from analyzer.filesystem.content import ContentSink
from analyzer.filesystem.model import Entry, EntryKind, LayerListing, Version
from analyzer.findings.model import Finding
from analyzer.secrets.config import ConfigSecret, xattr_text
from analyzer.secrets.engine import SecretEngine
from analyzer.secrets.kinds import RULES, rule_for
from analyzer.secrets.policy import vendor_verdict, verdict
from analyzer.secrets.redact import Redacted, redact
from analyzer.secrets.sink import NAMED_UNREAD, SecretHit, SecretSink

_NAMED_OVERSIZED = 20
"""Files over the size limit named in notices, per image (then a count)."""
_NAMED_LINKS = 5
"""Other names of a hard-linked file quoted in a finding's evidence (then a count)."""


class SecretDetector:
    """Secrets in files of every layer and in the image config."""

    content = NOTHING
    rules = tuple(sorted(set(RULES.values()), key=lambda r: r.id))

    def __init__(self, max_file_bytes: int = 10 << 20, workers: int = 1) -> None:
        self._max_file_bytes = max_file_bytes
        self._workers = workers
        self._engine: SecretEngine | None = None
        self._secret_sink: SecretSink | None = None

    @property
    def engine(self) -> SecretEngine:
        """The engine, built on first use (it configures detect-secrets for this process)."""
        if self._engine is None:
            self._engine = SecretEngine()
        return self._engine

    @property
    def _sink(self) -> SecretSink:
        if self._secret_sink is None:
            engine = self.engine  # compiled here first, then handed to the workers
            self._secret_sink = SecretSink(engine, self._max_file_bytes, self._workers)
        return self._secret_sink

    def close(self) -> None:
        """Stop worker processes, if any were started."""
        if self._secret_sink is not None:
            self._secret_sink.close()

    def sink(self) -> ContentSink:
        """The sink that examines every regular file during the single pass."""
        return self._sink

    @property
    def waiting(self) -> int:
        """Files the worker processes are still examining."""
        return self._sink.waiting

    def found_secrets(self) -> list[Redacted]:
        """Every secret found in the archive's files (waits for the workers)."""
        self._sink.complete()
        return [hit.redacted for hits in self._sink.hits.values() for hit in hits]

    def detect(self, ctx: ImageContext) -> Iterator[Finding]:
        """File findings per layer, then config and history findings."""
        self._sink.complete()
        for sha256, digests in self._sink.digests.items():  # for package provenance
            ctx.store.add_digests(sha256, digests)
        vendor = 0
        latest: dict[str, tuple[bytes, tuple[SecretHit, ...]]] = {}
        with_hits: dict[str, set[str]] = {}  # layer key -> paths of its files with hits
        for key, path, _ in self._sink.hits:
            with_hits.setdefault(key, set()).add(path)
        for index, listing in enumerate(ctx.view.listings):
            paths = with_hits.get(listing.key, set())
            for entry, hits in self._layer_hits(ctx, index, listing, paths, latest):
                for finding in _file_findings(ctx, index, entry, hits):
                    vendor += ("vendor", "true") in finding.details
                    yield finding
        for secret in ctx.scrub.secrets:  # found once, when the scan built the scrubber
            yield _config_finding(ctx, secret)
        oversized = self._oversized(ctx)
        ctx.notices.extend(oversized[:_NAMED_OVERSIZED])
        if len(oversized) > _NAMED_OVERSIZED:
            ctx.notices.append(f"... and {len(oversized) - _NAMED_OVERSIZED} more files like these")
        stats = self._sink.stats
        if stats.unread_members:
            first = f" (the first {NAMED_UNREAD} archives)"
            ctx.notices.append(
                f"{stats.unread_members:,} "
                + (
                    "member of archive files was"
                    if stats.unread_members == 1
                    else "members of archive files were"
                )
                + " not examined for secrets "
                f"(bounds of analyzer.secrets.members, or unreadable)"
                f"{first if len(stats.unread_archives) == NAMED_UNREAD else ''}: "
                + "; ".join(stats.unread_archives)
            )
        if stats.nested_archives:
            ctx.notices.append(
                f"{stats.nested_archives:,} "
                + (
                    "archive inside an archive file was"
                    if stats.nested_archives == 1
                    else "archives inside archive files were"
                )
                + " examined as stored, not opened (members are read one level deep)"
                + (
                    f" (the first {NAMED_UNREAD} holding them)"
                    if len(stats.nested_named) == NAMED_UNREAD
                    else ""
                )
                + ": "
                + "; ".join(stats.nested_named)
            )
        ctx.facts["secret_scan"] = {
            "files_examined": stats.examined,
            "archive_members_examined": stats.members,
            "archive_members_not_examined": stats.unread_members,
            "nested_archives_not_opened": stats.nested_archives,
            "identical_files_reused": stats.reused,
            "binary_files": stats.binary,
            "oversized_files": len(oversized),
            "vendor_findings": vendor,
        }

    def _layer_hits(
        self,
        ctx: ImageContext,
        index: int,
        listing: LayerListing,
        with_hits: set[str],
        latest: dict[str, tuple[bytes, tuple[SecretHit, ...]]],
    ) -> Iterator[tuple[Entry, tuple[SecretHit, ...]]]:
        """Each file and hard link of one layer that holds secrets, once per path and content
        (`with_hits`: the paths of the layer's files the examiner found hits in).
        `latest` carries across layers, per path, the content and hits of the last file stored
        there: a hard link holds its target's content, so it holds its target's secrets."""
        occurrences: dict[str, int] = {}  # a path may be stored twice in one layer
        reported: set[tuple[str, bytes]] = set()
        found = self._sink.hits
        for stored in listing.entries:
            entry, hits = stored, None
            # a file without hits is told by one set lookup (5 ms of 13k entries)
            if entry.kind is EntryKind.FILE and entry.path in with_hits:
                occurrence = occurrences.get(entry.path, 0)
                occurrences[entry.path] = occurrence + 1
                hits = found.get((listing.key, entry.path, occurrence))
            elif entry.kind is EntryKind.HARDLINK:
                entry, hits = _linked_hits(ctx, index, stored, latest)
            if not hits:
                latest.pop(entry.path, None)
                continue
            latest[entry.path] = (entry.digest, hits)
            if (entry.path, entry.digest) not in reported:
                reported.add((entry.path, entry.digest))
                yield entry, hits

    def _oversized(self, ctx: ImageContext) -> list[str]:
        """A notice per file of this image too large to be examined for secrets."""
        layers = {listing.key: index for index, listing in enumerate(ctx.view.listings)}
        return [
            f"{path} in layer {layers[key]} ({size} bytes) is over the {self._max_file_bytes}-"
            "byte limit and was not examined for secrets; raise --max-file-bytes to examine it"
            for key, path, size in self._sink.stats.oversized
            if key in layers
        ]


def _stored_version(ctx: ImageContext, layer: int, entry: Entry) -> Version | None:
    for version in ctx.fs.history(entry.path):
        if version.layer == layer and version.entry is not None:
            return version
    return None


def _name_finding(ctx: ImageContext, secret: ConfigSecret, layer: int) -> Finding:
    """A secret in a file's name, link target or extended attribute: reported on that file,
    in the layer that stored it, and present while the final filesystem shows it, there or
    anywhere else."""
    hidden = redact(secret.value)
    present, fate, gone = _name_fate(ctx, secret.path, secret.value, layer)
    removed = () if gone is None else (("removed_in_layer", str(gone)),)
    return ctx.finding(
        rule_for(secret.kind),
        path=secret.path,
        layer=layer,
        present=present,
        key=f"{secret.origin}:{hidden.sha256}",
        evidence=f"{secret.kind} in {_name_place(secret.source)} ({secret.source}): {hidden}"
        + (f"; {fate}" if fate else ""),
        details=(("source", secret.source), ("secret_sha256", hidden.sha256), *removed),
    )


def _name_fate(
    ctx: ImageContext, path: str, value: str, layer: int
) -> tuple[bool, str, int | None]:
    """(the final filesystem still shows `value` in the name, link target or attribute names
    at `path`, what took it out of view, the layer that did). Where the entry `layer` stored
    does not show the value as it is (nothing to compare), it is taken as present: a removal
    is claimed only when seen."""
    history = ctx.fs.history(path)
    stored = [v.entry for v in history if v.layer == layer and v.entry is not None]
    if not stored or not _shows(stored[-1], value):
        return True, "", None
    final = ctx.fs.final_version(path)
    if final is not None and _shows(final.entry, value):
        return True, "", None
    later = (v for v in history if v.layer > layer and not _shows(v.entry, value))
    after = next(later, None)
    if after is None:
        return True, "", None
    how = (
        f"deleted in layer {after.layer} ({after.cause})"
        if after.entry is None
        else f"changed in layer {after.layer}"
    )
    # one finding per value: the same token under another name keeps it in the final view
    kept = next(
        (v.entry.path for v in ctx.fs.entries() if v.entry and _shows(v.entry, value)), None
    )
    if kept is not None:
        return True, f"{how} here, but still in the final filesystem at {kept}", None
    return False, f"{how}; still recoverable from layer {layer}'s tar", after.layer


_NAME_PLACES = (
    ("FILE NAME", "a file name"),
    ("LINK TARGET", "a link target"),
    ("XATTR NAME", "an extended attribute's name"),
    ("XATTR VALUE", "an extended attribute's value"),
)


def _name_place(source: str) -> str:
    """What a name secret's source says it is in ("a link target")."""
    return next((said for prefix, said in _NAME_PLACES if source.startswith(prefix)), "a name")


def _shows(entry: Entry | None, value: str) -> bool:
    """Whether `entry` carries `value` in its path, link target or an attribute."""
    if entry is None:
        return False
    if value in entry.path or value in entry.link:
        return True
    return any(value in n or value in xattr_text(v) for n, v in entry.xattrs)


def _linked_hits(
    ctx: ImageContext,
    layer: int,
    link: Entry,
    latest: dict[str, tuple[bytes, tuple[SecretHit, ...]]],
) -> tuple[Entry, tuple[SecretHit, ...] | None]:
    """A hard link as the merged filesystem resolved it (with its target's digest), and its
    target's hits when the target is the file the link resolved to."""
    target = latest.get(link.link)
    if target is None:  # most links: to a file without secrets
        return link, None
    version = _stored_version(ctx, layer, link)
    resolved = version.entry if version is not None else None
    if resolved is None or resolved.kind is not EntryKind.HARDLINK or not resolved.digest:
        return link, None  # dangling, or to a directory: no content
    digest, hits = target
    return resolved, hits if digest == resolved.digest else None


def _taken_by(ctx: ImageContext, path: str, version: Version) -> Version | None:
    """The version that took `version` of `path` out of view; None while it is final."""
    if ctx.fs.final_version(path) == version:
        return None
    history = ctx.fs.history(path)
    return history[history.index(version) + 1]


def _path_fate(ctx: ImageContext, layer: int, entry: Entry) -> tuple[str, int | None, str]:
    """What happened to `entry` at its own path: (how it left the final view, the layer that
    took it out, where it still is); ("", None, "") while the final filesystem shows it."""
    version = _stored_version(ctx, layer, entry)
    if version is None or version.entry is None or version.entry.sha256 != entry.sha256:
        return f"overwritten within layer {layer}", layer, f"still inside layer {layer}'s tar"
    after = _taken_by(ctx, entry.path, version)
    if after is None:
        return "", None, ""
    how = (
        f"deleted in layer {after.layer} ({after.cause})"
        if after.entry is None
        else f"replaced in layer {after.layer}"
    )
    return how, after.layer, f"still recoverable from layer {layer}'s tar"


def _fate(ctx: ImageContext, layer: int, entry: Entry) -> tuple[bool, str, int | None]:
    """(present in the final filesystem, what happened to it, the layer that removed it from
    view). A file stays in the final filesystem while any of its names does: deleting one name
    of a hard-linked file leaves the file, with its secret, under the others."""
    how, gone, tail = _path_fate(ctx, layer, entry)
    names = ctx.fs.hard_links(layer, entry.path, entry.digest)
    kept = [name for name, version in names if _taken_by(ctx, name, version) is None]
    linked = f"hard link to {entry.link}" if entry.kind is EntryKind.HARDLINK else ""
    if gone is None or kept:
        where = f"in the final filesystem as {_listed(kept)} (the same file, hard-linked)"
        said = [linked, f"{how}, but still {where}" if how else (f"also {where}" if kept else "")]
        return True, "; ".join(part for part in said if part), None
    if names:  # the file left the final view with the last of its names
        taken = [_taken_by(ctx, name, version) for name, version in names]
        gone = max([gone, *(after.layer for after in taken if after is not None)])
        how += f"; its hard links ({_listed([n for n, _ in names])}) were gone by layer {gone}"
    return False, "; ".join(part for part in (linked, how, tail) if part), gone


def _listed(paths: list[str]) -> str:
    shown = ", ".join(paths[:_NAMED_LINKS])
    more = len(paths) - _NAMED_LINKS
    return shown + (f" and {more} more" if more > 0 else "")


def _file_findings(
    ctx: ImageContext, layer: int, entry: Entry, hits: tuple[SecretHit, ...]
) -> Iterator[Finding]:
    present, fate, removed_by = _fate(ctx, layer, entry)
    removed = () if removed_by is None else (("removed_in_layer", str(removed_by)),)
    origin = ctx.origins.of_entry(entry)
    vendor = origin.owner if origin is not None and origin.vendor else None
    for hit in hits:
        judged = verdict(entry.path, hit)
        if judged is None:
            continue  # not a secret (a trust store)
        if vendor is not None:
            judged = vendor_verdict(vendor)
        rule = rule_for(hit.kind)
        where = f" (line {hit.line})" if hit.line else ""
        note = f"; {judged.note}" if judged.note else ""
        evidence = f"{hit.detail}: {hit.redacted}{where}{note}" + (f"; {fate}" if fate else "")
        yield ctx.finding(
            rule,
            path=entry.path,
            layer=layer,
            present=present,
            key=hit.redacted.sha256,
            evidence=evidence,
            line=hit.line or None,
            severity=judged.severity,
            vendor=vendor is not None,
            details=(
                ("secret_sha256", hit.redacted.sha256),
                ("length", str(hit.redacted.length)),
                *removed,
            ),
        )


def _document(secret: ConfigSecret) -> str:
    """Where the evidence says a config secret is: the archive's own index.json or
    manifest.json (see analyzer.secrets.config.archive_secrets), the image's reference (a tag,
    which the archive's index documents give, not the config), its manifest, or its config."""
    if secret.archive:
        return "the archive's index documents"
    if secret.source == "REF":
        return "the image's reference (a tag the archive's index documents give it)"
    if secret.source.startswith("MANIFEST"):
        return "the image manifest"
    return "the image config"


def _config_finding(ctx: ImageContext, secret: ConfigSecret) -> Finding:
    if secret.path and secret.layer is not None:
        return _name_finding(ctx, secret, secret.layer)
    hidden = redact(secret.value)
    return ctx.finding(
        rule_for(secret.kind),
        layer=secret.layer,
        key=f"{secret.origin}:{hidden.sha256}",
        evidence=f"{secret.kind} in {_document(secret)} ({secret.source}): {hidden}",
        details=(("source", secret.source), ("secret_sha256", hidden.sha256)),
    )
