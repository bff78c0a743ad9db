"""report.html: one image's report as a single self-contained page a person can read offline.

No network and no external assets: the CSS, the charts (SVG drawn by bundle/charts.py) and the
few lines of filter script are inline, and a Content-Security-Policy forbids loading anything
else. Every string from the report passes through page_assets.escape, because evidence, paths
and history lines come from the image and must never become markup, nor put raw escape
sequences, carriage returns or bidirectional overrides into the page (each is shown as its
visible escape, as on the terminal). Same report in, same bytes out.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, assert_never

from analyzer.bundle.charts import bar_chart, human_size
from analyzer.bundle.page_assets import COLORS, CSP, SCRIPT, SEVERITIES, STYLE, escape
from analyzer.bundle.vulnerabilities import vulnerabilities_html
from analyzer.findings.verdicts import Status, severity_rule, verdict_line

NEUTRAL = "#1565c0"
CONFIG_LAYER = "config"
"""Label of findings that belong to the image config rather than to a layer."""


def report_html(report: dict[str, Any]) -> str:
    """The report.html page of one image's report.json document."""
    sections = [
        _header(report),
        _summary(report),
        _requirements(report),
        _charts(report),
        _timeline(report),
        _findings(report),
        vulnerabilities_html(report),
        _not_assessable(report),
        _notices(report),
    ]
    sections = [s for s in sections if s]
    title = escape(", ".join(report["image"]["refs"]) or report["image"]["config_digest"])
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        f"<title>image-audit: {title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(sections)
        + f"\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )


def _table(head: list[str], rows: list[str], table_id: str, cols: tuple[str, ...] = ()) -> str:
    """A table with an escaped header row; `rows` are complete, already escaped <tr> elements.
    With `cols` (a class per column, "" for a column that takes what is left), the widths are
    fixed: long evidence or paths wrap inside their column instead of widening the page or
    squeezing the path column to a few characters."""
    ths = "".join(f"<th>{escape(h)}</th>" for h in head)
    if not cols:
        return f'<table id="{table_id}">\n<tr>{ths}</tr>\n' + "\n".join(rows) + "\n</table>"
    group = "".join(f'<col class="{c}">' if c else "<col>" for c in cols)
    return (
        f'<table id="{table_id}" class="fixed">\n<colgroup>{group}</colgroup>\n<tr>{ths}</tr>\n'
        + "\n".join(rows)
        + "\n</table>"
    )


def path_html(path: str) -> str:
    """A path, escaped, that a narrow column breaks after a slash rather than anywhere.

    >>> path_html("/app/<x>")
    '/<wbr>app/<wbr>&lt;x&gt;'
    """
    return escape(path).replace("/", "/<wbr>")


def _cells(*values: object) -> str:
    return "".join(f"<td>{escape(str(v))}</td>" for v in values)


def _header(report: dict[str, Any]) -> str:
    image, source = report["image"], report["input"]
    facts = [
        ("References", ", ".join(image["refs"]) or "(untagged)"),
        ("Platform", image["platform"]),
        ("Format", f"{report['archive_format']} ({image['source_format']})"),
        ("Config digest", image["config_digest"]),
        ("Manifest digest", image["manifest_digest"] or "(none)"),
        ("Default user", image["user"] or "(root: none set)"),
        ("Input", f"{source['name']} ({source['kind']}, {source['size']} bytes)"),
        ("Input sha256", source["sha256"]),
    ]
    rows = [f'<tr><th>{escape(k)}</th><td class="mono">{escape(v)}</td></tr>' for k, v in facts]
    line = verdict_line(Status(r["status"]) for r in report["requirements"])
    return (
        '<header id="image">\n<h1>image-audit report</h1>\n'
        f'<p id="verdict-line">{escape(line)}</p>\n'
        + _table([], rows, "identity")
        + ("\n</header>")
    )


