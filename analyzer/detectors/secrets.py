"""IA-SECRET-*: credentials, keys and tokens in any layer, the image config and build history.

What it finds: everything detect-secrets' plugins report (its filters applied), plus sensitive
files recognised by structure (private keys, SSH host keys, keystores, cloud and registry
credentials, .netrc, .npmrc, .pypirc, kubeconfigs, .env files, shell histories, database URLs
with passwords, htpasswd files), in every regular file of every layer, including files that a
later layer deleted, replaced or hid under an opaque directory: those are reported with
`present_in_final: false` and `recoverable: true`, because anyone holding the archive can
extract them. The image config is scanned too: ENV values, labels, entrypoint/cmd and every
history line (ARG/ENV values, `curl -u`, credentials in URLs).

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
from analyzer.filesystem.model import Entry, EntryKind, Version
from analyzer.findings.model import Finding
from analyzer.secrets.config import ConfigSecret
from analyzer.secrets.engine import SecretEngine
from analyzer.secrets.kinds import RULES, rule_for
from analyzer.secrets.policy import vendor_verdict, verdict
from analyzer.secrets.redact import Redacted, redact
from analyzer.secrets.sink import SecretHit, SecretSink

_NAMED_OVERSIZED = 20
"""Files over the size limit named in notices, per image (then a count)."""


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
        for index, listing in enumerate(ctx.view.listings):
            occurrences: dict[str, int] = {}  # a path may be stored twice in one layer
            reported: set[tuple[str, bytes]] = set()
            for entry in listing.entries:
                if entry.kind is not EntryKind.FILE:
                    continue
                occurrence = occurrences.get(entry.path, 0)
                occurrences[entry.path] = occurrence + 1
                hits = self._sink.hits.get((listing.key, entry.path, occurrence))
                if hits and (entry.path, entry.digest) not in reported:
                    reported.add((entry.path, entry.digest))
                    for finding in _file_findings(ctx, index, entry, hits):
                        vendor += ("vendor", "true") in finding.details
                        yield finding
        for secret in ctx.scrub.secrets:  # found once, when the scan built the scrubber
            yield _config_finding(ctx, secret)
        oversized = self._oversized(ctx)
        ctx.notices.extend(oversized[:_NAMED_OVERSIZED])
        if len(oversized) > _NAMED_OVERSIZED:
            ctx.notices.append(f"... and {len(oversized) - _NAMED_OVERSIZED} more files like these")
        ctx.facts["secret_scan"] = {
            "files_examined": self._sink.stats.examined,
            "identical_files_reused": self._sink.stats.reused,
            "binary_files": self._sink.stats.binary,
            "oversized_files": len(oversized),
            "vendor_findings": vendor,
        }

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


def _fate(ctx: ImageContext, layer: int, entry: Entry) -> tuple[bool, str, int | None]:
    """(present in the final filesystem, what happened to it otherwise, the layer that
    removed it from view)."""
    version = _stored_version(ctx, layer, entry)
    if version is None or version.entry is None or version.entry.sha256 != entry.sha256:
        return False, f"overwritten within layer {layer}; still inside layer {layer}'s tar", layer
    if ctx.fs.final_version(entry.path) == version:
        return True, "", None
    history = ctx.fs.history(entry.path)
    after = history[history.index(version) + 1]
    how = (
        f"deleted in layer {after.layer} ({after.cause})"
        if after.entry is None
        else f"replaced in layer {after.layer}"
    )
    return False, f"{how}; still recoverable from layer {layer}'s tar", after.layer


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


def _config_finding(ctx: ImageContext, secret: ConfigSecret) -> Finding:
    hidden = redact(secret.value)
    return ctx.finding(
        rule_for(secret.kind),
        layer=secret.layer,
        key=f"{secret.origin}:{hidden.sha256}",
        evidence=f"{secret.kind} in the image config ({secret.source}): {hidden}",
        details=(("source", secret.source), ("secret_sha256", hidden.sha256)),
    )
