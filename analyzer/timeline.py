"""`image-audit timeline`: the image's build, one row per history step, and what stands out.

Per step: when (`created`), what (`created_by`), the layer it made and its bytes, how many files
it added, changed and deleted, setuid/setgid changes, packages installed, removed and changed
(every version of each package database compared with the one before), and the findings it
introduced (reported at its layer) or removed (a secret whose file it deleted). An edit that keeps
a secret at its path neither introduces nor removes it, and deleting one name of a hard-linked
file removes nothing while another name holds it.

Then what an investigator should look at (`leads`):
- files whose mtime is later than their step's `created` time, or than the image's `created`
  (a build step cannot write a file in its future: a clock was wrong, or the layer was edited);
- steps without a `created` time or without `created_by` (hand-made or scrubbed history);
- layers that change files a package owns without changing any package database (a binary
  replaced behind the package manager's back).

Every string from the archive passes the image's redactor.
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from analyzer.detectors.packagefiles import (
    APK_INSTALLED,
    DPKG_INFO,
    DPKG_STATUS,
    RPMDB_SQLITE,
    STATUS_D,
)
from analyzer.document_scrub import scrub_document
from analyzer.filesystem.model import Change, Version
from analyzer.findings.model import Finding
from analyzer.image.config import history_step_layers
from analyzer.image.label import image_label
from analyzer.image.model import HistoryEntry
from analyzer.scan import ImageReport

_SETID = 0o6000
_EXAMPLES = 5
"""Paths named per lead (the count says how many there are)."""
_DATABASES = (DPKG_STATUS, APK_INSTALLED, *RPMDB_SQLITE)
_DATABASE_DIRS = (DPKG_INFO, STATUS_D)


def timeline_document(report: ImageReport) -> dict[str, Any]:
    """One image's timeline (JSON-ready, scrubbed)."""
    view = report.view
    image = view.image
    per_layer = _per_layer(report)
    facts = dict(report.facts)
    packages = _package_changes(facts.get("package_changes"))
    introduced, removed = _findings_by_layer(report)
    steps = []
    layer_of = history_step_layers(image.config, len(image.layers))
    history = image.config.history
    rows: list[tuple[HistoryEntry | None, int | None]] = list(zip(history, layer_of, strict=True))
    covered = {layer for _, layer in rows}
    # layers no history step names (no history at all, or fewer steps than layers): a row each
    rows += [(None, i) for i in range(len(image.layers)) if i not in covered]
    for step, layer in rows:
        row: dict[str, Any] = {
            "created": step.created if step else "",
            "created_by": step.created_by if step else image.layers[layer or 0].created_by,
            "layer": layer,
        }
        if layer is not None:
            counts = per_layer[layer]
            row |= {
                "layer_bytes": view.listings[layer].uncompressed_size,
                "files": {c.value: counts["changes"][c] for c in Change},
                "setid_changes": counts["setid"],
                "packages": packages.get(layer, {"installed": [], "removed": [], "changed": []}),
                "findings": {
                    "introduced": introduced.get(layer, []),
                    "removed": removed.get(layer, []),
                },
            }
        steps.append(row)
    doc = {
        "refs": list(image.refs),
        "label": image_label(image.refs, image.config_digest),
        "config_digest": image.config_digest,
        "created": image.config.created,
        "steps": steps,
        "leads": _leads(report, rows, per_layer, packages),
    }
    return dict(scrub_document(doc, report.scrub))


def _per_layer(report: ImageReport) -> list[dict[str, Any]]:
    """Changes by kind, setuid/setgid changes and late mtimes per layer: one walk of every
    path's history."""
    view = report.view
    layers: list[dict[str, Any]] = [
        {"changes": Counter(), "setid": [], "mtimes": [], "owned": []} for _ in view.listings
    ]
    for path in view.fs.all_paths():
        previous: Version | None = None
        for version in view.fs.history(path):
            slot = layers[version.layer]
            slot["changes"][version.change] += 1
            before = previous.entry.mode & _SETID if previous and previous.entry else 0
            after = version.entry.mode & _SETID if version.entry else 0
            if before != after:
                slot["setid"].append(f"{path} {before:04o}->{after:04o}")
            if version.entry is not None:
                slot["mtimes"].append((version.entry.mtime, path))
                if version.change is Change.MODIFIED and report.origins is not None:
                    origin = report.origins(version)
                    if origin is not None and origin.owner is not None:
                        slot["owned"].append(path)
            previous = version
    return layers


