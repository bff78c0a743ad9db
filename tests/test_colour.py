"""Severities are coloured on a terminal that wants colour, and nowhere else: not with
NO_COLOR, --no-color or TERM=dumb, not in a pipe, a file or JSON; archive text never is."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.colour import RESET, SEVERITY_CODES, wants_colour
from fixtures.hostile_text import write_terminal_image

OUR_CODES = re.compile("|".join(re.escape(c) for c in [*SEVERITY_CODES.values(), RESET]))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def on_terminal(monkeypatch: pytest.MonkeyPatch, *argv: str) -> str:
    """What a command prints to a terminal (stdout replaced by one)."""
    screen = Terminal()
    monkeypatch.setattr(sys, "stdout", screen)
    assert main(list(argv)) == 0
    return screen.getvalue()


@pytest.fixture(autouse=True)
def colour_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


def test_a_terminal_sees_coloured_severities(
    built: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = on_terminal(monkeypatch, "scan", str(built["example"]), "--jobs", "1")
    assert f"{SEVERITY_CODES['critical']}critical{RESET}" in out
    assert f"{SEVERITY_CODES['low']}low{RESET}" in out
    assert f"{SEVERITY_CODES['high']}high{RESET}" in on_terminal(monkeypatch, "rules")


@pytest.mark.parametrize(
    ("environ", "flag"),
    [({"NO_COLOR": "1"}, []), ({"NO_COLOR": "anything"}, []), ({}, ["--no-color"])],
    ids=["NO_COLOR=1", "NO_COLOR=anything", "--no-color"],
)
def test_no_color_or_the_flag_turn_colour_off(
    environ: dict[str, str],
    flag: list[str],
    built: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    out = on_terminal(monkeypatch, "scan", str(built["example"]), "--jobs", "1", *flag)
    assert "\x1b" not in out


def test_a_pipe_a_file_and_json_get_no_colour(
    built: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["scan", str(built["example"]), "--jobs", "1"]) == 0
    assert "\x1b" not in capsys.readouterr().out  # captured: not a terminal
    out = on_terminal(
        monkeypatch, "scan", str(built["example"]), "--jobs", "1", "-o", str(tmp_path / "r")
    )
    assert out == "" and "\x1b" not in (tmp_path / "r").read_text("utf-8")
    assert "\x1b" not in on_terminal(monkeypatch, "rules", "-f", "json")


def test_archive_text_never_brings_its_own_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = write_terminal_image(tmp_path / "term.tar")
    out = on_terminal(monkeypatch, "scan", str(hostile), "--jobs", "1")
    assert OUR_CODES.search(out)  # coloured...
    assert all(line.isprintable() for line in OUR_CODES.sub("", out).split("\n"))  # ...only ours


def test_colour_is_wanted_only_by_a_terminal_without_no_color_or_dumb() -> None:
    terminal, pipe = Terminal(), io.StringIO()
    assert wants_colour(terminal, {}, refused=False)
    assert wants_colour(terminal, {"NO_COLOR": ""}, refused=False)  # no-color.org: non-empty
    assert not wants_colour(terminal, {"NO_COLOR": "0"}, refused=False)
    assert not wants_colour(terminal, {"TERM": "dumb"}, refused=False)
    assert not wants_colour(terminal, {}, refused=True)
    assert not wants_colour(pipe, {}, refused=False)
