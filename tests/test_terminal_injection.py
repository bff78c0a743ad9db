"""Strings from an archive never drive the terminal: every table cell, heading, notice and
error line shows control characters as visible escapes, one line each; JSON stays exact."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer import cli
from analyzer.cli import main
from analyzer.progress import ProgressLine
from analyzer.terminal import CELL_WIDTH, LINE_WIDTH, table
from fixtures.hostile_text import ESCAPES, FORGED_ROW, NOT_UTF8, TAG, write_terminal_image

SHOWN = "\\x1b]0;owned\\x07\\x1b[2J\\x1b[31mRED\\x0d\\x9b31m\\x00NUL\\u202e\\x08"
"""How ESCAPES must look on a terminal."""
TABLE_COMMANDS = [
    ["inspect"],
    ["ls"],
    ["ls", "--history"],
    ["ls", "--deleted"],
    ["scan", "--jobs", "1"],
]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_terminal_image(tmp_path_factory.mktemp("hostile-text") / "term.tar")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_terminal_safe(text: str) -> None:
    for line in text.split("\n"):
        assert line.isprintable(), f"raw control character in {line!r}"


@pytest.mark.parametrize("command", TABLE_COMMANDS, ids=" ".join)
def test_tables_show_control_characters_as_visible_escapes(
    command: list[str], hostile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, command[0], str(hostile), *command[1:], "--wide")
    assert code == 0
    assert_terminal_safe(out)
    assert_terminal_safe(err)
    assert SHOWN in out
    _, fitted, _ = run(capsys, command[0], str(hostile), *command[1:])  # wrapped to 100
    assert_terminal_safe(fitted)
    assert max(len(line) for line in fitted.splitlines()) <= 100


def test_inspect_shows_every_config_string_escaped(
    hostile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(capsys, "inspect", str(hostile), "--wide")
    lines = {line.split("  ", 1)[0]: line for line in out.splitlines() if "  " in line}
    for fact in ("references", "platform", "user", "env names", "labels"):
        assert "\\x1b]0;owned" in lines[fact]
    assert f"label{SHOWN}=value{SHOWN}" in lines["labels"]


def test_a_newline_in_a_name_cannot_forge_an_ls_row(
    hostile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, listing, _ = run(capsys, "ls", str(hostile), "/app", "--format", "json")
    _, out, _ = run(capsys, "ls", str(hostile), "/app", "--wide")
    rows = out.splitlines()[2:]
    assert len(rows) == len(json.loads(listing)["images"][0]["entries"])  # one row per entry
    assert [r for r in rows if "forged" in r] == [
        next(r for r in rows if r.endswith("/app/new\\x0a-rwsr-xr-x  0:0  1  0  forged"))
    ]
    assert not any(r.startswith("-rwsr-xr-x  0:0  1") for r in rows)


def test_a_name_that_is_not_utf8_is_listed_with_its_bytes_escaped(
    hostile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(capsys, "ls", str(hostile), "/app")
    assert "/app/bytes\\xff\\xfe" in out


def test_json_output_keeps_every_archive_string_exact(
    hostile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(capsys, "ls", str(hostile), "--format", "json")
    assert out.isascii()  # controls, NULs and surrogates are JSON escapes
    paths = {e["path"]: e for e in json.loads(out)["images"][0]["entries"]}
    assert {f"/app/evil{ESCAPES}", f"/app/bytes{NOT_UTF8}", f"/{FORGED_ROW}"} <= set(paths)
    assert paths["/app/link"]["link"] == f"/target{ESCAPES}"
    _, out, _ = run(capsys, "inspect", str(hostile), "--format", "json")
    [image] = json.loads(out)["images"]
    assert image["refs"] == [TAG] and image["labels"] == {f"label{ESCAPES}": f"value{ESCAPES}"}
    assert image["platform"] == f"linux/amd64{ESCAPES}"


def test_scan_json_and_sarif_keep_a_finding_path_exact(
    hostile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(capsys, "scan", str(hostile), "--jobs", "1", "--format", "json")
    paths = {f["path"] for f in json.loads(out)["images"][0]["findings"]}
    assert f"/app/suid{ESCAPES}" in paths
    _, out, _ = run(capsys, "scan", str(hostile), "--jobs", "1", "--format", "sarif")
    assert out.isascii() and json.loads(out)["runs"][0]["results"]


ASCII = {"PYTHONIOENCODING": "ascii"}
UTF8 = {"PYTHONIOENCODING": "utf-8"}  # strict: a surrogate written raw would crash
C_LOCALE = {"LC_ALL": "C", "LANG": "C"}


@pytest.mark.parametrize(
    ("command", "environment"),
    [
        (["ls"], ASCII),
        (["ls"], UTF8),
        (["ls"], C_LOCALE),
        (["ls", "--history"], UTF8),
        (["inspect"], ASCII),
        (["scan", "--jobs", "1"], ASCII),
    ],
    ids=["ls-ascii", "ls-utf8", "ls-C", "history-utf8", "inspect-ascii", "scan-ascii"],
)
def test_no_output_encoding_makes_a_command_crash(
    command: list[str], environment: dict[str, str], hostile: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONIOENCODING", "LC_ALL"}}
    proc = subprocess.run(
        [sys.executable, "-m", "analyzer", command[0], str(hostile), *command[1:], "--wide"],
        capture_output=True,
        env={**env, **environment},
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    assert b"\x1b" not in proc.stdout and b"\\x1b]0;owned" in proc.stdout


def test_an_error_quoting_the_archive_is_one_printable_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fixtures.example import example_image  # noqa: PLC0415
    from fixtures.oci import oci_content  # noqa: PLC0415
    from fixtures.outer import write_tar_archive  # noqa: PLC0415

    content = oci_content([example_image(compression="gzip")])
    index = json.loads(content.data("index.json"))
    index["manifests"][0]["digest"] = f"sha256:{ESCAPES}\nline two\r\nline three" + "a" * 50_000
    content.add_file("index.json", json.dumps(index).encode())
    archive = write_tar_archive(content, tmp_path / "bad-digest.tar")
    code, out, err = run(capsys, "inspect", str(archive))
    assert code == 2 and out == ""
    assert err.startswith("image-audit: error: ") and err.count("\n") == 1
    assert_terminal_safe(err)
    assert len(err) <= LINE_WIDTH + 1


def test_an_internal_error_is_one_printable_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(args: object, layout: object) -> int:
        raise RuntimeError(f"bug near {ESCAPES}\nsecond line")

    monkeypatch.setitem(cli._COMMANDS, "rules", broken)
    code, _, err = run(capsys, "rules")
    assert code == cli.EXIT_INTERNAL
    assert err.startswith("image-audit: internal error") and err.count("\n") == 1
    assert_terminal_safe(err)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_label_cannot_leave_its_line() -> None:
    stream = _Terminal()
    progress = ProgressLine(stream, enabled=True)
    progress(1, 2, f"layer {ESCAPES}\n" + "x" * 500)
    written = stream.getvalue()
    assert written.startswith("\r") and written[1:].isprintable() and len(written) < 120


cells = st.one_of(
    st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=60),
    st.integers(),
    st.none(),
)


@settings(max_examples=300, derandomize=True)
@given(st.lists(st.lists(cells, min_size=3, max_size=3), min_size=1, max_size=5))
def test_a_table_has_one_printable_line_per_row_whatever_its_cells(
    rows: list[list[object]],
) -> None:
    lines = table(rows, ["a", "b", "c"]).split("\n")
    assert len(lines) == len(rows) + 2
    assert all(line.isprintable() for line in lines)


def test_one_huge_cell_cannot_widen_a_table_beyond_its_bound() -> None:
    rows: list[list[object]] = [["x" * 45_000 + "\n" * 45_000, 1]]
    rows += [[f"/file{i}", i] for i in range(2_000)]
    lines = table(rows, ["path", "size"]).split("\n")
    assert max(len(line) for line in lines) <= CELL_WIDTH + 10
    assert lines[2].startswith("x" * (CELL_WIDTH - 3) + "...")


def test_verify_lists_a_tampered_bundles_names_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    name = "report\x1b]0;owned\x07\x1b[2J\x9b31m.json"
    (bundle / "SHA256SUMS").write_text(f"{'0' * 64}  {name}\n", "utf-8")
    code, out, err = run(capsys, "verify", str(bundle))
    assert code == 1 and "report\\x1b]0;owned\\x07\\x1b[2J\\x9b31m.json" in out
    assert_terminal_safe(out + err)


def test_a_usage_error_naming_the_image_is_one_printable_line(
    hostile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "ls", str(hostile), "/nope")
    assert code == 2 and err.count("\n") == 1 and "hostile/term:v1\\x1b]0;owned" in err
    assert_terminal_safe(err)


def test_a_finding_on_a_name_that_is_not_utf8_is_reported_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fixtures.detector_cases import base  # noqa: PLC0415
    from fixtures.formats import write_docker_archive  # noqa: PLC0415
    from fixtures.spec import FileSpec, ImageSpec  # noqa: PLC0415

    setuid = FileSpec(f"usr/bin/su{NOT_UTF8}", b"#!/bin/sh\n", mode=0o4755)
    image = ImageSpec(layers=(base(setuid),), repo_tags=("odd/setuid:1",))
    archive = write_docker_archive([image], tmp_path / "odd.tar")
    evidence = tmp_path / "evidence"
    code = main(["scan", str(archive), "--jobs", "1", "-q", "--bundle", str(evidence)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "/usr/bin/su\\xff\\xfe" in out and "usr/bin/su%FF%FE" in (
        evidence / "findings.sarif"
    ).read_text("utf-8")
