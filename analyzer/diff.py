"""`image-audit diff OLD NEW`: what changed between two builds of an image.

Both archives are scanned (read once each, verified, every detector). Compared:
- layers by diff_id (the uncompressed content: the same layer stored gzip, zstd or raw is the
  same layer): shared, added, removed;
- the final filesystems path by path: added, removed, modified (content sha256, type, mode
  with setuid/setgid, owner, link target);
- packages by ecosystem and name: added, removed, version changed;
- findings by fingerprint: new, resolved, unchanged. Findings about how the archive was
  delivered rather than what the image holds (signatures, registry trust: category
  "provenance") are left out, so that the same image saved as a docker-archive and as an OCI
  layout diffs empty;
- the config's user, ENV names (never values), entrypoint/cmd, exposed ports and labels.

Every string passes the redactor of the image it came from.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from analyzer.document_scrub import scrub_document
from analyzer.filesystem.model import Entry
from analyzer.findings.model import Finding, Severity
from analyzer.image.label import image_label
from analyzer.scan import ImageReport

_ARCHIVE_CATEGORIES = frozenset({"provenance"})
"""Finding categories about the archive's delivery, not the image's content."""


def diff_document(old: ImageReport, new: ImageReport) -> dict[str, Any]:
    """The JSON-ready diff of two scanned images."""
    old_findings, new_findings = _findings(old), _findings(new)
    doc = {
        "old": _image(old),
        "new": _image(new),
        "layers": _layers(old, new),
        "files": _files(old, new),
        "packages": _packages(old, new),
        "findings": {
            "new": [_finding(new_findings[k]) for k in sorted(new_findings.keys() - old_findings)],
            "resolved": [
                _finding(old_findings[k]) for k in sorted(old_findings.keys() - new_findings)
            ],
            "unchanged": len(new_findings.keys() & old_findings.keys()),
        },
        "config": _config(old, new),
    }
    # one redactor each would leave the other image's secrets: both apply to every string
    return dict(scrub_document(scrub_document(doc, old.scrub), new.scrub))


def is_empty(doc: dict[str, Any]) -> bool:
    """True when nothing but shared layers and unchanged findings is reported."""
    layers, files, findings = doc["layers"], doc["files"], doc["findings"]
    return not (
        layers["added"]
        or layers["removed"]
        or any(files.values())
        or any(doc["packages"].values())
        or findings["new"]
        or findings["resolved"]
        or doc["config"]
    )


def new_at_or_above(doc: dict[str, Any], threshold: Severity) -> list[dict[str, Any]]:
    """The new findings at or above `threshold` (`--fail-on-new`)."""
    return [f for f in doc["findings"]["new"] if Severity(f["severity"]).rank >= threshold.rank]


def _image(report: ImageReport) -> dict[str, Any]:
    image = report.view.image
    return {
        "label": image_label(image.refs, image.config_digest),
        "refs": list(image.refs),
        "config_digest": image.config_digest,
    }


def _layers(old: ImageReport, new: ImageReport) -> dict[str, list[str]]:
    before = [listing.diff_id for listing in old.view.listings]
    after = [listing.diff_id for listing in new.view.listings]
    known, kept = set(before), set(after)  # built once, not per layer
    return {
        "shared": [d for d in after if d in known],
        "added": [d for d in after if d not in known],
        "removed": [d for d in before if d not in kept],
    }


def _final(report: ImageReport) -> dict[str, Entry]:
    return {v.entry.path: v.entry for v in report.view.fs.entries("/") if v.entry is not None}


def _files(old: ImageReport, new: ImageReport) -> dict[str, list[Any]]:
    before, after = _final(old), _final(new)
    modified = []
    for path in sorted(before.keys() & after.keys()):
        changes = _entry_changes(before[path], after[path])
        if changes:
            modified.append({"path": path, "changes": changes})
    return {
        "added": sorted(after.keys() - before.keys()),
        "removed": sorted(before.keys() - after.keys()),
        "modified": modified,
    }


def _entry_changes(a: Entry, b: Entry) -> dict[str, list[str]]:
    """What differs between two versions of a path (implicit parent directories and mtimes do
    not count: a rebuild touches every mtime)."""
    pairs = {
        "type": (a.kind.value, b.kind.value),
        "sha256": (a.sha256, b.sha256),
        "mode": (f"{a.mode:04o}", f"{b.mode:04o}"),
        "owner": (f"{a.uid}:{a.gid}", f"{b.uid}:{b.gid}"),
        "link": (a.link, b.link),
    }
    return {name: [x, y] for name, (x, y) in pairs.items() if x != y}


def _package_keys(report: ImageReport) -> dict[tuple[str, str], str]:
    packages = dict(report.facts).get("packages")
    found: dict[tuple[str, str], str] = {}
    for package in packages if isinstance(packages, list) else []:
        found[str(package["kind"]), str(package["name"])] = str(package["version"])
    return found


def _packages(old: ImageReport, new: ImageReport) -> dict[str, list[str]]:
    before, after = _package_keys(old), _package_keys(new)
    return {
        "added": [f"{k} {n} {after[k, n]}" for k, n in sorted(after.keys() - before.keys())],
        "removed": [f"{k} {n} {before[k, n]}" for k, n in sorted(before.keys() - after.keys())],
        "changed": [
            f"{k} {n} {before[k, n]} -> {after[k, n]}"
            for k, n in sorted(before.keys() & after.keys())
            if before[k, n] != after[k, n]
        ],
    }


def _findings(report: ImageReport) -> dict[str, Finding]:
    return {f.fingerprint: f for f in report.findings if f.category not in _ARCHIVE_CATEGORIES}


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "fingerprint": finding.fingerprint,
        "rule_id": finding.rule_id,
        "severity": finding.severity.value,
        "path": finding.path,
        "layer_index": finding.layer_index,
        "present_in_final": finding.present_in_final,
        "evidence": finding.evidence,
    }


def _config(old: ImageReport, new: ImageReport) -> dict[str, Any]:
    a, b = old.view.image.config, new.view.image.config
    fields: dict[str, tuple[object, object]] = {
        "user": (a.user, b.user),
        "env_names": (_names(a.env), _names(b.env)),
        "entrypoint": (list(a.entrypoint), list(b.entrypoint)),
        "cmd": (list(a.cmd), list(b.cmd)),
        "exposed_ports": (sorted(a.exposed_ports), sorted(b.exposed_ports)),
        "labels": (dict(a.labels), dict(b.labels)),
    }
    return {name: {"old": x, "new": y} for name, (x, y) in fields.items() if x != y}


def _names(env: Iterable[str]) -> list[str]:
    return sorted({entry.partition("=")[0] for entry in env})
