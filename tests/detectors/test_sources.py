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


def test_settings_that_turn_signature_or_tls_checks_off_are_found_where_the_tools_read_them(
    tmp_path: Path,
) -> None:
    layer = base(
        _dir("etc/apt"),
        _dir("etc/apt/apt.conf.d"),
        _dir("etc/apt/sources.list.d"),
        FileSpec("etc/apt/apt.conf.d/99insecure", b'APT::Get::AllowUnauthenticated "true";\n'),
        FileSpec("etc/apt/apt.conf.d/98tls", b'Acquire::https::Verify-Peer "false";\n'),
        FileSpec("etc/apt/apt.conf.d/97old.bak", b'APT::Get::AllowUnauthenticated "true";\n'),
        FileSpec("etc/apt/sources.list.d/vendor.sources", b"Types: deb\nTrusted: yes\n"),
        _dir("etc/yum.repos.d"),
        FileSpec("etc/yum.repos.d/app.repo", b"[app]\nsslverify=0\n"),
        _dir("etc/xdg"),
        _dir("etc/xdg/pip"),
        FileSpec("etc/xdg/pip/pip.conf", b"[global]\ntrusted-host = pypi.internal\n"),
    )
    report = scan_spec(clean_image(layer), tmp_path, "settings")
    found = {(f.path, f.evidence) for f in report.findings if f.rule_id == "IA-INSECURE-SOURCE"}
    assert found == {
        ("/etc/apt/apt.conf.d/99insecure", 'line 1: AllowUnauthenticated "true"'),
        ("/etc/apt/apt.conf.d/98tls", 'line 1: Verify-Peer "false"'),
        ("/etc/apt/sources.list.d/vendor.sources", "line 2: Trusted: yes"),
        ("/etc/yum.repos.d/app.repo", "line 2: sslverify=0"),
        ("/etc/xdg/pip/pip.conf", "line 2: trusted-host ="),
    }


def test_a_source_file_of_blank_lines_is_read_in_linear_time(tmp_path: Path) -> None:
    """`^\\s*` ran over every blank line after each line start: 40,000 blank lines took 32 s."""
    from fixtures.formats import write_docker_archive  # noqa: PLC0415
    from tests.bounded import run_bounded  # noqa: PLC0415

    lists = b"\n" * 1_000_000 + b"deb [trusted=yes] http://v.test/ x y\n"
    layer = base(_dir("etc/apt"), FileSpec("etc/apt/sources.list", lists))
    archive = write_docker_archive([clean_image(layer)], tmp_path / "blank.tar")
    outcome = run_bounded(
        "from pathlib import Path\n"
        "from analyzer.scan import scan_archive\n"
        f"[report] = scan_archive(Path({str(archive)!r})).images\n"
        "found = [f.evidence for f in report.findings if f.rule_id == 'IA-INSECURE-SOURCE']\n"
        "assert found == ['line 1000001: trusted=yes'], found"
    )
    assert outcome.line == "OK"
