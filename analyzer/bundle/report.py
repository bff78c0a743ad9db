"""report.json and report.md: one image's evidence, for tools and for a person."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, assert_never

from analyzer.bundle.requirements import not_assessable, requirement_verdicts
from analyzer.bundle.vulnerabilities import vulnerabilities_markdown
from analyzer.findings.verdicts import Status, severity_rule, verdict_line
from analyzer.text import printable

REPORT_SCHEMA_VERSION = 2
"""2: a verdict per requirement is fail, pass, not-assessed or manual, with its reason, what it
checked, the findings behind a fail only, and its lower-severity observations."""


def canonical_json(doc: Any) -> bytes:
    """Stable bytes for a JSON document: sorted keys, two-space indent, final newline, pure
    ASCII: any other character (a control, a bidirectional override, a surrogate from a name
    that was not UTF-8) is its JSON escape, so the document reads back exact and no byte of it
    acts on a terminal or an editor that shows the file."""
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=True) + "\n").encode("ascii")


def report_document(
    image: dict[str, Any],
    archive: dict[str, Any],
    input_facts: dict[str, Any],
    notices: list[str],
) -> dict[str, Any]:
    """The report.json document of one image (validated by schemas/report.schema.json)."""
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "input": input_facts,
        "archive_format": archive["format"],
        "image": {
            k: image[k]
            for k in (
                "refs",
                "platform",
                "source_format",
                "manifest_digest",
                "config_digest",
                "user",
            )
        },
        "layers": image["layers"],
        "summary": image["summary"],
        "requirements": requirement_verdicts(image),
        "not_assessable": not_assessable(),
        "findings": image["findings"],
        "suppressed": image["suppressed"],
        "hidden_below_min_severity": image["hidden_below_min_severity"],
        "os": image.get("os"),
        "packages": image.get("packages", []),
        "signatures": image.get("signatures", []),
        "secret_scan": image.get("secret_scan", {}),
        "notices": notices,
        **({"vulnerabilities": image["vulnerabilities"]} if image.get("vulnerabilities") else {}),
    }


_MD_ESCAPED = str.maketrans({char: "\\" + char for char in "\\|<[]`*_~#"})
"""Markdown syntax a name could use: cells and columns (|), raw HTML (<), links and remote
images ([), code spans, emphasis and strikethrough (` * _ ~), headings (#)."""


def md_cell(value: object) -> str:
    r"""Markdown text from any string (archive strings included), for a table cell or a line:
    one printable line in which every character of Markdown syntax is backslash-escaped
    (CommonMark renders an escaped punctuation character as itself), so that no name can end a
    cell early, forge a column or row, open raw HTML, load a remote image when the report is
    viewed, link anywhere, or strike out, embolden or hide text (`__pycache__` stays itself).

    >>> print(md_cell("a|b\n<img> c:\\"))
    a\|b\\x0a\<img> c:\\
    >>> print(md_cell("![x](https://e.example/p.png) ~~fixed~~ __init__"))
    !\[x\](https://e.example/p.png) \~\~fixed\~\~ \_\_init\_\_
    """
    return printable(str(value)).translate(_MD_ESCAPED)


def _row(cells: list[object]) -> str:
    return "| " + " | ".join(md_cell(c) for c in cells) + " |"


def report_markdown(report: dict[str, Any]) -> str:
    """The assessor's summary: the overall verdict line, a verdict per requirement with what is
    behind it, top findings, what was not assessable."""
    image = report["image"]
    name = ", ".join(image["refs"]) or image["config_digest"]
    verdicts = report["requirements"]
    lines = [
        f"# Image audit: {md_cell(name)}",
        "",
        f"**{verdict_line(Status(v['status']) for v in verdicts)}**",
        "",
        f"- platform: {md_cell(image['platform'])}; config {md_cell(image['config_digest'])}",
        f"- input: {md_cell(report['input']['name'])} ({report['input']['size']} bytes, "
        f"sha256 {report['input']['sha256']})",
        "- findings: " + ", ".join(f"{n} {s}" for s, n in report["summary"].items()),
        "",
        "## Verdict per requirement",
        "",
        *VERDICT_KEY,
        "",
        _row(["requirement", "verdict", "behind the verdict", "observations", "what it asks"]),
        _row(["---"] * 5),
        *(_verdict_row(v, report["findings"]) for v in verdicts),
        "",
        *_top_findings(report["findings"]),
        "",
        *vulnerabilities_markdown(report, md_cell),
        "## Not assessable from the image",
        "",
    ]
    lines += [f"- **{item['practice']}**: {item['reason']}" for item in report["not_assessable"]]
    if report["notices"]:
        lines += ["", "## Notices", ""] + [f"- {md_cell(n)}" for n in report["notices"]]
    return "\n".join(lines) + "\n"


VERDICT_KEY = (f"- {severity_rule()}", *(f"- **{s.label}**: {s.meaning}." for s in Status))
"""What the verdicts mean, above the verdict table."""


def _verdict_row(verdict: dict[str, Any], findings: list[dict[str, Any]]) -> str:
    observed = ", ".join(f"{n} {s}" for s, n in verdict["observations"].items() if n)
    status = Status(verdict["status"])
    return _row(
        [
            verdict["requirement"],
            status.label.upper(),
            _behind(status, verdict, findings),
            observed or "none",
            verdict["text"],
        ]
    )


def _behind(status: Status, verdict: dict[str, Any], findings: list[dict[str, Any]]) -> str:
    """The rules behind a fail, the reason for not assessed or manual, what a pass checked."""
    match status:
        case Status.FAIL:
            failing = set(verdict["findings"])
            rules = Counter(f["rule_id"] for f in findings if f["fingerprint"] in failing)
            named = ", ".join(r if n == 1 else f"{r} x{n}" for r, n in rules.items())
            total = rules.total()
            return f"{total} finding{'' if total == 1 else 's'}: {named}"
        case Status.NOT_ASSESSED | Status.MANUAL:
            return str(verdict["reason"])
        case Status.PASS:
            return f"checked: {verdict['checked']}"
        case _:
            assert_never(status)


def _top_findings(findings: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Top findings",
        "",
        _row(["severity", "rule", "path", "layer", "in final", "evidence"]),
        _row(["---"] * 6),
    ]
    top = [f for f in findings if f["severity"] != "info"][:25]
    return lines + [
        _row(
            [
                f["severity"],
                f["rule_id"],
                f["path"] or "(config)",
                "-" if f["layer_index"] is None else f["layer_index"],
                "yes" if f["present_in_final"] else "no (recoverable)",
                f["evidence"][:120],
            ]
        )
        for f in top
    ]
