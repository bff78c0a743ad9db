"""Plain-data views of a ReadResult for `inspect` and `ls` (JSON-ready dicts and table rows)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from analyzer.archive.digest import short
from analyzer.filesystem.layered import LayeredFS
from analyzer.filesystem.model import Entry, Removed, Version
from analyzer.findings.model import Finding, Severity
from analyzer.image.model import Artifact, Image
from analyzer.reader import ImageView, ReadResult
from analyzer.scan import ScanResult

INSPECT_SCHEMA_VERSION = 1


def image_label(image: Image) -> str:
    """A short human name for an image: its first reference, else its config digest."""
    return image.refs[0] if image.refs else short(image.config_digest)


def inspect_document(result: ReadResult) -> dict[str, Any]:
    """The `inspect --format json` document."""
    return {
        "schema_version": INSPECT_SCHEMA_VERSION,
        "archive": {
            "path": str(result.archive.path),
            "kind": result.archive.kind,
            "compression": result.archive.compression.value,
            "format": result.catalog.source_format,
        },
        "images": [_image_document(view) for view in result.images],
        "artifacts": [_artifact_document(a) for a in result.catalog.artifacts],
        "verified_blobs": [{"what": w, "digest": d} for w, d in result.catalog.verified],
        "notices": list(result.notices),
    }


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


def entry_document(entry: Entry) -> dict[str, Any]:
    """One entry as JSON-ready data."""
    return {
        "path": entry.path,
        "type": entry.kind.value,
        "mode": f"{entry.mode:04o}",
        "uid": entry.uid,
        "gid": entry.gid,
        "size": entry.size,
        "mtime": entry.mtime,
        "link": entry.link,
        "sha256": entry.sha256,
        "xattrs": sorted(name for name, _ in entry.xattrs),
        "implicit": entry.implicit,
    }


def version_document(path: str, version: Version) -> dict[str, Any]:
    """One history step as JSON-ready data."""
    doc: dict[str, Any] = {
        "path": path,
        "layer": version.layer,
        "change": version.change.value,
    }
    if version.cause:
        doc["cause"] = version.cause
    if version.entry is not None:
        doc["entry"] = entry_document(version.entry)
    return doc


def removed_document(removed: Removed) -> dict[str, Any]:
    """One deleted-or-shadowed version as JSON-ready data."""
    assert removed.version.entry is not None  # removed() yields stored versions only
    return {
        "path": removed.version.entry.path,
        "stored_in_layer": removed.version.layer,
        "how": removed.how,
        "by_layer": removed.by_layer,
        "entry": entry_document(removed.version.entry),
    }


def tree_rows(fs: LayeredFS, under: str) -> list[list[Any]]:
    """Rows of `ls`: mode, owner, size, layer, path."""
    rows = []
    for version in fs.entries(under):
        entry = version.entry
        if entry is None:
            continue
        name = entry.path
        if entry.link:
            arrow = "->" if entry.kind.value == "symlink" else "=>"
            name = f"{name} {arrow} {entry.link}"
        rows.append(
            [entry.mode_string, f"{entry.uid}:{entry.gid}", entry.size, version.layer, name]
        )
    return rows


SCAN_SCHEMA_VERSION = 1


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


def scan_document(result: ScanResult) -> dict[str, Any]:
    """The `scan --format json` document."""
    inspect = inspect_document(result.read)
    images = []
    for report, image_doc in zip(result.images, inspect["images"], strict=True):
        counts = {s.value: 0 for s in Severity}
        for finding in report.findings:
            counts[finding.severity.value] += 1
        images.append(
            {
                **{
                    k: image_doc[k]
                    for k in (
                        "refs",
                        "platform",
                        "source_format",
                        "manifest_digest",
                        "config_digest",
                        "user",
                        "layers",
                    )
                },
                "summary": counts,
                "findings": [finding_document(f) for f in report.findings],
                **{name: _fact(value) for name, value in report.facts},
            }
        )
    return {
        "schema_version": SCAN_SCHEMA_VERSION,
        "archive": inspect["archive"],
        "images": images,
        "artifacts": inspect["artifacts"],
        "notices": list(result.notices),
    }
