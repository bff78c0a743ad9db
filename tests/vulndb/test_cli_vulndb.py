"""The command line: `vulndb import SRC... --to DIR`, then `scan --vuln-db DIR` (or the
IMAGE_AUDIT_VULN_DB environment variable)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.bundle.cyclonedx import cyclonedx_errors
from analyzer.cli import main
from fixtures.formats import write_docker_archive
from fixtures.vulnerable import python_image
from tests.vulndb.records import osv

HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
RECORD = osv("PYSEC-7", "PyPI", "foo", [{"introduced": "0"}, {"fixed": "2.0"}])


def test_import_then_scan_reports_the_vulnerability(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "r.json").write_text(json.dumps(RECORD))
    (tmp_path / "bad.json").write_text("{")
    assert main(["vulndb", "import", str(tmp_path / "r.json"), str(tmp_path / "bad.json"),
                 "--to", str(tmp_path / "db")]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "r.json: 1 records, 0 rejected" in out and "bad.json: not JSON (" in out
    archive = write_docker_archive([python_image([("foo", "1.0")])], tmp_path / "i.tar")
    assert main(["scan", str(archive), "--vuln-db", str(tmp_path / "db"), "-f", "json", "-q"]) == 0
    [image] = json.loads(capsys.readouterr().out)["images"]
    assert [
        f["details"]["vulnerability"] for f in image["findings"] if f["rule_id"] == "IA-VULN"
    ] == ["PYSEC-7"]
    monkeypatch.setenv("IMAGE_AUDIT_VULN_DB", str(tmp_path / "db"))
    assert main(["scan", str(archive), "-f", "json", "-q", "--fail-on", "medium"]) == 1


def test_a_quiet_import_prints_only_its_notices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "r.json").write_text(json.dumps(RECORD))
    (tmp_path / "bad.json").write_text("{")
    good = str(tmp_path / "r.json")
    assert main(["vulndb", "import", good, "--to", str(tmp_path / "db"), "-q"]) == 0
    assert capsys.readouterr().out == ""
    both = [good, str(tmp_path / "bad.json")]
    assert main(["vulndb", "import", *both, "--to", str(tmp_path / "d2"), "-q"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(line.startswith("notice: ") for line in lines)
    assert any("bad.json: not JSON" in line for line in lines)


def test_scan_with_a_folder_that_holds_no_database_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = write_docker_archive([python_image([("foo", "1.0")])], tmp_path / "i.tar")
    assert main(["scan", str(archive), "--vuln-db", str(tmp_path), "-q"]) == 2
    assert "no vulnerability database there" in capsys.readouterr().err


def test_bundle_custody_names_the_data_and_a_suppression_file_accepts_by_vulnerability(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "r.json").write_text(json.dumps({**RECORD, "aliases": ["CVE-2026-7"]}))
    assert main(["vulndb", "import", str(tmp_path / "r.json"), "--to", str(tmp_path / "db")]) == 0
    archive = write_docker_archive([python_image([("foo", "1.0")])], tmp_path / "i.tar")
    bundle = tmp_path / "bundle"
    assert (
        main(
            ["scan", str(archive), "--vuln-db", str(tmp_path / "db"), "--bundle", str(bundle), "-q"]
        )
        == 0
    )
    custody = json.loads((bundle / "custody.json").read_text())
    [source] = custody["vulnerability_data"]["sources"]
    assert source["records"] == 1 and len(source["sha256"]) == 64
    assert custody["vulnerability_data"]["newest_record"] == "2026-11-30T00:00:00Z"
    accepted = tmp_path / "accepted.toml"
    accepted.write_text('[[suppress]]\nvulnerability = "CVE-2026-7"\nreason = "not reachable"\n')
    capsys.readouterr()
    assert main(["scan", str(archive), "--vuln-db", str(tmp_path / "db"), "--suppressions",
                 str(accepted), "-f", "json", "-q"]) == 0  # fmt: skip
    [image] = json.loads(capsys.readouterr().out)["images"]
    assert [f for f in image["findings"] if f["rule_id"] == "IA-VULN"] == []


def test_bundle_reports_list_the_vulnerability_cyclonedx_against_the_package_component(
    tmp_path: Path,
) -> None:
    record = {**RECORD, "aliases": ["CVE-2026-7"], "severity": [{"type": "CVSS_V3", "score": HIGH}]}
    (tmp_path / "r.json").write_text(json.dumps(record))
    assert main(["vulndb", "import", str(tmp_path / "r.json"), "--to", str(tmp_path / "db")]) == 0
    archive = write_docker_archive([python_image([("foo", "1.0")])], tmp_path / "i.tar")
    bundle = tmp_path / "bundle"
    assert (
        main(
            ["scan", str(archive), "--vuln-db", str(tmp_path / "db"), "--bundle", str(bundle), "-q"]
        )
        == 0
    )
    bom = json.loads((bundle / "packages.cdx.json").read_text())
    assert cyclonedx_errors(bom) == []
    [vulnerability] = bom["vulnerabilities"]
    [component] = [c for c in bom["components"] if c["name"] == "foo"]
    assert vulnerability["id"] == "PYSEC-7" and vulnerability["references"][0]["id"] == "CVE-2026-7"
    assert vulnerability["affects"][0]["ref"] == component["bom-ref"] == "pkg:pypi/foo@1.0"
    assert vulnerability["ratings"] == [
        {"score": 7.5, "severity": "high", "method": "CVSSv31", "vector": HIGH}
    ]
    assert vulnerability["recommendation"] == "upgrade foo to 2.0 or later"
    markdown = (bundle / "report.md").read_text()
    assert "## Known vulnerabilities" in markdown
    assert "| high | PYSEC-7 | foo | 1.0 | 2.0 | 1 | CVE-2026-7 |" in markdown
    page = (bundle / "report.html").read_text()
    assert '<section id="vulnerabilities">' in page and "<td>PYSEC-7</td>" in page
    assert json.loads((bundle / "report.json").read_text())["vulnerabilities"]["matched"] == 1


def test_diff_shows_resolved_and_new_vulnerabilities(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [
        RECORD,
        osv("PYSEC-8", "PyPI", "bar", [{"introduced": "0"}, {"fixed": "3.0"}]),
        osv("PYSEC-9", "PyPI", "baz", [{"introduced": "1.1"}, {"fixed": "1.2"}]),
    ]
    for record in records:
        (tmp_path / f"{record['id']}.json").write_text(json.dumps(record))
    sources = [str(tmp_path / f"{r['id']}.json") for r in records]
    assert main(["vulndb", "import", *sources, "--to", str(tmp_path / "db")]) == 0
    old = python_image([("foo", "1.0"), ("bar", "1.0"), ("baz", "1.0")])
    new = python_image([("foo", "2.0"), ("bar", "2.0"), ("baz", "1.1")])
    old_tar = write_docker_archive([old], tmp_path / "old.tar")
    new_tar = write_docker_archive([new], tmp_path / "new.tar")
    capsys.readouterr()
    argv = ["diff", str(old_tar), str(new_tar), "--vuln-db", str(tmp_path / "db"), "-f", "json"]
    assert main([*argv, "--fail-on-new", "medium"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    vulns = {
        kind: [f["evidence"].split(";")[0] for f in findings[kind] if f["rule_id"] == "IA-VULN"]
        for kind in ("new", "resolved")
    }
    # bar 1.0 -> 2.0 is still below 3.0: the same vulnerability, unchanged (not resolved + new)
    assert vulns == {
        "new": ["baz 1.1 is affected by PYSEC-9"],
        "resolved": ["foo 1.0 is affected by PYSEC-7"],
    }
