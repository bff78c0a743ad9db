"""Every rule fires on its positive image and stays quiet on its negative one."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.scan import ImageReport, scan_archive
from fixtures.detector_cases import DetectorCase, cases, clean_image
from fixtures.formats import write_docker_archive
from fixtures.spec import ImageSpec

CASES = cases()


def scan_spec(spec: ImageSpec, tmp_path: Path, name: str) -> ImageReport:
    archive = write_docker_archive([spec], tmp_path / f"{name}.tar")
    [report] = scan_archive(archive).images
    return report


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule_id}-{i}" for i, c in enumerate(CASES)])
def test_rule_fires_on_its_positive_image(case: DetectorCase, tmp_path: Path) -> None:
    report = scan_spec(case.positive, tmp_path, "positive")
    hits = [f for f in report.findings if f.rule_id == case.rule_id]
    assert hits, f"{case.rule_id} did not fire; found {[f.rule_id for f in report.findings]}"
    if case.path:
        assert case.path in {f.path for f in hits}


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule_id}-{i}" for i, c in enumerate(CASES)])
def test_rule_stays_quiet_on_its_negative_image(case: DetectorCase, tmp_path: Path) -> None:
    report = scan_spec(case.negative, tmp_path, "negative")
    assert [f for f in report.findings if f.rule_id == case.rule_id] == []


def test_clean_image_has_only_the_findings_an_archive_cannot_avoid(tmp_path: Path) -> None:
    report = scan_spec(clean_image(), tmp_path, "clean")
    # A legacy docker-archive cannot carry a signature: not a finding about the image.
    assert [f.rule_id for f in report.findings] == []


@pytest.mark.parametrize(
    ("path", "rule"),
    [
        ("usr/bin/cpan", "IA-PKGMGR"),
        ("usr/local/bin/poetry", "IA-PKGMGR"),
        ("usr/bin/easy_install-3.11", "IA-PKGMGR"),
        ("usr/bin/opkg", "IA-PKGMGR"),
        ("usr/bin/mvn", "IA-COMPILER"),
        ("usr/bin/gradle", "IA-COMPILER"),
        ("usr/bin/perf", "IA-DEBUGGER"),
        ("usr/bin/gdb-multiarch", "IA-DEBUGGER"),
        ("usr/bin/rsync", "IA-NETTOOL"),
        ("usr/sbin/dropbearmulti", "IA-SSHD"),
    ],
)
def test_the_tools_a_reviewer_found_missing_are_recognised(
    path: str, rule: str, tmp_path: Path
) -> None:
    from fixtures.detector_cases import _dir, base  # noqa: PLC0415
    from fixtures.example import fake_elf  # noqa: PLC0415
    from fixtures.spec import FileSpec  # noqa: PLC0415

    folders = [_dir("usr/local"), _dir("usr/local/bin"), _dir("usr/sbin")]
    program = FileSpec(path, fake_elf(path.rsplit("/", 1)[1]), mode=0o755)
    report = scan_spec(clean_image(base(*folders, program)), tmp_path, "tool")
    assert ("/" + path, rule) in {(f.path, f.rule_id) for f in report.findings}
