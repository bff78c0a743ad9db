"""Suppressions: reviewed findings stay hidden with their reason, until they expire."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.errors import UsageError
from analyzer.findings.suppress import load_suppressions


def scan_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main(["scan", *argv, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)["images"][0]


def test_fingerprint_suppression_hides_one_finding_and_says_why(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = str(built["example"])
    _, before = scan_json(capsys, archive)
    setuid = next(f for f in before["findings"] if f["rule_id"] == "IA-SETUID")  # type: ignore[index]
    rules = tmp_path / "ignore.toml"
    rules.write_text(
        f'[[suppress]]\nfingerprint = "{setuid["fingerprint"]}"\n'
        'reason = "helper reviewed, needed"\n'
    )
    _, after = scan_json(capsys, archive, "--suppressions", str(rules), "--show-suppressed")
    assert setuid["fingerprint"] not in {f["fingerprint"] for f in after["findings"]}  # type: ignore[index]
    [hidden] = after["suppressed"]  # type: ignore[misc]
    assert hidden["reason"] == "helper reviewed, needed"


def test_rule_and_path_glob_suppression(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "ignore.toml"
    rules.write_text('[[suppress]]\nrule = "IA-SECRET-*"\npath = "/app/**"\nreason = "demo"\n')
    _, image = scan_json(capsys, str(built["example"]), "--suppressions", str(rules))
    assert not [f for f in image["findings"] if f["rule_id"].startswith("IA-SECRET")]  # type: ignore[union-attr]
    assert image["suppressed"] >= 2  # type: ignore[operator]


def test_expired_suppression_fires_again_with_a_notice(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "ignore.toml"
    rules.write_text(
        '[[suppress]]\nrule = "IA-USER-ROOT"\nreason = "temporary"\nexpires = 2020-01-01\n'
    )
    main(["scan", str(built["example"]), "--suppressions", str(rules), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert "IA-USER-ROOT" in {f["rule_id"] for f in doc["images"][0]["findings"]}
    assert any("expired on 2020-01-01" in n for n in doc["notices"])


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[[suppress]]\nrule = "IA-X"\n', "no reason"),
        ('[[suppress]]\nreason = "why"\n', "needs a fingerprint"),
        ('[[suppress]]\nrule = "IA-X"\nreason = "r"\nexpires = "soon"\n', "expires must be"),
        ("not toml [", "not valid TOML: "),
        ('[[suppress]]\nrule = "IA-X"\nreason = "r"\ncolour = 1\n', "unknown keys"),
    ],
)
def test_bad_suppression_files_are_clear_errors(text: str, says: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(UsageError, match=says):
        load_suppressions(path)


def test_min_severity_and_fail_on(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, image = scan_json(capsys, str(built["example"]), "--min-severity", "high")
    assert code == 0 and image["hidden_below_min_severity"] > 0  # type: ignore[operator]
    assert {f["severity"] for f in image["findings"]} <= {"critical", "high"}  # type: ignore[union-attr]
    code, _ = scan_json(capsys, str(built["example"]), "--fail-on", "critical")
    assert code == 1
