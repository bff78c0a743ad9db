"""Plain-data views of a read or scanned archive: the documents of `inspect`, `ls` and `scan`.

Each document is built from the archive, then every string in it passes through the image's
scrubber (`scrub_document`): a secret the tool knows of never leaves it in full, whatever field
holds it. The JSON outputs are these documents; the tables are printed from them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from analyzer.document_scrub import Scrub, scrub_document
from analyzer.findings.model import Finding, Severity
from analyzer.image.label import image_label
from analyzer.image.model import Artifact
from analyzer.image.selection import image_number
from analyzer.reader import ImageView, ReadResult
from analyzer.scan import ImageReport, ScanResult
from analyzer.severity_filter import EVERY_SEVERITY, SeverityFilter, ordered

INSPECT_SCHEMA_VERSION = 1
SCAN_SCHEMA_VERSION = 1


def document_label(image: dict[str, Any]) -> str:
    """A short human name for an image document: its first reference, else its config digest."""
    return image_label(image.get("refs") or [], image["config_digest"])


def chained(scrubs: Sequence[Scrub]) -> Scrub:
    """One scrub applying each of `scrubs` in turn (for text that may name any image)."""

    def scrub(text: str) -> str:
        for each in scrubs:
            text = each(text)
        return text

    return scrub


def inspect_document(
    result: ReadResult, scrubs: Sequence[Scrub] = (), archive_scrub: Scrub = str
) -> dict[str, Any]:
    """The `inspect --format json` document; `scrubs` (one per image) redact each image's
    known secrets, `archive_scrub` those of the archive's own documents."""
    scrubs = list(scrubs) or [str] * len(result.images)
    # archive_scrub is the union of every image's scrubber (secrets.config.archive_scrubber):
    # chaining each image's scrub instead would cost images x archive strings
    union = archive_scrub if archive_scrub is not str else chained(scrubs)
    archive = _archive_document(result, result.notices, union)
    return {
        "schema_version": INSPECT_SCHEMA_VERSION,
        "archive": archive["archive"],
        "images": [
            # N of --image N: the place in the archive's own list, whatever was chosen
            scrub_document(
                {"number": image_number(result.catalog, v.image), **_image_document(v)}, scrub
            )
            for v, scrub in zip(result.images, scrubs, strict=True)
        ],
        "artifacts": archive["artifacts"],
        "verified_blobs": archive["verified_blobs"],
        "notices": archive["notices"],
    }


def _archive_document(result: ReadResult, notices: Sequence[str], scrub: Scrub) -> dict[str, Any]:
    """What belongs to the archive rather than to one image, scrubbed of every image's secrets."""
    doc = {
        "archive": {
            "path": str(result.archive.path),
            "kind": result.archive.kind,
            "compression": result.archive.compression.value,
            "format": result.catalog.source_format,
        },
        "artifacts": [_artifact_document(a) for a in result.catalog.artifacts],
        "verified_blobs": [{"what": w, "digest": d} for w, d in result.catalog.verified],
        "notices": list(notices),
    }
    return dict(scrub_document(doc, scrub))


def _image_document(view: ImageView) -> dict[str, Any]:
    image, config = view.image, view.image.config
    return {
        "refs": list(image.refs),
        "platform": str(image.platform),
        "source_format": image.source_format,
        "manifest_digest": image.manifest_digest,
        "config_digest": image.config_digest,
        "created": config.created,
        "user": config.user,
        "entrypoint": list(config.entrypoint),
        "cmd": list(config.cmd),
        "working_dir": config.working_dir,
        "env_names": [e.split("=", 1)[0] for e in config.env],
        "labels": dict(config.labels),
        "exposed_ports": list(config.exposed_ports),
        "volumes": list(config.volumes),
        "healthcheck": list(config.healthcheck) if config.healthcheck else None,
        "layers": [
            {
                "index": layer.index,
                "digest": listing.digest,
                "digest_source": "manifest" if layer.digest_known else "computed",
                "diff_id": listing.diff_id,
                "media_type": layer.media_type,
                "compression": listing.compression,
                "compressed_size": listing.compressed_size,
                "uncompressed_size": listing.uncompressed_size,
                "entries": listing.member_count,
                "created_by": layer.created_by,
            }
            for layer, listing in zip(image.layers, view.listings, strict=True)
        ],
        "history": [
            {"created": h.created, "created_by": h.created_by, "empty_layer": h.empty_layer}
            for h in config.history
        ],
        "final_paths": len(view.fs.paths()),
    }