def _package_changes(raw: object) -> dict[int, dict[str, list[str]]]:
    merged: dict[int, dict[str, list[str]]] = {}
    for change in raw if isinstance(raw, list) else []:
        slot = merged.setdefault(
            int(change["layer"]), {"installed": [], "removed": [], "changed": []}
        )
        for key in slot:
            slot[key] += list(change[key])
    return merged


def _findings_by_layer(report: ImageReport) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Per layer, the labels of the findings it introduced and of those it removed."""
    introduced: dict[int, list[Finding]] = {}
    removed: dict[int, list[Finding]] = {}
    for finding in report.findings:
        if finding.layer_index is not None:
            introduced.setdefault(finding.layer_index, []).append(finding)
        gone = _removed_in(finding)
        if gone is not None:
            removed.setdefault(gone, []).append(finding)
    for layer in introduced.keys() & removed.keys():
        # an edit that keeps a secret at its path stores it again (introduced) as it replaces
        # an earlier layer's version (removed): the same fingerprint (rule, path, value) both
        # ways is neither. A copy the layer overwrote within itself is both: its tar holds it
        carried = Counter(f.fingerprint for f in introduced[layer] if _removed_in(f) != layer)
        both = carried & Counter(f.fingerprint for f in removed[layer] if f.layer_index != layer)
        introduced[layer] = _without(introduced[layer], both)
        removed[layer] = _without(removed[layer], both)
    return _labels(introduced), _labels(removed)


def _removed_in(finding: Finding) -> int | None:
    """The layer that took what `finding` found out of the final filesystem, if one did."""
    gone = dict(finding.details).get("removed_in_layer")
    return int(gone) if gone is not None and gone.isdigit() else None


def _without(findings: list[Finding], dropped: Counter[str]) -> list[Finding]:
    """`findings` less as many of each fingerprint as `dropped` counts."""
    left = Counter(dropped)
    kept = []
    for finding in findings:
        if left[finding.fingerprint] > 0:
            left[finding.fingerprint] -= 1
        else:
            kept.append(finding)
    return kept


def _labels(by_layer: dict[int, list[Finding]]) -> dict[int, list[str]]:
    return {
        layer: [f"{f.severity.value} {f.rule_id} {f.path or '(config)'}" for f in findings]
        for layer, findings in by_layer.items()
    }


def _leads(
    report: ImageReport,
    rows: list[tuple[HistoryEntry | None, int | None]],
    per_layer: list[dict[str, Any]],
    packages: dict[int, dict[str, list[str]]],
) -> list[str]:
    leads: list[str] = []
    image_created = _time(report.view.image.config.created)
    for index, (step, layer) in enumerate(rows):
        if step is not None and not step.created:
            leads.append(f"step {index} has no created time")
        if step is not None and not step.created_by:
            leads.append(f"step {index} has no created_by")
        if layer is None:
            continue
        created = _time(step.created) if step is not None else None
        for limit, what in ((created, "its step's created time"), (image_created, "the image's")):
            if limit is None:
                continue
            late = sorted(p for m, p in per_layer[layer]["mtimes"] if m > limit.timestamp() + 1)
            if late:
                leads.append(
                    f"layer {layer}: {len(late)} file(s) with an mtime later than {what} "
                    f"({limit.isoformat()}): {_some(late)}"
                )
        owned = per_layer[layer]["owned"]
        if owned and layer not in packages and not _touches_database(report, layer):
            leads.append(
                f"layer {layer} changes {len(owned)} file(s) a package owns without changing "
                f"any package database: {_some(sorted(owned))}"
            )
    return leads


def _touches_database(report: ImageReport, layer: int) -> bool:
    for entry in report.view.listings[layer].entries:
        if entry.path in _DATABASES or entry.path.startswith(_DATABASE_DIRS):
            return True
    return bool(set(report.view.listings[layer].whiteouts) & set(_DATABASES))


def _some(paths: list[str]) -> str:
    shown = ", ".join(paths[:_EXAMPLES])
    return shown + (f" and {len(paths) - _EXAMPLES} more" if len(paths) > _EXAMPLES else "")


def _time(text: str) -> datetime.datetime | None:
    """An RFC 3339 time as Docker and OCI write it (nanoseconds cut to microseconds)."""
    if not text:
        return None
    value = text.strip().replace("Z", "+00:00")
    if "." in value:
        head, _, rest = value.partition(".")
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits) :]
        value = f"{head}.{digits[:6]}{zone}"
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)
