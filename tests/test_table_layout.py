"""Tables fit the terminal: COLUMNS, else the terminal's width, else 100; long text wraps at
word boundaries instead of being cut; --wide keeps every cell whole on one line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.cli import main
from analyzer.terminal import Column, Layout, table, table_lines, terminal_width, wrap


class Terminal(io.StringIO):
    """A stream that says it is a terminal (of no size: fileno() fails)."""

    def isatty(self) -> bool:
        return True


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


@pytest.mark.parametrize("command", [["scan", "--jobs", "1"], ["inspect"], ["ls", "--history"]])
def test_scan_inspect_and_ls_fit_100_columns(
    command: list[str], built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert widest(run(capsys, command[0], str(built["example"]), *command[1:])) <= 100


def test_rules_fit_100_columns_with_the_longest_rule_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = run(capsys, "rules")
    assert widest(out) <= 100 and "IA-SECRET-ONEPASSWORD-SERVICE-ACCOUNT " in out


def test_columns_sets_the_width(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert widest(run(capsys, "ls", str(built["example"]), "--history")) <= 80
    monkeypatch.setenv("COLUMNS", "200")
    assert widest(run(capsys, "ls", str(built["example"]), "--history")) > 100


def test_evidence_wraps_at_word_boundaries_instead_of_being_cut(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(capsys, "scan", str(built["example"]), "--jobs", "1", "-f", "json")
    [labels] = [
        f for f in json.loads(out)["images"][0]["findings"] if f["rule_id"] == "IA-LABELS-MISSING"
    ]
    table_out = run(capsys, "scan", str(built["example"]), "--jobs", "1")
    lines = table_out.splitlines()
    start = next(i for i, line in enumerate(lines) if "IA-LABELS-MISSING" in line) + 1
    shown = []
    while lines[start].startswith(" "):
        shown.append(lines[start].strip())
        start += 1
    assert " ".join(shown) == labels["evidence"] and len(shown) > 1


def test_wide_puts_each_finding_with_its_whole_evidence_on_one_line(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(capsys, "scan", str(built["example"]), "--jobs", "1", "--wide")
    [row] = [line for line in out.splitlines() if "IA-LABELS-MISSING" in line]
    assert row.endswith("no maintainer or description either") and widest(out) > 100


def test_width_is_columns_then_the_terminal_then_100() -> None:
    pipe, terminal = io.StringIO(), Terminal()
    assert terminal_width(pipe, {"COLUMNS": "132"}) == 132
    assert terminal_width(pipe, {}) == 100
    assert terminal_width(terminal, {}) == 100  # a terminal of unknown size
    assert terminal_width(pipe, {"COLUMNS": "12"}) == 40  # nothing fits in less
    assert terminal_width(pipe, {"COLUMNS": "wide"}) == 100
    assert terminal_width(pipe, {"COLUMNS": "9" * 40}) == 100


def test_a_file_is_not_shaped_by_the_terminal(tmp_path: Path) -> None:
    class Sized(Terminal):
        def fileno(self) -> int:
            raise AssertionError("a file's width must not come from the terminal")

    assert terminal_width(Sized(), {}, tty=False) == 100


@settings(max_examples=300, derandomize=True)
@given(
    st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), max_size=300),
    st.integers(min_value=1, max_value=60),
)
def test_wrapped_lines_fit_and_lose_no_character(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert all(len(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


words = st.text(st.sampled_from("abc/- "), min_size=0, max_size=120)


@settings(max_examples=200, derandomize=True)
@given(
    st.lists(st.tuples(words, st.integers(0, 10**6), words), min_size=1, max_size=8),
    st.integers(min_value=40, max_value=120),
)
def test_a_table_with_wrapping_columns_fits_its_width(
    rows: list[tuple[str, int, str]], width: int
) -> None:
    columns = [Column("path", wrap=10), Column("size"), Column("text", wrap=10, prose=True)]
    text = table([list(r) for r in rows], columns, Layout(width=width))
    assert all(line.isprintable() and len(line) <= width for line in text.splitlines())


def test_a_detail_column_goes_under_its_row_indented() -> None:
    columns = [Column("severity"), Column("rule"), Column("evidence", detail=True)]
    text = table([["high", "IA-X", "word " * 30]], columns, Layout(width=40))
    header, _, row, *details = text.splitlines()
    assert header == "severity  rule" and row == "high      IA-X"
    assert len(details) == 5 and all(d.startswith(" " * 10 + "word") for d in details)


cells = st.one_of(words, st.integers(-5, 10**6), st.none(), st.booleans())
column_specs = st.builds(
    Column,
    st.sampled_from(["", "path", "size", "evidence"]),
    st.integers(0, 12),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)


@settings(max_examples=300, derandomize=True)
@given(
    st.lists(st.lists(cells, max_size=5), max_size=6),
    st.lists(column_specs, max_size=4),
    st.builds(Layout, st.integers(40, 120), st.booleans()),
    st.booleans(),
)
def test_a_table_printed_line_by_line_from_rows_made_twice_is_the_same_table(
    rows: list[list[object]], columns: list[Column], layout: Layout, header: bool
) -> None:
    """ls prints the table of a huge image this way: it never holds the rows or the lines."""
    lines = table_lines(lambda: iter(rows), columns, layout, header=header)
    assert "\n".join(lines) == table(rows, columns, layout, header=header)
