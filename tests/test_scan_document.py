"""The scan document says which findings it lists and counts, by severity, those it does not."""

from __future__ import annotations

from pathlib import Path

from analyzer.detectors.context import ScanOptions
from analyzer.findings.model import Severity
from analyzer.scan import scan_archive
from analyzer.severity_filter import SeverityFilter
from analyzer.views import scan_document


def test_every_finding_is_listed_by_default_and_nothing_is_counted_as_hidden(
    built: dict[str, Path],
) -> None:
    [image] = scan_document(scan_archive(built["example"]))["images"]
    assert image["listed_severities"] == ["critical", "high", "medium", "low", "info"]
    assert image["severity_option"] is None and "min_severity" not in image
    assert set(image["hidden_by_severity"].values()) == {0}
    assert image["hidden_below_min_severity"] == 0


def test_a_listing_counts_what_it_leaves_out_by_severity(built: dict[str, Path]) -> None:
    result = scan_archive(built["example"])
    listing = SeverityFilter.exactly([Severity.MEDIUM])
    [image] = scan_document(result, listing=listing)["images"]
    [everything] = scan_document(result)["images"]
    assert {f["severity"] for f in image["findings"]} == {"medium"}
    assert image["summary"]["medium"] == everything["summary"]["medium"]
    assert image["summary"]["critical"] == 0
    expected = {s: n for s, n in everything["summary"].items() if s != "medium"}
    assert {s: n for s, n in image["hidden_by_severity"].items() if s != "medium"} == expected


def test_findings_the_scan_itself_dropped_are_counted_but_not_by_severity(
    built: dict[str, Path],
) -> None:
    result = scan_archive(built["example"], options=ScanOptions(min_severity=Severity.HIGH))
    [image] = scan_document(result)["images"]
    assert image["hidden_below_min_severity"] > 0
    assert image["hidden_by_severity"] is None  # unknown: never claim zero
