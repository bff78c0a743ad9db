"""report.md and report.html at the top of a bundle of several images: every image with its
verdict line, its findings by severity and a link into its folder.

Without them, an archive of 21 images gives 21 folders named image-N-<digest> and no way to
tell which to open first. Like every report, they quote names from the archive: Markdown cells
go through md_cell, HTML through page_assets.escape; the links are ours (the folder names the writer
chose), and the page loads nothing from outside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from analyzer.bundle.page_assets import COLORS, CSP, SEVERITIES, escape
from analyzer.bundle.report import md_cell
from analyzer.findings.verdicts import Status, image_verdicts, verdict_line


@dataclass(frozen=True, slots=True)
class ImageEntry:
    """One image as the overview lists it."""

    folder: str
    """Its folder in the bundle (relative, chosen by the writer)."""
    names: str
    """Its references, or its config digest when it has none."""
    platform: str
    verdict: str
    """The overall verdict line ("3 requirements fail, 5 pass, ...")."""
    failing: bool
    """Whether a requirement fails."""
    counts: tuple[tuple[str, int], ...]
    """Listed findings per severity, most severe first."""


def image_entry(folder: str, image: dict[str, Any]) -> ImageEntry:
    """The overview's entry for one image of the scan document."""
    statuses = [v.status for v in image_verdicts(image)]
    summary = image["summary"]
    return ImageEntry(
        folder=folder,
        names=", ".join(image["refs"]) or image["config_digest"],
        platform=image["platform"],
        verdict=verdict_line(statuses),
        failing=Status.FAIL in statuses,
        counts=tuple((s, int(summary.get(s, 0))) for s in SEVERITIES),
    )


def _totals(entries: Sequence[ImageEntry]) -> str:
    """How many images have a failing requirement: the line the overview opens with."""
    failing = sum(e.failing for e in entries)
    return (
        f"{len(entries)} images: {failing} with a failing requirement, "
        f"{len(entries) - failing} without"
    )


def _counted(entry: ImageEntry) -> str:
    return ", ".join(f"{n} {s}" for s, n in entry.counts if n) or "none"


def overview_markdown(entries: Sequence[ImageEntry], input_facts: dict[str, Any]) -> str:
    """The top-level report.md: one row per image, linking to its report.md."""
    lines = [
        f"# Image audit: {md_cell(input_facts['name'])}",
        "",
        f"**{_totals(entries)}**",
        "",
        f"- input: {md_cell(input_facts['name'])} ({input_facts['size']} bytes, "
        f"sha256 {input_facts['sha256']})",
        "- each image's folder holds its full report (report.md, report.html, report.json), "
        "findings.sarif, packages.cdx.json and the CSV tables",
        "",
        "| image | platform | PCI DSS verdict | findings | report |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {md_cell(e.names)} | {md_cell(e.platform)} | {md_cell(e.verdict)} | "
        f"{_counted(e)} | [{e.folder}/report.md]({e.folder}/report.md) |"
        for e in entries
    ]
    return "\n".join(lines) + "\n"


STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:1200px;color:#222}
table{border-collapse:collapse;width:100%;margin:.5em 0;table-layout:fixed}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top;
overflow-wrap:anywhere}
col.platform{width:8.5em} col.verdict{width:24em} col.findings{width:12em} col.report{width:14em}
th{background:#eee} .fail{color:#c62828;font-weight:bold} .ok{color:#2e7d32;font-weight:bold}
.sev{color:#fff;border-radius:3px;padding:0 4px;margin-right:2px;white-space:nowrap}
#totals{font-size:1.2em;font-weight:bold}
"""


def overview_html(entries: Sequence[ImageEntry], input_facts: dict[str, Any]) -> str:
    """The top-level report.html: one row per image, linking to its report.html."""
    rows = "\n".join(_html_row(e) for e in entries)
    head = "".join(
        f"<th>{h}</th>" for h in ("Image", "Platform", "PCI DSS verdict", "Findings", "Report")
    )
    name = escape(str(input_facts["name"]))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        f"<title>image-audit: {name}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<h1>image-audit report: {name}</h1>\n"
        f'<p id="totals">{escape(_totals(entries))}</p>\n'
        f"<p>Input sha256 <code>{escape(str(input_facts['sha256']))}</code>, "
        f"{int(input_facts['size'])} bytes. Each image's report holds its verdict per "
        "requirement, findings, layer timeline and what could not be assessed.</p>\n"
        f'<table id="images">\n{COLUMNS}\n<tr>{head}</tr>\n{rows}\n</table>\n</body>\n</html>\n'
    )


COLUMNS = (
    '<colgroup><col><col class="platform"><col class="verdict"><col class="findings">'
    '<col class="report"></colgroup>'
)
"""Fixed widths: a long reference wraps in its cell instead of squeezing the verdicts."""


def _html_row(entry: ImageEntry) -> str:
    badges = "".join(
        f'<span class="sev" style="background:{COLORS[s]}">{n} {s}</span>'
        for s, n in entry.counts
        if n
    )
    link = escape(f"{entry.folder}/report.html")
    verdict = "fail" if entry.failing else "ok"
    return (
        f'<tr class="image" data-folder="{escape(entry.folder)}">'
        f"<td>{escape(entry.names)}</td><td>{escape(entry.platform)}</td>"
        f'<td class="{verdict}">{escape(entry.verdict)}</td><td>{badges or "none"}</td>'
        f'<td><a href="{link}">{escape(entry.folder)}</a></td></tr>'
    )
