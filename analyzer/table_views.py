"""What `inspect`, `ls` and `scan` print for a person: tables built from their (scrubbed)
documents, every cell printable and bounded (see `analyzer.terminal`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from analyzer.archive.digest import short
from analyzer.document_scrub import Scrub
from analyzer.findings.verdicts import image_verdicts, verdict_line
from analyzer.listing import LsMode, layer_steps, tree_rows
from analyzer.reader import ImageView
from analyzer.terminal import clip, one_line, table
from analyzer.views import document_label


def heading(image: dict[str, Any]) -> str:
    """The line naming an image before its tables: `== refs (platform)`."""
    name = ", ".join(image["refs"]) or document_label(image)
    return one_line(f"== {name} ({image['platform']})") + "\n"


def notice_lines(notices: Sequence[str]) -> str:
    """The notices block: one printable line per notice (a notice may quote a name)."""
    if not notices:
        return ""
    return "\nNotices:\n" + "".join(f"  - {one_line(n)}\n" for n in notices)


def scan_table(doc: dict[str, Any]) -> str:
    """The human-readable scan summary: the overall PCI verdict line, counts by severity, then
    one row per finding."""
    parts: list[str] = []
    for image in doc["images"]:
        parts.append("\n" + heading(image))
        parts.append(f"PCI DSS: {verdict_line(v.status for v in image_verdicts(image))}\n\n")
        parts.append(table([list(image["summary"].values())], list(image["summary"])) + "\n\n")
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
        parts.append(table(rows, headers) + "\n")
        parts.append(_policy_lines(image))
    return "".join(parts) + notice_lines(doc["notices"])


def _policy_lines(image: dict[str, Any]) -> str:
    lines = []
    if hidden := image["hidden_below_min_severity"]:
        by_severity = image.get("hidden_by_severity") or {}
        counted = ", ".join(f"{n} {s}" for s, n in by_severity.items() if n)
        option = image.get("severity_option") or "--min-severity"
        counted = f": {counted}" if counted else ""
        lines.append(f"({hidden} finding(s) not listed, by {option}{counted})")
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
    return "".join(one_line(line) + "\n" for line in lines)


def inspect_table(doc: dict[str, Any]) -> str:
    """The human-readable `inspect`: the archive, each image's facts and layers, artifacts."""
    archive = doc["archive"]
    parts = [
        one_line(
            f"{archive['path']}: {archive['format']} ({archive['kind']}, "
            f"compression {archive['compression']}), {len(doc['images'])} image(s)"
        )
        + "\n"
    ]
    parts += [_image_tables(image) for image in doc["images"]]
    if doc["artifacts"]:
        parts.append("\nArtifacts (not images, not read as layers):\n")
        rows = [
            [
                a["kind"],
                short(a["digest"]),
                a["artifact_type"],
                ", ".join(a["refs"]),
                short(a["subject"]) if a["subject"] else "",
            ]
            for a in doc["artifacts"]
        ]
        parts.append(table(rows, ["kind", "digest", "type", "refs", "subject"]) + "\n")
    return "".join(parts) + notice_lines(doc["notices"])


def _image_tables(image: dict[str, Any]) -> str:
    facts = [
        ["references", ", ".join(image["refs"]) or "(none)"],
        ["platform", image["platform"]],
        ["manifest", image["manifest_digest"] or "(none in a legacy docker archive)"],
        ["config", image["config_digest"]],
        ["created", image["created"]],
        ["user", image["user"] or "(not set: root)"],
        ["entrypoint", json.dumps(image["entrypoint"])],
        ["cmd", json.dumps(image["cmd"])],
        ["env names", ", ".join(image["env_names"])],
        ["labels", ", ".join(f"{k}={v}" for k, v in image["labels"].items())],
    ]
    rows = [
        [
            layer["index"],
            short(layer["digest"]),
            short(layer["diff_id"]),
            layer["compression"],
            layer["compressed_size"],
            layer["uncompressed_size"],
            layer["entries"],
            clip(layer["created_by"], 60),
        ]
        for layer in image["layers"]
    ]
    headers = ["#", "digest", "diff_id", "compr.", "stored", "size", "entries", "created_by"]
    return f"\n{table(facts, tablefmt='plain')}\n\n{table(rows, headers)}\n"


def ls_header(image: dict[str, Any]) -> str:
    """The line before one image's `ls` table when the archive holds several."""
    return "\n" + one_line(f"== {document_label(image)} ({image['platform']})") + "\n"


def ls_table(view: ImageView, path: str, mode: LsMode, doc: dict[str, Any], scrub: Scrub) -> str:
    """One image's `ls` table in the asked mode (nothing for a path the image does not have)."""
    if mode == "history":
        return history_table(doc, layer_steps(view, scrub)) if not doc.get("absent") else ""
    if mode == "deleted":
        return deleted_table(doc)
    return "" if doc.get("absent") else tree_table(tree_rows(view, path, doc))


def tree_table(rows: list[list[object]]) -> str:
    """The `ls` table: mode, owner, size, layer, path."""
    return table(rows, ["mode", "uid:gid", "size", "layer", "path"]) + "\n"


def history_table(doc: dict[str, Any], steps: Sequence[str]) -> str:
    """The `ls --history` table; `steps` are the (scrubbed) build steps of the layers."""
    rows = [
        [
            s["path"],
            s["layer"],
            s["change"] + (f" ({s['cause']})" if "cause" in s else ""),
            s.get("entry", {}).get("mode", ""),
            s.get("entry", {}).get("size", ""),
            s.get("entry", {}).get("sha256", "")[:12],
            clip(steps[s["layer"]], 50),
        ]
        for s in doc["history"]
    ]
    headers = ["path", "layer", "change", "mode", "size", "sha256", "created_by"]
    return table(rows, headers) + "\n"


def deleted_table(doc: dict[str, Any]) -> str:
    """The `ls --deleted` table, and how many versions it lists."""
    removed = doc["removed"]
    rows = [
        [
            r["path"],
            r["entry"]["type"],
            r["entry"]["size"],
            r["stored_in_layer"],
            f"{r['how']} in layer {r['by_layer']}",
            r["entry"]["sha256"][:12],
        ]
        for r in removed
    ]
    headers = ["path", "type", "size", "stored in layer", "hidden", "sha256"]
    return (
        table(rows, headers) + f"\n{len(removed)} version(s) hidden from the final filesystem "
        "but recoverable from the archive\n"
    )


def rules_table(doc: dict[str, Any]) -> str:
    """The `rules` table: id, severity, category, PCI references and title of every rule."""
    rows = [
        [d["rule_id"], d["severity"], d["category"], ", ".join(d["pci"]), d["title"]]
        for d in doc["rules"]
    ]
    return table(rows, ["rule", "severity", "category", "pci", "title"]) + "\n"
