"""Scanning an e-commerce image: WordPress's wp-config.php, ASP.NET's web.config and ASP.NET
Core's appsettings.json credentials are findings, redacted in every output; the WordPress
sample's placeholders are not."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.findings.model import Finding
from analyzer.scan import scan_archive
from fixtures.web_apps import SECRETS, write_web_app_image


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_web_app_image(tmp_path_factory.mktemp("web-apps") / "web-apps.tar")


@pytest.fixture(scope="module")
def findings(archive: Path) -> list[Finding]:
    [report] = scan_archive(archive).images
    return [f for f in report.findings if f.category == "secrets"]


def test_wp_config_and_web_config_credentials_are_high_findings(findings: list[Finding]) -> None:
    by_hash = {dict(f.details)["secret_sha256"]: f for f in findings}
    for value, (path, rule) in SECRETS.items():
        finding = by_hash[hashlib.sha256(value.encode()).hexdigest()]
        assert (finding.path, finding.rule_id, finding.severity.value) == (path, rule, "high")
        assert finding.present_in_final and finding.pci == ("CG-12.4", "8.6.2")
    assert {f.path for f in findings} == {p for p, _ in SECRETS.values()}


def test_the_wordpress_sample_config_is_no_finding(findings: list[Finding]) -> None:
    assert not [f for f in findings if f.path.endswith("wp-config-sample.php")]


def test_the_findings_say_what_the_value_is_and_never_show_it(
    archive: Path, findings: list[Finding], capsys: pytest.CaptureFixture[str]
) -> None:
    evidence = sorted(f.evidence.split(":")[0] for f in findings)
    assert evidence == [
        "AUTH_KEY in a PHP define()",
        "DB_PASSWORD in a PHP define()",
        "password of a connection string for user orders",
        "password of a connection string for user sa",
    ]
    assert main(["scan", str(archive), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out)["images"][0]["findings"]
    for value in SECRETS:
        assert value not in out and value[:8] not in out
