"""IA-INSECURE-SOURCE judges what APT and YUM read: source lines, not comments or set-aside
files, one finding a line."""

from __future__ import annotations

from pathlib import Path

from fixtures.detector_cases import _dir, base, clean_image
from fixtures.spec import FileSpec
from tests.detectors.test_rules import scan_spec


def test_only_the_source_lines_apt_and_yum_read_are_judged(tmp_path: Path) -> None:
    lists = b"# deb [trusted=yes] http://old.example/debian stable main\n  # gpgcheck=0\n"
    layer = base(
        _dir("etc/apt"),
        _dir("etc/apt/sources.list.d"),
        FileSpec("etc/apt/sources.list", lists),
        FileSpec(
            "etc/apt/sources.list.d/old.list.disabled", b"deb [trusted=yes] https://a.test/ x\n"
        ),
        FileSpec("etc/apt/sources.list.d/vendor.list", b"deb [trusted=yes] http://v.test/ x y\n"),
        _dir("etc/yum.repos.d"),
        FileSpec("etc/yum.repos.d/app.repo.rpmsave", b"[app]\ngpgcheck=0\n"),
    )
    report = scan_spec(clean_image(layer), tmp_path, "sources")
    found = [f for f in report.findings if f.rule_id == "IA-INSECURE-SOURCE"]
    assert [(f.path, f.severity.value, f.evidence) for f in found] == [
        ("/etc/apt/sources.list.d/vendor.list", "medium", "line 1: trusted=yes")
    ]
