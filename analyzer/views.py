"""Plain-data views of a ReadResult for `inspect` and `ls` (JSON-ready dicts and table rows)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from tabulate import tabulate

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


Scrub = Callable[[str], str]


def inspect_document(result: ReadResult, scrubs: Sequence[Scrub] = ()) -> dict[str, Any]:
    """The `inspect --format json` document; `scrubs` (one per image) redact config secrets."""
    scrubs = list(scrubs) or [str] * len(result.images)
    return {
        "schema_version": INSPECT_SCHEMA_VERSION,
        "archive": {
            "path": str(result.archive.path),
            "kind": result.archive.kind,
            "compression": result.archive.compression.value,
            "format": result.catalog.source_format,
        },
        "images": [
            _image_document(v, scrub) for v, scrub in zip(result.images, scrubs, strict=True)
        ],
        "artifacts": [_artifact_document(a) for a in result.catalog.artifacts],
        "verified_blobs": [{"what": w, "digest": d} for w, d in result.catalog.verified],
        "notices": list(result.notices),
    }


def _image_document(view: ImageView, scrub: Scrub) -> dict[str, Any]:
    image, config = view.image, view.image.config
    return {
        "refs": list(image.refs),
        "platform": str(image.platform),
        "source_format": image.source_format,
        "manifest_digest": image.manifest_digest,
        "config_digest": image.config_digest,
        "created": config.created,
        "user": scrub(config.user),
        "entrypoint": [scrub(a) for a in config.entrypoint],
        "cmd": [scrub(a) for a in config.cmd],
        "working_dir": scrub(config.working_dir),
        "env_names": [e.split("=", 1)[0] for e in config.env],
        "labels": {k: scrub(v) for k, v in config.labels},
        "exposed_ports": list(config.exposed_ports),
        "volumes": [scrub(v) for v in config.volumes],
        "healthcheck": [scrub(a) for a in config.healthcheck] if config.healthcheck else None,
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
                "created_by": scrub(layer.created_by),
            }
            for layer, listing in zip(image.layers, view.listings, strict=True)
        ],
        "history": [
            {"created": h.created, "created_by": scrub(h.created_by), "empty_layer": h.empty_layer}
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


def scan_document(result: ScanResult, *, show_suppressed: bool = False) -> dict[str, Any]:
    """The `scan --format json` document."""
    inspect = inspect_document(result.read, [r.scrub for r in result.images])
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
                        "created",
                        "user",
                        "layers",
                    )
                },
                "summary": counts,
                "findings": [finding_document(f) for f in report.findings],
                "hidden_below_min_severity": report.below_threshold,
                "suppressed": [
                    {
                        "finding": finding_document(f),
                        "reason": s.reason,
                        "expires": s.expires.isoformat() if s.expires else None,
                    }
                    for f, s in report.suppressed
                ]
                if show_suppressed
                else len(report.suppressed),
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


def clip(text: str, width: int) -> str:
    """One line of at most `width` characters."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def scan_table(doc: dict[str, Any]) -> str:
    """The human-readable scan summary: counts by severity, then one row per finding."""
    parts: list[str] = []
    for image in doc["images"]:
        name = ", ".join(image["refs"]) or short(image["config_digest"])
        parts.append(f"\n== {name} ({image['platform']})\n")
        parts.append(tabulate([list(image["summary"].values())], list(image["summary"])) + "\n\n")
        rows = [
            [
                f["severity"],
                f["rule_id"],
                f["path"] or "(config)",
                "-" if f["layer_index"] is None else f["layer_index"],
                "yes" if f["present_in_final"] else "no (recoverable)",
                ",".join(f["pci"]),
                clip(f["evidence"], 70),
            ]
            for f in image["findings"]
        ]
        headers = ["severity", "rule", "path", "layer", "in final", "pci", "evidence"]
        parts.append(tabulate(rows, headers) + "\n")
        parts.append(_policy_lines(image))
    return "".join(parts)


def _policy_lines(image: dict[str, Any]) -> str:
    lines = []
    if image["hidden_below_min_severity"]:
        lines.append(
            f"({image['hidden_below_min_severity']} finding(s) below --min-severity not listed)"
        )
    suppressed = image["suppressed"]
    if isinstance(suppressed, int):
        if suppressed:
            lines.append(f"({suppressed} suppressed finding(s); --show-suppressed lists them)")
    else:
        lines += [
            f"suppressed: {s['finding']['rule_id']} {s['finding']['path'] or '(config)'} "
            f"- {s['reason']}"
            for s in suppressed
        ]
    return "".join(line + "\n" for line in lines)
