"""On text that is not ASCII, the prefilter runs each shape rewritten as a byte pattern
(analyzer.secrets.hswide). That rewrite may let more lines through, never fewer: wherever
Python's re (as detect-secrets runs it) matches a text, the rewritten shape matches its UTF-8
bytes, ending on the same character."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.secrets import hswide
from analyzer.secrets.engine import SecretEngine

hs = pytest.importorskip("hyperscan")
FLAGS = ("PREFILTER", "ALLOWEMPTY", "MULTILINE")


def shapes() -> list[tuple[str, int]]:
    """Every pattern the prefilter runs in hyperscan: its shapes and its line checks'."""
    prefilter = SecretEngine().prefilter
    return [shape for key in prefilter.database_keys for shape in key]


def compiled(pattern: str, flags: int) -> Any:
    database = hs.Database()
    mode = 0
    for name in FLAGS:
        mode |= getattr(hs, f"HS_FLAG_{name}")
    database.compile(
        expressions=[hswide.byte_superset(pattern, flags | re.M).encode()],
        ids=[0],
        elements=1,
        flags=[mode],
    )
    return database


def match_ends(database: Any, text: str) -> set[int]:
    ends: set[int] = set()

    def on_match(shape: int, start: int, end: int, flags: int, context: Any) -> None:
        ends.add(end)

    database.scan(text.encode("utf-8", "surrogatepass"), match_event_handler=on_match)
    return ends


def python_end(pattern: str, flags: int, text: str) -> int | None:
    """The byte offset where Python's first match in `text` ends, or None."""
    found = re.compile(pattern, flags | re.M).search(text)
    return None if found is None else len(text[: found.end()].encode("utf-8", "surrogatepass"))


def test_every_shape_of_the_enabled_plugins_has_a_byte_superset() -> None:
    """None is left to Python's re on non-ASCII text (that would be slow)."""
    for pattern, flags in shapes():
        compiled(pattern, flags)


@pytest.mark.parametrize("shape", shapes(), ids=lambda shape: shape[0][:40])
def test_wherever_python_matches_a_text_the_byte_superset_matches_its_bytes(
    shape: tuple[str, int],
) -> None:
    """Texts generated from the shape itself, with any Unicode character Python's classes
    take (Unicode letters for \\w, Unicode spaces for \\s, any character for `.` ...)."""
    pattern, flags = shape
    database = compiled(pattern, flags)

    @settings(
        max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(st.from_regex(re.compile(pattern, flags)))
    def check(text: str) -> None:
        end = python_end(pattern, flags, text)
        if end is not None:
            assert end in match_ends(database, text)

    check()


@pytest.mark.parametrize(
    ("pattern", "flags", "text"),
    [
        ("secret", re.I, "my \u017fecret = 1"),  # LONG S folds to s
        ("key", re.I, "\u212aey: x"),  # KELVIN SIGN folds to k
        ("[a-z]{3}", re.I, "\u0130\u0131\u212a"),  # as do the dotted and dotless i
        (r"(?i:pass)\w{4}", 0, "PASS\u00e9t\u00e9s"),  # Unicode letters are \w
        (r"=\s*([0-9a-f]{8})", 0, "=\u3000deadbeef"),  # Unicode spaces are \s
        ("caf\u00e9\\b", 0, "caf\u00e9!"),  # Python's \b is Unicode: a boundary after \u00e9
        (r"(?<=\w)x{3}", 0, "\u00e9xxx"),  # and so are lookarounds
        (r"k.{0,2}v", re.S, "k\U0001f600\nv"),  # counts count characters, not bytes
        ("contrase\u00f1a", re.I, "CONTRASE\u00d1A"),
        (r"[^\s,]{2}", 0, "\u00a0\ud800\udfff"),  # a lone surrogate, as surrogatepass writes it
    ],
)
def test_unicode_corners_python_matches_are_not_lost(pattern: str, flags: int, text: str) -> None:
    end = python_end(pattern, flags, text)
    assert end is not None
    assert end in match_ends(compiled(pattern, flags), text)


def test_the_letters_that_fold_outside_ascii_are_those_this_python_folds() -> None:
    """hswide widens only these letters under IGNORECASE: if a Python adds a fold, this fails."""
    letter = re.compile("[a-z]", re.I)
    partners = [chr(code) for code in range(128, 0x110000) if letter.fullmatch(chr(code))]
    folding = {a for a in string.ascii_letters for c in partners if re.fullmatch(a, c, re.I)}
    assert folding == set(hswide.FOLDS_OUTSIDE_ASCII)


@pytest.mark.parametrize(
    ("pattern", "flags", "text"),
    [
        (r"(['\"])secret\1", 0, "x = 'secret'"),
        (r"(?P<q>[a-z]+)=(?P=q)", re.I, "abc=ABC"),  # IGNORECASE: any case of the group's text
        (r"(\d)?(?(1)b|c)", 0, "c"),
        (r"(\d)?(?(1)b|c)", 0, "1b"),
    ],
)
def test_backreferences_and_conditional_groups_are_widened_to_what_they_can_match(
    pattern: str, flags: int, text: str
) -> None:
    end = python_end(pattern, flags, text)
    assert end is not None
    assert end in match_ends(compiled(pattern, flags), text)
