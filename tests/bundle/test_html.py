"""report.html: self-contained, escaped, deterministic, and right as a person sees it."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from analyzer.bundle.html import report_html
from analyzer.cli import main

SCRIPT_EVIDENCE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def report(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The report.json of the example fixture image, produced by a real scan."""
    out = tmp_path_factory.mktemp("bundle")
    assert main(["scan", str(built["example"]), "--bundle", str(out), "--quiet"]) == 0
    doc: dict[str, Any] = json.loads((out / "report.json").read_text())
    return doc


class Elements(HTMLParser):
    """Every start tag of a page as (tag, attributes), and the text of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def having(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        """Tags whose class list holds `class_` and whose other attributes equal `attrs`."""
        cls = attrs.pop("class_", None)
        return [
            a
            for t, a in self.tags
            if t == tag
            and (cls is None or cls in (a.get("class") or "").split())
            and all(a.get(k) == v for k, v in attrs.items())
        ]


def parse(page: str) -> Elements:
    elements = Elements()
    elements.feed(page)
    return elements


def with_hostile_finding(report: dict[str, Any]) -> dict[str, Any]:
    hostile = copy.deepcopy(report)
    finding = copy.deepcopy(report["findings"][0])
    finding.update(evidence=SCRIPT_EVIDENCE, path='/x"><img src=x onerror=alert(2)>', title="<b>t")
    hostile["findings"].append(finding)
    hostile["notices"] = ["<iframe src=//evil>"]
    return hostile


def test_evidence_from_the_image_is_escaped_and_never_becomes_markup(
    report: dict[str, Any],
) -> None:
    page = report_html(with_hostile_finding(report))
    assert SCRIPT_EVIDENCE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    elements = parse(page)
    assert len(elements.having("script")) == 1  # only the page's own filter script
    assert not elements.having("img") and not elements.having("iframe")
    assert SCRIPT_EVIDENCE in "".join(elements.text)  # shown to the reader as text


def test_same_report_gives_the_same_bytes(report: dict[str, Any]) -> None:
    assert report_html(report) == report_html(copy.deepcopy(report))


def test_page_loads_nothing_from_outside(report: dict[str, Any]) -> None:
    page = report_html(report)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    elements = parse(page)
    assert not [a for _, a in elements.tags if "src" in a or a.get("rel") == "stylesheet"]
    assert not re.search(r"(https?:)?//[a-z]", page.replace("http://www.w3.org/2000/svg", ""))


def test_one_finding_row_per_finding_with_its_severity(report: dict[str, Any]) -> None:
    rows = parse(report_html(report)).having("tr", class_="finding")
    assert len(rows) == len(report["findings"]) > 0
    assert Counter(r["data-severity"] for r in rows) == Counter(
        f["severity"] for f in report["findings"]
    )


def test_timeline_has_one_row_per_layer_with_the_findings_introduced_there(
    report: dict[str, Any],
) -> None:
    elements = parse(report_html(report))
    rows = elements.having("tr", class_="layer")
    assert [r["data-layer"] for r in rows] == [str(x["index"]) for x in report["layers"]]
    per_layer = Counter(f["layer_index"] for f in report["findings"])
    assert [int(r["data-findings"] or 0) for r in rows] == [
        per_layer[x["index"]] for x in report["layers"]
    ]
    gone = [f for f in report["findings"] if not f["present_in_final"] and f["recoverable"]]
    assert len(elements.having("li", class_="recoverable")) == len(gone) > 0


def test_every_section_and_chart_is_present(report: dict[str, Any]) -> None:
    elements = parse(report_html(report))
    for section in ("summary", "requirements", "charts", "timeline", "findings", "notices"):
        assert elements.having("section", id=section), section
    assert elements.having("section", id="not-assessable")
    for chart in ("chart-severity", "chart-layers", "chart-sizes"):
        assert elements.having("svg", id=chart), chart
    sizes = elements.having("svg", id="chart-sizes")
    assert sizes and elements.having("g", class_="bar")
    verdicts = elements.having("tr", class_="requirement")
    assert [v["data-status"] for v in verdicts] == [r["status"] for r in report["requirements"]]
    assert len(elements.having("li", class_="not-assessable")) == len(report["not_assessable"])


def test_findings_and_timeline_tables_have_fixed_column_widths(report: dict[str, Any]) -> None:
    elements = parse(report_html(report))
    for table_id in ("findings-table", "timeline-table", "requirements-table"):
        assert elements.having("table", id=table_id, class_="fixed"), table_id
    assert elements.having("col", class_="path")  # the path column keeps a readable width
    assert "word-break:break-all" not in report_html(report)


def test_a_path_breaks_after_its_slashes(report: dict[str, Any]) -> None:
    page = report_html(report)
    assert '<td class="path"><code>/<wbr>app/<wbr>id_rsa</code></td>' in page


def test_the_browser_does_not_restore_old_filter_state(report: dict[str, Any]) -> None:
    elements = parse(report_html(report))
    inputs = elements.having("input")
    assert inputs and all(i.get("autocomplete") == "off" for i in inputs)


# ---- in a real browser ---------------------------------------------------------------------


def chromium() -> str:
    """The Chromium binary; missing fails in CI (scripts/test installs it) and skips locally."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = "chromium is not installed: apt-get install -y chromium (scripts/test does this)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def render(
    page: Path, tmp: Path, *args: str, fragment: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium on a local page with no network and a throw-away profile."""
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
        page.as_uri() + fragment,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def console_lines(stderr: str) -> list[str]:
    """What the page wrote to its console (errors, uncaught exceptions, CSP violations)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.fixture
def page(report: dict[str, Any], tmp_path: Path) -> Path:
    path = tmp_path / "report.html"
    path.write_text(report_html(with_hostile_finding(report)), encoding="utf-8")
    return path


@pytest.mark.slow
def test_console_check_sees_a_page_that_throws(tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text("<html><body><script>throw new Error('bad page')</script></body></html>")
    lines = console_lines(render(broken, tmp_path, "--dump-dom").stderr)
    assert any("bad page" in line for line in lines)


@pytest.mark.slow
def test_browser_renders_every_row_and_logs_no_console_errors(
    page: Path, report: dict[str, Any], tmp_path: Path
) -> None:
    done = render(page, tmp_path, "--dump-dom")
    assert console_lines(done.stderr) == []
    dom = parse(done.stdout)
    assert dom.having("body", **{"data-ready": "true"}), "the page's script did not run"
    rows = dom.having("tr", class_="finding")
    assert len(rows) == len(report["findings"]) + 1
    assert not [r for r in rows if "hidden" in r]
    assert not dom.having("img") and len(dom.having("script")) == 1
    assert len(dom.having("tr", class_="layer")) == len(report["layers"])


@pytest.mark.slow
def test_severity_in_the_url_fragment_hides_every_other_row(
    page: Path, report: dict[str, Any], tmp_path: Path
) -> None:
    done = render(page, tmp_path, "--dump-dom", fragment="#severity=critical")
    assert console_lines(done.stderr) == []
    rows = parse(done.stdout).having("tr", class_="finding")
    shown = [r for r in rows if "hidden" not in r]
    critical = sum(f["severity"] == "critical" for f in report["findings"]) + 1  # + hostile one
    assert len(shown) == critical > 0
    assert {r["data-severity"] for r in shown} == {"critical"}
    assert len(rows) - len(shown) == len(report["findings"]) + 1 - critical


@pytest.mark.slow
def test_text_filter_in_the_url_fragment_keeps_matching_rows(page: Path, tmp_path: Path) -> None:
    done = render(page, tmp_path, "--dump-dom", fragment="#q=busybox")
    rows = parse(done.stdout).having("tr", class_="finding")
    assert [r["data-rule"] for r in rows if "hidden" not in r] == ["IA-BUSYBOX"]


@pytest.mark.slow
def test_screenshot_shows_a_rendered_page(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    done = render(page, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000")
    assert console_lines(done.stderr) == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 50_000  # a blank 1280x2000 page compresses to a few KiB


@pytest.mark.slow
@pytest.mark.parametrize("fragment", ["#severity=critical", "#severity=CRITICAL"])
def test_severity_in_the_url_fragment_unticks_the_other_boxes(
    fragment: str, page: Path, tmp_path: Path
) -> None:
    done = render(page, tmp_path, "--dump-dom", fragment=fragment)
    boxes = parse(done.stdout).having("input", class_="sev-toggle")
    assert [b["value"] for b in boxes if "checked" in b] == ["critical"]
    assert len(boxes) == 5


MEASURE = """<script>
var page = document.documentElement, paths = document.querySelectorAll("td.path");
var narrowest = Math.min.apply(null, Array.prototype.map.call(paths, function (td) {
  return td.getBoundingClientRect().width; }));
document.body.setAttribute("data-overflow", String(page.scrollWidth - page.clientWidth));
document.body.setAttribute("data-path-width", String(Math.round(narrowest)));
</script>"""
"""Appended to a copy of the page (its CSP allows inline scripts): the layout as measured."""


@pytest.mark.slow
def test_long_evidence_wraps_and_the_path_column_stays_readable(
    report: dict[str, Any], tmp_path: Path
) -> None:
    long = copy.deepcopy(report)
    finding = copy.deepcopy(report["findings"][0])
    finding.update(evidence="A" * 5000, path="/usr/lib/" + "very-long-directory-name/" * 8)
    long["findings"].append(finding)
    path = tmp_path / "long.html"
    path.write_text(report_html(long).replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    done = render(path, tmp_path, "--dump-dom", "--window-size=1280,2000")
    [body] = parse(done.stdout).having("body")
    assert int(body["data-overflow"] or 0) <= 0  # nothing wider than the window
    assert int(body["data-path-width"] or 0) >= 200  # not a column of 8-character pieces
