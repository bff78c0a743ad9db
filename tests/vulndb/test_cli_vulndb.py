"""The command line: `vulndb import SRC... --to DIR`, then `scan --vuln-db DIR` (or the
IMAGE_AUDIT_VULN_DB environment variable)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.cli import main
from fixtures.formats import write_docker_archive
from fixtures.vulnerable import python_image
from tests.vulndb.records import osv

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


def test_scan_with_a_folder_that_holds_no_database_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = write_docker_archive([python_image([("foo", "1.0")])], tmp_path / "i.tar")
    assert main(["scan", str(archive), "--vuln-db", str(tmp_path), "-q"]) == 2
    assert "no vulnerability database there" in capsys.readouterr().err