def _summary(report: dict[str, Any]) -> str:
    counts = report["summary"]
    items = "".join(
        f'<li class="count" data-severity="{s}">{s}: <b>{int(counts.get(s, 0))}</b></li>'
        for s in SEVERITIES
    )
    extra = (
        f"<p>{len(report['findings'])} findings shown; {int(report['suppressed'])} suppressed; "
        f"{int(report['hidden_below_min_severity'])} below the minimum severity.</p>"
    )
    return f'<section id="summary">\n<h2>Summary</h2>\n<ul>{items}</ul>\n{extra}\n</section>'


def _requirements(report: dict[str, Any]) -> str:
    rows = [_requirement_row(r, report["findings"]) for r in report["requirements"]]
    head = ["Requirement", "Text", "Verdict", "Behind the verdict", "Observations", "Checked"]
    cols = ("mid", "title", "mid", "", "mid", "wide")
    return (
        '<section id="requirements">\n<h2>Verdict per requirement</h2>\n'
        f"<p>{escape(severity_rule())}</p>\n<ul>{STATUS_KEY}</ul>\n"
        + _table(head, rows, "requirements-table", cols)
        + "\n</section>"
    )


STATUS_KEY = "".join(f"<li><b>{s.label}</b>: {escape(s.meaning)}</li>" for s in Status)
"""What each verdict means, above the verdict table."""


def _requirement_row(verdict: dict[str, Any], findings: list[dict[str, Any]]) -> str:
    status = Status(verdict["status"])
    observed = ", ".join(f"{n} {s}" for s, n in verdict["observations"].items() if n)
    return (
        f'<tr class="requirement" data-status="{escape(status.value)}">'
        + _cells(verdict["requirement"], verdict["text"])
        + f'<td class="status-{escape(status.value)}">{escape(status.label)}</td>'
        + f"<td>{_behind(status, verdict, findings)}</td>"
        + _cells(observed or "none", verdict["checked"] or "nothing")
        + "</tr>"
    )


def _behind(status: Status, verdict: dict[str, Any], findings: list[dict[str, Any]]) -> str:
    """Links to every finding behind a fail, or the reason a verdict is not assessed or manual
    (already escaped)."""
    match status:
        case Status.FAIL:
            failing = set(verdict["findings"])
            items = "".join(
                f'<li><a href="#finding-{i}">{escape(f["rule_id"])}</a> '
                f"<code>{path_html(f['path'] or '(config)')}</code></li>"
                for i, f in enumerate(findings)
                if f["fingerprint"] in failing
            )
            return f'<ul class="failing">{items}</ul>'
        case Status.NOT_ASSESSED | Status.MANUAL:
            return escape(str(verdict["reason"]))
        case Status.PASS:
            return "nothing that fails it"
        case _:
            assert_never(status)


def _layer_label(index: int | None) -> str:
    return CONFIG_LAYER if index is None else f"layer {index}"


def _charts(report: dict[str, Any]) -> str:
    findings = report["findings"]
    by_sev = Counter(f["severity"] for f in findings)
    by_layer = Counter(_layer_label(f["layer_index"]) for f in findings)
    layer_names = [_layer_label(layer["index"]) for layer in report["layers"]] + [CONFIG_LAYER]
    charts = [
        bar_chart(
            "chart-severity",
            "Findings by severity",
            [(s, by_sev[s], COLORS[s]) for s in SEVERITIES],
        ),
        bar_chart(
            "chart-layers",
            "Findings by layer",
            [(name, by_layer[name], NEUTRAL) for name in layer_names],
        ),
        bar_chart(
            "chart-sizes",
            "Layer sizes (uncompressed)",
            [
                (_layer_label(x["index"]), int(x["uncompressed_size"]), NEUTRAL)
                for x in report["layers"]
            ],
            human_size,
        ),
    ]
    return (
        '<section id="charts">\n<h2>Charts</h2>\n<div class="charts">'
        + "".join(charts)
        + ("</div>\n</section>")
    )


