"""A secret found anywhere in an archive is redacted from what every image of it shows.

Image b of the archive quotes, in its tag, a label, a build step, its WorkingDir, a file name
and a link target, a password image a holds in a file and one image a holds in its ENV. Image b
recognises neither itself: `scan` printed both in full for image b in every format, `inspect`
and `ls` the ENV one (they examine no file content, so the file one is their documented
limit).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.detectors.context import ScanOptions
from analyzer.inspection import inspect_archive
from analyzer.scan import scan_archive
from fixtures.cross_image import ENV_PASSWORD, FILE_PASSWORD, QUOTED, write_cross_image_archive


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_cross_image_archive(tmp_path_factory.mktemp("cross") / "two.tar")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    main(list(argv))  # the findings may set a failing exit code: the output is what matters
    out, err = capsys.readouterr()
    return out + err


def shown(text: str, secrets: tuple[str, ...] = QUOTED) -> list[str]:
    return [secret for secret in secrets if secret in text]


@pytest.mark.parametrize("fmt", ["table", "json", "sarif"])
def test_scan_redacts_a_secret_of_one_image_from_every_other_image(
    fmt: str, archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(capsys, "scan", str(archive), "--jobs", "1", "-q", "--wide", "--format", fmt)
    assert shown(out) == []
    assert "Xk9-... (19 chars" in out  # image b's tag, redacted, is still there


def test_scan_reports_each_secret_once_in_the_image_that_holds_it(archive: Path) -> None:
    """Every image redacts every image's secrets, but reports its own only."""
    result = scan_archive(archive, options=ScanOptions(workers=1))
    holding, quoting = result.images
    assert any(f.rule_id.startswith("IA-SECRET") for f in holding.findings)
    assert not any(f.rule_id.startswith("IA-SECRET") for f in quoting.findings)
    for report in result.images:
        assert shown(report.scrub(f"{FILE_PASSWORD} {ENV_PASSWORD}")) == []


def test_each_finding_of_an_image_quotes_its_build_step_redacted_of_other_images_secrets(
    archive: Path,
) -> None:
    _, quoting = scan_archive(archive, options=ScanOptions(workers=1)).images
    steps = [f.created_by for f in quoting.findings if f.layer_index == 1]
    assert steps and all(shown(step) == [] and "/opt/connect" in step for step in steps)


@pytest.mark.parametrize(
    "command",
    [["inspect"], ["inspect", "--format", "json"], ["ls", "--format", "json"], ["ls", "/srv"]],
    ids=" ".join,
)
def test_inspect_and_ls_redact_a_config_secret_of_one_image_from_every_other_image(
    command: list[str], archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(capsys, command[0], str(archive), *command[1:], "--wide")
    assert shown(out, (ENV_PASSWORD,)) == []


def test_every_image_of_an_inspection_gets_the_archive_wide_redactor(archive: Path) -> None:
    seen = inspect_archive(archive)
    step = f"RUN /opt/connect {ENV_PASSWORD}"
    assert [scrub(step) for scrub in seen.scrubs] == [seen.archive_scrub(step)] * 2
    assert shown(seen.archive_scrub(step)) == []


def test_the_bundle_of_a_scan_shows_no_secret_of_any_image_in_any_file(
    archive: Path, tmp_path: Path
) -> None:
    out = tmp_path / "evidence"
    main(["scan", str(archive), "--jobs", "1", "-q", "--bundle", str(out)])
    files = {
        p.relative_to(out).as_posix(): p.read_text("utf-8", "replace")
        for p in out.rglob("*")
        if p.is_file()
    }
    assert {name: shown(text) for name, text in files.items() if shown(text)} == {}