def _artifact_document(artifact: Artifact) -> dict[str, Any]:
    return {
        "kind": artifact.kind,
        "digest": artifact.digest,
        "media_type": artifact.media_type,
        "artifact_type": artifact.artifact_type,
        "refs": list(artifact.refs),
        "subject": artifact.subject,
    }


def finding_document(finding: Finding) -> dict[str, Any]:
    """One finding as JSON-ready data."""
    return {
        "rule_id": finding.rule_id,
        "title": finding.title,
        "category": finding.category,
        "severity": finding.severity.value,
        "path": finding.path,
        "layer_index": finding.layer_index,
        "diff_id": finding.diff_id,
        "created_by": finding.created_by,
        "present_in_final": finding.present_in_final,
        "recoverable": finding.recoverable,
        "line": finding.line,
        "evidence": finding.evidence,
        "fingerprint": finding.fingerprint,
        "pci": list(finding.pci),
        "details": dict(finding.details),
    }


def _fact(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return [_fact(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {k: _fact(v) for k, v in asdict(value).items()}  # type: ignore[call-overload]
    return value


_SCAN_IMAGE_FIELDS = (
    "refs",
    "platform",
    "source_format",
    "manifest_digest",
    "config_digest",
    "created",
    "user",
    "layers",
)


def scan_document(
    result: ScanResult,
    *,
    show_suppressed: bool = False,
    listing: SeverityFilter = EVERY_SEVERITY,
) -> dict[str, Any]:
    """The `scan --format json` document: each image scrubbed by its report's scrubber (config
    secrets and the secrets found in its files), the rest by every image's. `listing` says
    which findings are listed; each image counts the others by severity."""
    archive = _archive_document(result.read, result.notices, scan_archive_scrub(result))
    return {
        "schema_version": SCAN_SCHEMA_VERSION,
        "archive": archive["archive"],
        "images": [
            {
                **scrub_document(_scan_image_document(r, show_suppressed, listing), r.scrub),
                **_listing_document(r, listing),  # the tool's own words: nothing to scrub
            }
            for r in result.images
        ],
        "artifacts": archive["artifacts"],
        "notices": archive["notices"],
    }


def scan_archive_scrub(result: ScanResult) -> Scrub:
    """The scrub for what belongs to the archive (its index documents, notices, artifacts):
    the archive's own and every image's secrets, file secrets included (a notice names a
    file): scan builds it as the union of the images' widened scrubbers."""
    return result.archive_scrub


def _scan_image_document(
    report: ImageReport, show_suppressed: bool, listing: SeverityFilter
) -> dict[str, Any]:
    image_doc = _image_document(report.view)
    listed = [f for f in report.findings if listing.lists(f.severity)]
    counts = {s.value: 0 for s in Severity}
    for finding in listed:
        counts[finding.severity.value] += 1
    suppressed: object = len(report.suppressed)
    if show_suppressed:
        suppressed = [
            {
                "finding": finding_document(f),
                "reason": s.reason,
                "expires": s.expires.isoformat() if s.expires else None,
            }
            for f, s in report.suppressed
        ]
    hidden = len(report.findings) - len(listed)
    return {
        **{k: image_doc[k] for k in _SCAN_IMAGE_FIELDS},
        "summary": counts,
        "findings": [finding_document(f) for f in listed],
        # every finding a severity option left out (the scan's --min-severity and `listing`)
        "hidden_below_min_severity": report.below_threshold + hidden,
        "suppressed": suppressed,
        **{name: _fact(value) for name, value in report.facts},
    }


def _listing_document(report: ImageReport, listing: SeverityFilter) -> dict[str, Any]:
    """What the listing left out, by severity, and how the user asked for it."""
    hidden = Counter(f.severity for f in report.findings if not listing.lists(f.severity))
    doc: dict[str, Any] = {
        "listed_severities": ordered(listing.listed),
        "severity_option": listing.option or None,
        # None: the scan itself dropped findings below ScanOptions.min_severity, uncounted
        "hidden_by_severity": None
        if report.below_threshold
        else {s.value: hidden[s] for s in Severity},
    }
    if listing.floor is not None:
        doc["min_severity"] = listing.floor.value  # the verdicts read it (findings.evidence)
    return doc