def _where(finding: dict[str, Any]) -> str:
    if finding["present_in_final"]:
        return "final"
    # Not in the final filesystem: deleted, replaced or hidden by a later layer (the evidence
    # says which); what matters to the reader is that the layer still holds it.
    return "removed later, recoverable" if finding["recoverable"] else "not in final"


def _gone_item(finding: dict[str, Any]) -> str:
    """A finding of this layer that the final filesystem no longer shows."""
    kind = "recoverable" if finding["recoverable"] else "gone"
    return (
        f'<li class="{kind}">{escape(finding["title"])}: <code>{path_html(finding["path"])}</code>'
        f" ({escape(_where(finding))})</li>"
    )


def _timeline(report: dict[str, Any]) -> str:
    rows = []
    for layer in report["layers"]:
        here = [f for f in report["findings"] if f["layer_index"] == layer["index"]]
        gone = "".join(_gone_item(f) for f in here if not f["present_in_final"])
        rows.append(
            f'<tr class="layer" data-layer="{int(layer["index"])}" data-findings="{len(here)}">'
            + _cells(layer["index"])
            + f"<td><code>{escape(layer['created_by'])}</code></td>"
            + _cells(human_size(int(layer["uncompressed_size"])), layer["entries"], len(here))
            + f"<td><ul>{gone}</ul></td></tr>"
        )
    head = ["Layer", "Created by", "Size", "Entries", "Findings", "Not in final"]
    cols = ("narrow", "", "mid", "narrow", "narrow", "")
    return (
        '<section id="timeline">\n<h2>Layer timeline</h2>\n'
        + _table(head, rows, "timeline-table", cols)
        + "\n</section>"
    )


def _finding_row(index: int, finding: dict[str, Any]) -> str:
    sev = escape(finding["severity"])
    return (
        f'<tr class="finding" id="finding-{index}" data-severity="{sev}" '
        f'data-rule="{escape(finding["rule_id"])}">'
        f'<td><span class="sev" style="background:{COLORS.get(finding["severity"], NEUTRAL)}">'
        f"{sev}</span></td>"
        + _cells(finding["rule_id"], finding["title"], _layer_label(finding["layer_index"]))
        + f'<td class="path"><code>{path_html(finding["path"])}</code></td>'
        + _cells(_where(finding), finding["evidence"], ", ".join(finding["pci"]))
        + "</tr>"
    )


def _findings(report: dict[str, Any]) -> str:
    toggles = "".join(
        f'<label><input type="checkbox" class="sev-toggle" value="{s}" autocomplete="off" '
        f"checked> {s}</label>"
        for s in SEVERITIES
    )
    controls = (
        '<div id="controls"><input id="filter" type="search" placeholder="filter findings" '
        f'aria-label="filter findings" autocomplete="off"> {toggles} shown: '
        f'<span id="shown-count">{len(report["findings"])}</span></div>'
    )
    head = ["Severity", "Rule", "Title", "Layer", "Path", "Where", "Evidence", "PCI"]
    cols = ("narrow", "rule", "title", "narrow", "path", "mid", "", "mid")
    rows = [_finding_row(i, f) for i, f in enumerate(report["findings"])]
    return (
        f'<section id="findings">\n<h2>Findings</h2>\n{controls}\n'
        + _table(head, rows, "findings-table", cols)
        + "\n</section>"
    )


def _not_assessable(report: dict[str, Any]) -> str:
    items = "".join(
        f'<li class="not-assessable"><b>{escape(n["practice"])}</b>: {escape(n["reason"])}</li>'
        for n in report["not_assessable"]
    )
    return f'<section id="not-assessable">\n<h2>Not assessable</h2>\n<ul>{items}</ul>\n</section>'


def _notices(report: dict[str, Any]) -> str:
    items = "".join(f'<li class="notice">{escape(n)}</li>' for n in report["notices"])
    return (
        f'<section id="notices">\n<h2>Notices</h2>\n<ul>{items or "<li>none</li>"}</ul>\n</section>'
    )
