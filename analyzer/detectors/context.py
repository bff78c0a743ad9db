"""What a detector sees of one image: its layered filesystem, collected content and config."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from analyzer.clock import utc_today
from analyzer.detectors.content import ContentStore
from analyzer.detectors.identify import FileType, identify
from analyzer.detectors.packagefiles import FileOrigins
from analyzer.filesystem.model import Entry, EntryKind, Version
from analyzer.findings.model import Finding, Rule, Severity, fingerprint
from analyzer.findings.pci import controls_for
from analyzer.findings.suppress import Suppression
from analyzer.image.label import image_label
from analyzer.image.model import Artifact
from analyzer.reader import ImageView
from analyzer.secrets.redact import redact_url_passwords
from analyzer.secrets.scrubber import Scrubber

if TYPE_CHECKING:
    from analyzer.vulndb.store import VulnDb


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """Choices that change what detectors report."""

    trusted_registries: tuple[str, ...] = ()
    """Registries the organisation controls (CG 12.2); empty means "not assessable"."""
    today: datetime.date = field(default_factory=utc_today)
    """The date end-of-life, suppression expiry and the vulnerability data's age are judged
    against: UTC's, or SOURCE_DATE_EPOCH's (see analyzer.clock)."""
    min_severity: Severity = Severity.INFO
    """Findings below this are counted but not listed."""
    suppressions: tuple[Suppression, ...] = ()
    max_file_bytes: int = 10 << 20
    """Files larger than this are not examined for secrets (a notice says so)."""
    workers: int = 1
    """Processes examining files for secrets (1: in the reading process only)."""
    vuln_db: VulnDb | None = None
    """Known-vulnerability data (``scan --vuln-db``); None: the check does not run."""


class ImageContext:
    """One image, ready for detectors."""

    def __init__(
        self,
        view: ImageView,
        store: ContentStore,
        options: ScanOptions,
        *,
        scrub: Scrubber,
        artifacts: tuple[Artifact, ...] = (),
        origins: FileOrigins | None = None,
    ) -> None:
        """`origins`: the image's FileOrigins when the caller built it already (the scan does,
        while the secrets workers finish); otherwise it is built on first use."""
        self.view = view
        self.scrub = scrub
        """The image's redactor, built by the scan: redacts every secret the archive's
        configs, references, file names and files hold from any text a detector quotes; its
        `secrets` are this image's config secrets, which the secrets detector reports."""
        self.artifacts = artifacts
        """Non-image manifests of the archive (signatures, SBOMs...)."""
        self.image = view.image
        self.fs = view.fs
        self.config = view.image.config
        self.store = store
        self.options = options
        self.label = image_label(view.image.refs, view.image.config_digest)
        self._built_origins = origins
        self._origins: FileOrigins | None = None
        self.cache: dict[str, object] = {}
        """Results detectors share within one image (e.g. the list of programs)."""
        self.notices: list[str] = []
        """Anomalies detectors met that do not stop the scan."""
        self.facts: dict[str, object] = {}
        """What detectors established for the report besides findings (os, packages...)."""

    # -- content -------------------------------------------------------------------------------

    def content_of(self, version: Version) -> bytes | None:
        """The collected bytes of one stored version of a file (None if nobody asked for them)."""
        entry = version.entry
        if entry is None:
            return None
        if entry.kind is EntryKind.HARDLINK:
            return self._hardlink_content(version, entry)
        return self.store.get(self.view.listings[version.layer].key, entry.path)

    def _hardlink_content(self, version: Version, entry: Entry) -> bytes | None:
        for target in reversed(self.fs.history(entry.link)):
            stored = target.entry
            if target.layer <= version.layer and stored and stored.sha256 == entry.sha256:
                return self.store.get(self.view.listings[target.layer].key, entry.link)
        return None

    def read(self, path: str) -> bytes | None:
        """The collected bytes of `path` in the final filesystem, following symlinks."""
        resolved = self.fs.resolve(path)
        version = self.fs.final_version(resolved) if resolved else None
        return self.content_of(version) if version else None

    def file_type(self, version: Version) -> FileType | None:
        """What one stored version of a file is, from its collected head (None: not collected)."""
        head = self.content_of(version)
        return identify(head) if head is not None else None

    def versions(self, path: str) -> Iterator[Version]:
        """Every stored (not deleted) version of `path`, lowest layer first."""
        return (v for v in self.fs.history(path) if v.entry is not None)

    # -- package provenance --------------------------------------------------------------------

    @property
    def origins(self) -> FileOrigins:
        """Which package each file version belongs to (the databases read on first use)."""
        if self._origins is None:
            self._origins = self._built_origins or FileOrigins.of(self.view, self.store)
            self.notices.extend(self._origins.index.notices.final())
        return self._origins

    def origin_details(self, path: str, layer: int | None) -> tuple[tuple[str, str], ...]:
        """A finding's `package`, `manager` and `modified` details when the version of `path`
        stored in `layer` (the final one when None) belongs to a package; () otherwise."""
        version = self._version_at(path, layer)
        origin = self.origins.of_version(version) if version is not None else None
        if origin is None or origin.owner is None:
            return ()
        owner = origin.owner
        return (
            ("package", owner.package),
            ("manager", owner.manager),
            ("modified", origin.modified),
        )

    def _version_at(self, path: str, layer: int | None) -> Version | None:
        if layer is None:
            return self.fs.final_version(path)
        stored = [v for v in self.fs.history(path) if v.layer == layer and v.entry is not None]
        return stored[-1] if stored else None

    # -- findings ------------------------------------------------------------------------------

    def quote(self, text: str, limit: int | None = None) -> str:
        """`text` as a finding may quote it: config secrets and URL passwords redacted, then
        cut to `limit` characters (cut first, a secret across the cut would show in part)."""
        return self.scrub(redact_url_passwords(text))[:limit]

    def finding(
        self,
        rule: Rule,
        *,
        path: str = "",
        layer: int | None = None,
        evidence: str = "",
        present: bool = True,
        key: str = "",
        severity: Severity | None = None,
        details: tuple[tuple[str, str], ...] = (),
        line: int | None = None,
        vendor: bool = False,
    ) -> Finding:
        """Build a finding for this image, attributing it to `layer` when given. A finding on a
        path that belongs to a package says which (`details`: package, manager, modified).
        `vendor`: what was found is an unmodified file of a published package, content every
        user of that package has: it bears on no requirement (`pci` empty) and says so
        (`details.vendor`)."""
        layer_info = self.image.layers[layer] if layer is not None else None
        listing = self.view.listings[layer] if layer is not None else None
        return Finding(
            rule_id=rule.id,
            title=rule.title,
            category=rule.category,
            severity=severity or rule.severity,
            image=self.label,
            path=path,
            layer_index=layer,
            diff_id=listing.diff_id if listing else "",
            created_by=self.scrub(layer_info.created_by) if layer_info else "",
            present_in_final=present,
            # whatever a detector quotes (a build step, a sources.list line) is scrubbed of the
            # config's secret values and of URL passwords: no secret is ever shown in full
            evidence=self.quote(evidence),
            fingerprint=fingerprint(rule.id, path, key),
            pci=() if vendor else controls_for(rule.category),
            details=details
            + (self.origin_details(path, layer) if path else ())
            + ((("vendor", "true"),) if vendor else ()),
            line=line,
            recoverable=not present and layer is not None,
        )
