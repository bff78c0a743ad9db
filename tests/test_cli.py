"""The command line: what a user types, what they see, and the exit codes scripts rely on."""

from __future__ import annotations

import ast
import contextlib
import gc
import hashlib
import io
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.archive.digest import short
from analyzer.bundle.report import canonical_json
from analyzer.bundle.ruleset import rules_document
from analyzer.cli import main
from analyzer.cli_args import MAX_NUMBER, build_parser
from analyzer.findings.verdicts import Status, image_verdicts
from analyzer.ls_views import ls_header
from analyzer.table_views import heading
from fixtures.detector_cases import clean_image
from fixtures.formats import write_docker_archive


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_inspect_json_lists_images_with_their_layers(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "inspect", str(built["example"]), "--format", "json")
    doc = json.loads(out)
    assert code == 0
    [image] = doc["images"]
    assert image["refs"] == ["example/shop:latest"]
    assert len(image["layers"]) == 4
    layer = image["layers"][0]
    assert {
        "index",
        "digest",
        "diff_id",
        "compressed_size",
        "uncompressed_size",
        "entries",
        "created_by",
    } <= set(layer)
    assert image["env_names"] == ["PATH", "APP_ENV"]


def test_main_run_in_a_longer_process_leaves_the_garbage_collector_as_it_found_it(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run collects less often over a frozen start (analyzer.collector); a test session or
    a notebook that calls main() gets its thresholds back and nothing left frozen, after a
    scan and after an error alike."""
    before = gc.get_threshold()
    assert run(capsys, "scan", str(built["example"]), "--format", "json")[0] in (0, 1)
    assert run(capsys, "inspect", str(tmp_path / "missing.tar"))[0] == 2
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_inspect_never_prints_env_values(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(capsys, "inspect", str(built["example"]))
    assert "APP_ENV" in out and "APP_ENV=" not in out


def test_inspect_table_shows_layers_and_history(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "inspect", str(built["example"]))
    assert code == 0
    assert "example/shop:latest" in out and "created_by" in out and "rm /app/id_rsa" in out


def test_ls_deleted_lists_recoverable_files(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "ls", str(built["example"]), "--deleted", "--format", "json")
    [image] = json.loads(out)["images"]
    paths = {r["path"]: r for r in image["removed"]}
    assert code == 0
    assert paths["/app/id_rsa"]["how"] == "deleted" and paths["/app/id_rsa"]["by_layer"] == 2


def test_ls_history_of_one_path(built: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "ls", str(built["example"]), "/app/config/.env", "--history", "--format", "json"
    )
    [image] = json.loads(out)["images"]
    assert code == 0
    assert [(s["layer"], s["change"]) for s in image["history"]] == [(1, "added"), (2, "modified")]


def test_ls_subtree(built: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ls", str(built["example"]), "/app/cache")
    assert code == 0 and "/app/cache/fresh.txt" in out and "/etc/passwd" not in out


def test_unknown_path_is_a_usage_error(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "ls", str(built["example"]), "/nope")
    assert code == 2 and "does not exist" in err


def test_unknown_platform_names_the_available_ones(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "inspect", str(built["oci-multiarch"]), "--platform", "linux/s390x")
    assert code == 2 and "linux/amd64" in err and "linux/arm64/v8" in err


@pytest.mark.parametrize(
    "name",
    [
        "hostile-truncated",
        "hostile-digest-mismatch",
        "hostile-bare-rootfs",
        "hostile-bad-index-json",
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_2(
    name: str, built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "inspect", str(built[name]))
    assert code == 2 and out == ""
    assert err.startswith("image-audit: error: ") and err.count("\n") == 1


def test_missing_file_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "inspect", str(tmp_path / "nope.tar"))
    assert code == 2 and "cannot open" in err


def test_python_dash_m_runs_the_cli(built: dict[str, Path]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "analyzer", "inspect", str(built["hostile-empty-tar"])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_the_command_writes_its_whole_report_to_a_pipe_before_it_exits(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The command ends its process without the interpreter's teardown (analyzer.cli.command):
    what it printed to a pipe, buffered, still arrives whole, with the run's exit code."""
    argv = ["scan", str(built["example"]), "--format", "json", "--fail-on", "low"]
    code, out, _ = run(capsys, *argv)
    proc = subprocess.run(
        [sys.executable, "-m", "analyzer", *argv], capture_output=True, text=True, check=False
    )
    assert code == 1 and proc.returncode == code and proc.stderr == ""
    assert len(proc.stdout) > 8192 and json.loads(proc.stdout) == json.loads(out)


def test_rules_lists_every_rule_with_its_pci_references(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "--format", "json")
    doc = json.loads(out)
    ids = [r["rule_id"] for r in doc["rules"]]
    assert code == 0 and ids == sorted(set(ids))
    setuid = next(r for r in doc["rules"] if r["rule_id"] == "IA-SETUID")
    assert setuid["pci"] == ["CG-12.3", "7.2.1", "7.2.2"]
    assert set(doc["requirements"]) >= {p for r in doc["rules"] for p in r["pci"]}


def test_scan_json_has_the_documented_finding_fields(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "scan", str(built["example"]), "--format", "json")
    [image] = json.loads(out)["images"]
    assert code == 0 and image["findings"]
    for finding in image["findings"]:
        assert {
            "rule_id",
            "category",
            "severity",
            "path",
            "layer_index",
            "present_in_final",
            "pci",
        } <= set(finding)
    setuid = next(f for f in image["findings"] if f["rule_id"] == "IA-SETUID")
    assert setuid["path"] == "/app/setuid-helper" and setuid["layer_index"] == 1


def test_scan_prints_sarif_for_pipelines(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "scan", str(built["example"]), "--format", "sarif")
    doc = json.loads(out)
    assert code == 0 and doc["version"] == "2.1.0" and doc["runs"][0]["results"]


def test_sarif_format_is_for_scan_only(built: dict[str, Path]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["inspect", str(built["example"]), "--format", "sarif"])
    assert exit_info.value.code == 2


SIZE_OPTIONS = ["--max-bytes", "--max-layer-bytes", "--max-file-bytes"]
COUNT_OPTIONS = ["--max-entries", "--jobs"]
NONSENSE = ["inf", "-inf", "nan", "-1", "1e400", "9" * 5000, "", "12 apples", "0x10", "1,000"]


@pytest.mark.parametrize("value", NONSENSE, ids=lambda v: v[:12] or "empty")
@pytest.mark.parametrize("option", SIZE_OPTIONS + COUNT_OPTIONS)
def test_nonsense_sizes_and_counts_are_one_line_usage_errors(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["scan", "image.tar", f"{option}={value}"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "Traceback" not in err
    last = err.splitlines()[-1]
    assert last.startswith(f"image-audit scan: error: argument {option}: ") and len(last) < 200


@pytest.mark.parametrize("option", ["--max-bytes", "--max-layer-bytes", *COUNT_OPTIONS])
def test_zero_is_refused_where_it_would_stop_everything(
    option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["scan", "image.tar", option, "0"])
    assert exit_info.value.code == 2 and "below the minimum of 1" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "expected"),
    [("512M", 512 << 20), ("1.5G", 3 << 29), ("10GiB", 10 << 30), ("4096", 4096), ("2 kb", 2048)],
)
def test_sizes_take_the_usual_units(text: str, expected: int) -> None:
    args = build_parser().parse_args(["scan", "image.tar", "--max-bytes", text])
    assert args.max_bytes == expected


def test_max_file_bytes_zero_examines_no_file() -> None:
    args = build_parser().parse_args(["scan", "image.tar", "--max-file-bytes", "0"])
    assert args.max_file_bytes == 0


@settings(max_examples=300, derandomize=True)
@given(st.text(max_size=30), st.sampled_from(SIZE_OPTIONS + COUNT_OPTIONS))
def test_any_size_or_count_is_a_number_in_bounds_or_a_usage_error(text: str, option: str) -> None:
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            args = build_parser().parse_args(["scan", "image.tar", f"{option}={text}"])
    except SystemExit as exit_info:
        assert exit_info.code == 2 and "Traceback" not in stderr.getvalue()
        return
    value = getattr(args, option.removeprefix("--").replace("-", "_"))
    assert isinstance(value, int) and 0 <= value <= MAX_NUMBER


def test_ls_names_each_image_of_a_multi_image_archive(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "ls", str(built["oci-multiarch"]), "/etc")
    headings = [line for line in out.splitlines() if line.startswith("== ")]
    assert code == 0
    assert headings == [
        "== docker.io/example/shop:latest (linux/amd64)",
        "== docker.io/example/shop:latest (linux/arm64/v8)",
    ]


@pytest.mark.parametrize("command", ["inspect", "ls", "timeline", "scan"])
def test_image_narrows_every_reading_command_to_the_image_it_names(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """--image narrows what is read as --platform does: here to the second, untagged image."""
    code, out, _ = run(capsys, command, str(built["docker-legacy-multi"]), "--image", "2", "-q")
    assert code == 0
    assert "example/shop" not in out


CLI_SOURCE = Path(__file__).resolve().parents[1] / "analyzer" / "cli.py"


def imported_modules(source: Path) -> set[str]:
    tree = ast.parse(source.read_text("utf-8"))
    names = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    return names | {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}


def test_the_cli_builds_no_engine_and_reaches_no_secrets_internals() -> None:
    modules = imported_modules(CLI_SOURCE)
    assert not [m for m in modules if m.startswith("analyzer.secrets")]
    assert "SecretEngine" not in CLI_SOURCE.read_text("utf-8")


def test_the_ruleset_in_custody_is_hashed_over_what_it_records(
    built: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "bundle"
    assert main(["scan", str(built["example"]), "--bundle", str(out), "-q", "--jobs", "1"]) == 0
    ruleset = json.loads((out / "custody.json").read_text("utf-8"))["ruleset"]
    recorded = {k: v for k, v in ruleset.items() if k != "sha256"}
    assert ruleset["sha256"] == hashlib.sha256(canonical_json(recorded)).hexdigest()
    assert "IA-SETUID" in ruleset["rules"] and ruleset["detect_secrets"]["plugins"]


def test_rules_table_names_every_rule_once(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules")
    ids = [r["rule_id"] for r in rules_document()["rules"]]
    assert code == 0 and [i for i in ids if f"\n{i} " in out] == ids


def test_headings_name_an_untagged_image_by_its_short_config_digest(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(capsys, "inspect", str(built["example"]), "--format", "json")
    digest = json.loads(out)["images"][0]["config_digest"]
    image = {"refs": [], "config_digest": digest, "platform": "linux/amd64"}
    assert heading(image) == f"== {short(digest)} (linux/amd64)\n" == ls_header(image)[1:]


# ---- the flags trivy, grype, syft and dockle users type ----------------------------------------


def test_dash_capital_v_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["-V"])
    assert exit_info.value.code == 0 and capsys.readouterr().out.startswith("image-audit ")


def test_dash_f_is_format(built: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "inspect", str(built["example"]), "-f", "json")
    assert code == 0 and json.loads(out)["images"]


@pytest.mark.parametrize("command", ["inspect", "ls"])
def test_inspect_and_ls_help_offer_only_the_formats_they_print(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    assert "table or json" in out and "sarif" not in out


def test_scan_help_lists_the_accepted_values(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["scan", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "table, json or sarif" in out and "critical, high, medium, low, info" in out
    assert "--exit-code N" in out and "--bundle DIR" in out
    # argparse writes "-s LIST, --severity LIST" before Python 3.13, "-s, --severity LIST" since
    assert "-s LIST, --severity LIST" in out or "-s, --severity LIST" in out


@pytest.mark.parametrize("command", [["scan", "x.tar"], ["ls", "x.tar"], ["rules"]])
def test_an_unknown_flag_shows_the_usage_of_that_command(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--no-such-flag"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.startswith(f"usage: image-audit {command[0]} ")
    assert f"image-audit {command[0]}: error: unrecognized arguments: --no-such-flag" in err


def scan_doc(capsys: pytest.CaptureFixture[str], archive: Path, *argv: str) -> dict[str, Any]:
    code, out, err = run(capsys, "scan", str(archive), "--jobs", "1", "-f", "json", *argv)
    assert code == 0, err
    image: dict[str, Any] = json.loads(out)["images"][0]
    return image


def test_severity_lists_exactly_the_named_severities_in_any_case(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    everything = scan_doc(capsys, built["example"])
    image = scan_doc(capsys, built["example"], "--severity", "CRITICAL,Low")
    found = Counter(f["severity"] for f in everything["findings"])
    assert {f["severity"] for f in image["findings"]} == {"critical", "low"}
    assert image["listed_severities"] == ["critical", "low"]
    assert image["severity_option"] == "--severity critical,low"
    hidden = {s: n for s, n in found.items() if s not in ("critical", "low")}
    assert {s: n for s, n in image["hidden_by_severity"].items() if n} == hidden
    assert image["hidden_below_min_severity"] == sum(hidden.values())


def test_min_severity_counts_what_it_hides_by_severity(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    image = scan_doc(capsys, built["example"], "--min-severity", "HIGH")
    assert {f["severity"] for f in image["findings"]} <= {"critical", "high"}
    assert image["min_severity"] == "high" and image["hidden_by_severity"]["medium"] > 0
    assert image["hidden_by_severity"]["critical"] == image["hidden_by_severity"]["high"] == 0


def test_a_severity_filter_hiding_failing_findings_keeps_verdicts_from_passing(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    everything = scan_doc(capsys, built["example"])
    passing = {v.requirement for v in image_verdicts(everything) if v.status is Status.PASS}
    image = scan_doc(capsys, built["example"], "--severity", "info")
    judged = {v.requirement: v.status for v in image_verdicts(image)}
    assert passing and not any(judged[r] is Status.PASS for r in passing)
    assert Status.FAIL not in judged.values()  # the failing findings are not listed


def test_the_table_says_what_a_severity_filter_left_out(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "scan", str(built["example"]), "--jobs", "1", "-s", "critical")
    assert code == 0
    assert re.search(r"\(\d+ finding\(s\) not listed, by --severity critical: \d+ high", out)


def test_severity_and_min_severity_are_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["scan", "x.tar", "--severity", "high", "--min-severity", "low"])
    assert exit_info.value.code == 2 and "not allowed with" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["", "high,", "HIGH,,LOW", "urgent", "high,urgent"])
def test_a_bad_severity_list_is_a_usage_error_naming_the_accepted_values(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["scan", "x.tar", f"--severity={value}"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "critical, high, medium, low, info" in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--fail-on", "critical"], 1),
        (["--fail-on", "critical", "--exit-code", "9"], 9),
        (["--fail-on", "critical", "--exit-code", "0"], 0),
        (["--exit-code", "4"], 4),  # trivy: any listed finding
        (["--exit-code", "4", "--severity", "critical"], 4),
        (["--fail-on", "medium", "--severity", "low,info"], 0),  # only listed findings trip
        ([], 0),
    ],
)
def test_exit_code_is_the_status_when_the_policy_trips(
    argv: list[str], expected: int, built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run(capsys, "scan", str(built["example"]), "--jobs", "1", "-q", *argv)
    assert code == expected


def test_exit_code_trips_on_nothing_when_nothing_is_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean = write_docker_archive([clean_image()], tmp_path / "clean.tar")
    code, _, _ = run(capsys, "scan", str(clean), "--jobs", "1", "-q", "--exit-code", "5")
    assert code == 0


@pytest.mark.parametrize("value", ["256", "-1", "x", "1.5"])
def test_an_exit_code_outside_0_to_255_is_a_usage_error(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["scan", "x.tar", f"--exit-code={value}"])
    assert exit_info.value.code == 2 and "exit code from 0 to 255" in capsys.readouterr().err


def test_quiet_prints_only_the_results(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["scan", str(built["example"]), "--jobs", "1", "-f", "json"]
    code, out, err = run(capsys, *argv, "--bundle", str(tmp_path / "a"), "-q")
    assert code == 0 and err == "" and json.loads(out)["images"]
    code, out, err = run(capsys, *argv, "--bundle", str(tmp_path / "b"))
    assert code == 0 and "evidence bundle written to" in err and json.loads(out)["images"]
