"""Our INI transformer gives exactly detect-secrets' INI transformers' lines, only faster.

detect-secrets places each INI value at the line it came from, and its line numbers are what
findings report: any difference would move or lose findings. So the output is compared with
detect-secrets' own ConfigFileTransformer / EagerConfigFileTransformer on tricky snippets, on
every INI-like file of this machine (a deterministic sample) and on generated documents.
"""

from __future__ import annotations

import functools
import io
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from detect_secrets.transformers.config import ConfigFileTransformer, EagerConfigFileTransformer
from detect_secrets.transformers.exceptions import ParsingError

from analyzer.secrets.dscompat import dsbridge
from analyzer.secrets.dscompat.inilines import (
    _has_unusual_whitespace,
    _Invalid,
    _NotSimple,
    _one_pass,
    _simple_lines,
    first_line_matches,
    ini_lines,
)


class _Named(io.StringIO):
    def __init__(self, text: str, name: str) -> None:
        super().__init__(text, newline=None)
        self.name = name


def reference(text: str, *, add_header: bool) -> list[str] | None:
    """detect-secrets' own transformer on the same text."""
    transformer = EagerConfigFileTransformer() if add_header else ConfigFileTransformer()
    try:
        return transformer.parse_file(_Named(text, "x.cfg"))  # type: ignore[arg-type]
    except ParsingError:
        return None


def assert_same(text: str) -> None:
    for add_header in (False, True):
        assert ini_lines(text, add_header=add_header) == reference(text, add_header=add_header), (
            f"add_header={add_header}: {text!r}"
        )


TRICKY = [
    "[db]\npassword = hunter2\n",
    "[db]\npassword: 'quoted'\nuser=\"dq\"\n",
    "[db]\ntoken ==value\nother = :colon-first\n",
    "[db]\nkey = first\n    second\n\n    # comment\n    third\nnext = 1\n",
    "[db]\nempty =\nlist =\n  a\n  b\n",
    "[s]\nkey = value ; not a comment for configparser\n# a comment\n; another\nk2 = v2\n",
    "[s]\n# pragma: allowlist nextline secret\npassword = abcdefgh12345678\n",
    "[s]\nk = v\n[s]\nk = w\n",  # duplicate section: configparser error
    "[s]\nk = v\nk = w\n",  # duplicate option: configparser error
    "[s]\nk = 100%\n",  # bad interpolation
    "[s]\nbase = /srv\npath = %(base)s/data\n",  # interpolation makes a value not in the text
    "[DEFAULT]\nshared = x\n[s]\nown = y\n",
    "[s]\r\nkey = crlf\r\nother = two\r\n",
    "[s]\n\tkey\t=\ttabbed\n",
    "[s]\nkey with spaces = value with spaces\n",
    '[s]\nk = "inner \\"quote\\""\nj = it\'s\n',
    "[s]\nrepeat = same\nrepeat2 = same\nrepeat3 = same\n",
    "[s]\na = 1\n[t]\na = 1\n[u]\na = 2\n",
    "[s]\n\u03ba\u03bb\u03b5\u03b9\u03b4\u03af = \u03c4\u03b9\u03bc\u03ae\n",  # Greek
    "[s]\nk =\u00a0nbsp\n",
    "KEY=value\nOTHER=two\n",  # no header: only the eager transformer reads it
    "KEY=value\n[later]\nx = 1\n",
    "just text\n",
    "",
    "[s]\n",
    "[s]\nnovalue\n",
    "[s]\n  indented = first\nk = v\n",
    "[s]\nk = v\n  continuation\nk2 = v2\n  cont2\n",
    "[s]\nk = = v\nj :: w\nl =: x\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_snippets_give_detect_secrets_own_lines(text: str) -> None:
    assert_same(text)


@functools.cache
def every_ini_like_file() -> tuple[Path, ...]:
    suffixes = {".ini", ".cfg", ".conf", ".service", ".socket", ".desktop", ".timer"}
    roots = [Path("/etc"), Path("/usr/lib"), Path("/usr/share"), Path(sys.prefix)]
    roots.append(Path(__file__).resolve().parents[2] / "fixtures")
    found: set[Path] = set()
    for root in roots:
        for path in root.rglob("*"):
            try:
                if path.suffix in suffixes and path.is_file() and path.stat().st_size < 200_000:
                    found.add(path)
            except OSError:
                continue
    return tuple(sorted(found))


def ini_like_files() -> list[Path]:
    ordered = every_ini_like_file()
    return list(ordered[:: max(1, len(ordered) // 300)])


def test_every_ini_like_file_on_this_machine_gives_the_same_lines() -> None:
    compared = 0
    for path in ini_like_files():
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        assert_same(text)
        compared += 1
    assert compared >= 20


def generated(rng: random.Random) -> str:
    keys = ["password", "token", "user", "host", "a", "key with space", "x_y", "DB_PASS"]
    values = ["hunter2", "'quoted'", '"dq"', ":x", "=y", "", "a b c", "abc123ZZ==", "%(a)s", "v"]
    out: list[str] = []
    if rng.random() < 0.8:
        out.append(f"[{rng.choice(['main', 'DEFAULT', 'db'])}]")
    for _ in range(rng.randint(0, 12)):
        roll = rng.random()
        if roll < 0.1:
            out.append(rng.choice(["# comment", "; comment", "", "   "]))
        elif roll < 0.2:
            out.append(f"[{rng.choice(['s1', 's2', 'db'])}]")
        elif roll < 0.3:
            out.append(" " * rng.randint(1, 4) + rng.choice(values))
        else:
            delimiter = rng.choice(["=", " = ", ": ", " =", "==", ":="])
            out.append(f"{rng.choice(keys)}{delimiter}{rng.choice(values)}")
    return rng.choice(["\n", "\r\n"]).join(out) + rng.choice(["", "\n"])


def test_generated_documents_give_the_same_lines() -> None:
    rng = random.Random(20261124)
    for _ in range(1500):
        assert_same(generated(rng))


@pytest.mark.parametrize(
    ("line", "key", "value", "expected"),
    [
        ("k = v", "k", "v", True),
        ("k=v", "k", "v", True),
        ("kv", "k", "v", False),  # at least one separator
        ("k ::== :v", "k", ":v", True),  # the separator run gives back what the value needs
        ("k = v", "k", "w", False),
        ("k = value", "k", "val", True),  # a prefix of the line is enough (re.match)
        ("  k = v", "k", "v", True),
        ("k = ", "k", "", True),
    ],
)
def test_first_line_match_is_the_regex_match(
    line: str, key: str, value: str, expected: bool
) -> None:
    import re  # noqa: PLC0415

    pattern = re.compile(rf"^\s*{re.escape(key)}[ :=]+{re.escape(value)}")
    assert first_line_matches(line, key, value) is expected
    assert bool(pattern.match(line)) is expected


def test_transformed_lines_follow_detect_secrets_transformer_order() -> None:
    """An INI-looking YAML file is read by the INI transformer first, as detect-secrets does;
    a YAML file the INI parser rejects goes on to the YAML transformer."""
    from detect_secrets.transformers import get_transformed_file  # noqa: PLC0415

    for name, text in [
        ("a.yaml", "[x]\nkey = value\n"),
        ("a.yaml", "key: 'abc'\nother: [1, 2]\n"),
        ("a.cfg", "[x]\nkey = value\n"),
        ("a.env", "KEY=value\n"),
    ]:
        for eager in (False, True):
            expected = get_transformed_file(_Named(text, name), use_eager_transformers=eager)  # type: ignore[arg-type]
            assert dsbridge.transformed_lines(text, name, eager=eager) == (expected or None)


# -- the fast path: a one-pass reading of simple files -------------------------------------------

DECLINED = "declined"


def fast_answer(text: str, *, add_header: bool) -> list[str] | str | None:
    """The one pass's answer: its lines, None where it knows detect-secrets raises, or DECLINED
    where it leaves the file to the general path."""
    try:
        return _one_pass(text, add_header)
    except _Invalid:
        return None
    except _NotSimple:
        return DECLINED


def assert_fast_path_agrees(text: str) -> int:
    """Whenever the one pass answers, detect-secrets says the same; how often it answered."""
    answered = 0
    for add_header in (False, True):
        answer = fast_answer(text, add_header=add_header)
        assert _simple_lines(text, add_header) == (answer if isinstance(answer, list) else None)
        if answer != DECLINED:
            expected = reference(text, add_header=add_header)
            assert answer == expected, f"add_header={add_header}: {text!r}"
            answered += 1
    return answered


FAST_TRICKY = {
    "empty values": "[s]\na =\nb = v\nc:\n",
    "an empty value before the same key elsewhere": "[a]\nk =\n[b]\nk = v\n",
    "key:value": "[s]\nkey:value\nother: v\n",
    "a = b = c": "[s]\na = b = c\nd : e = f\n",
    "a delimiter run": "[s]\ntoken ==value\nother = :colon-first\nl =: x\n",
    "[a] junk": "[a] junk\nk = v\n",
    "a bracket in a header": "[a]b]\nk = v\n",
    "a key starting with a bracket": "[s]\n[]k = v\n[x = y\n",
    "one key in two sections": "[a]\nk = v\n[b]\nk = v\n[c]\nk = w\n",
    "the same value under related keys": "[s]\npass = word\npassword = word\np = word\n",
    "a key that is a prefix of a passed key": "[s]\npassword =\npass = word\n",
    "a passed key that is a prefix of the key": "[s]\npass =\npassword = word\n",
    "a value that is a prefix of a passed line's": "[s]\nk =\n[t]\nk = v\n",
    "a passed line the walk no longer sees": "[a]\nk =\nj = v\n[b]\nk =\n  cont\n",
    "CRLF": "[s]\r\nkey = crlf\r\n\r\nother = two\r\n",
    "lone CR": "[s]\rkey = cr\rother = two\r",
    "no newline at the end": "[s]\nk = v",
    "a section alone": "[s]\n",
    "sections alone": "[a]\n\n[b]\n# c\n",
    "[global] without add_header": "[global]\nk = v\n",
    "quotes": "[s]\na = 'q'\nb = \"dq\"\nc = 'mixed\"\nd = say \"hi\"\ne = \"\nf = ''\ng = '\n",
    "comments and blanks between": "[s]\na = 1\n\n# c\n; d\n   \n  # indented\nb = 2\n\n\n",
    "a continuation": "[s]\nkey = first\n    second\n\n    # comment\n    third\nnext = 1\n",
    "a value only on continuation lines": "[s]\nlist =\n  a\n\n  b\nafter = x\n",
    "an indented option then a deeper one": "[s]\n  k = v\n    cont\n  j = w\nl = x\n",
    "a continuation that looks like a header": "[s]\nk = v\n  [t]\nj = w\n",
    "a continuation that looks like an option": "[s]\nk = v\n  j = w\n",
    "an indented header": "  [s]\n  k = v\n[t]\n\tj = w\n",
    "a tab that still matches": "[s]\nk =\t=\n",
    "spaces in keys and values": "[s]\nkey with spaces = value with spaces\n",
    "non-ASCII": "[s]\n\u03ba\u03bb\u03b5\u03b9\u03b4\u03af = \u03c4\u03b9\u03bc\u03ae\n",
    "no header": "KEY=value\nOTHER=two\n",
    "no header then a section": "KEY=value\n[later]\nx = 1\n",
}


@pytest.mark.parametrize("text", FAST_TRICKY.values(), ids=FAST_TRICKY.keys())
def test_fast_path_answers_tricky_files_as_detect_secrets_does(text: str) -> None:
    assert assert_fast_path_agrees(text) >= 1  # answered, at least with or without the header
    assert_same(text)


FAST_DECLINES = {
    "a pragma comment": "[s]\n# pragma: allowlist nextline secret\nk = v\n",
    "the word allowlist in a value": "[s]\nk = allowlist\n",
    "a vertical tab": "[s]\nk = a\x0bb\n",
    "a form feed": "[s]\nk = a\x0cb\n",
    "a file separator": "[s]\nk = a\x1cb\n",
    "a unit separator": "[s]\nk = a\x1fb\n",
    "a next line": "[s]\nk = a\x85b\n",
    "a no-break space": "[s]\nk =\u00a0v\n",
    "a line separator": "[s]\nk = a\u2028b\n",
    "a percent sign": "[s]\nk = 100%\n",
    "an interpolation": "[s]\nbase = /srv\npath = %(base)s/data\n",
    "a percent sign on a continuation line": "[s]\nk = a\n  50%\n",
    "a DEFAULT section": "[DEFAULT]\nshared = x\n[s]\nown = y\n",
    "a tab beside the delimiter": "[s]\nk\t=\tv\n",
    "a header the key's pattern matches": "[]k = v]\n[]k = v\n",
    "an empty option line the next key's pattern matches": "[a]\nk =\n[b]\nk =\n  cont\n",
}


@pytest.mark.parametrize("text", FAST_DECLINES.values(), ids=FAST_DECLINES.keys())
def test_fast_path_declines_what_it_cannot_prove(text: str) -> None:
    for add_header in (False, True):
        assert fast_answer(text, add_header=add_header) == DECLINED
        assert _simple_lines(text, add_header) is None
    assert_same(text)


def test_fast_path_declines_every_character_strip_or_splitlines_sees_beyond_space_and_tab() -> None:
    special = [
        chr(code)
        for code in range(sys.maxunicode + 1)
        if chr(code).isspace() or len(f"a{chr(code)}b".splitlines()) > 1
    ]
    assert "\x0b" in special and "\x1f" in special and "\u2028" in special
    for character in special:
        text = f"[s]\nk = a{character}b\n"
        assert _has_unusual_whitespace(text) is (character not in " \t\n\r"), repr(character)
        assert _has_unusual_whitespace(text + "\u00e9") is (character not in " \t\n\r")


KNOWN_INVALID = {
    "an option before any section": ("k = v\n", False),
    "only comments": ("# a\n\n; b\n", False),
    "nothing": ("", False),
    "a line without a delimiter": ("[s]\nnovalue\n", False),
    "an empty key": ("[s]\n=value\n", True),
    "a repeated option": ("[s]\nk = v\nk = w\n", False),
    "a repeated section": ("[s]\nk = v\n[s]\nj = w\n", False),
    "[global] with add_header": ("[global]\nk = v\n", True),
    "a later section named global with add_header": ("k = v\n[global]\nj = w\n", True),
    "a shell script with add_header": ("#!/bin/sh\necho hello\n", True),
}


@pytest.mark.parametrize(("text", "add_header"), KNOWN_INVALID.values(), ids=KNOWN_INVALID.keys())
def test_fast_path_knows_where_detect_secrets_raises(text: str, add_header: bool) -> None:
    assert fast_answer(text, add_header=add_header) is None
    assert _simple_lines(text, add_header) is None
    assert reference(text, add_header=add_header) is None
    assert ini_lines(text, add_header=add_header) is None


@pytest.fixture(scope="module")
def synthetic_ini_texts(synthetic_texts: dict[str, list[str]]) -> list[str]:
    """The INI files of the secrets benchmark's synthetic corpus."""
    return synthetic_texts["ini"]


def test_fast_path_answers_the_benchmark_ini_files_as_detect_secrets_does(
    synthetic_ini_texts: list[str],
) -> None:
    answered = sum(assert_fast_path_agrees(text) for text in synthetic_ini_texts)
    # the speed-up is real only if the fast path answers nearly all of them itself
    assert len(synthetic_ini_texts) >= 30
    assert answered >= 0.9 * 2 * len(synthetic_ini_texts)


def test_fast_path_gives_the_benchmark_ini_files_lines_of_their_own(
    synthetic_ini_texts: list[str],
) -> None:
    with_lines = [_simple_lines(text, False) for text in synthetic_ini_texts]
    assert sum(bool(lines) for lines in with_lines) >= 0.8 * len(synthetic_ini_texts)


def test_fast_path_answers_every_ini_like_file_on_this_machine_as_detect_secrets_does() -> None:
    answered = compared = 0
    for path in every_ini_like_file():
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        answered += assert_fast_path_agrees(text)
        compared += 1
    assert compared >= 100
    assert answered >= compared  # half of all (file, add_header) pairs at least


# Ordinary shapes are listed several times: hypothesis samples a list uniformly, and most
# documents should be valid INI for the fast path to be compared at all.
SHAPES_HEADERS = ["[s]", "[t]", "[u]", "[k]", "[a] junk", " [v]"] * 3 + [
    "[global]",
    "[]k = v]",
    "[DEFAULT]",
    "[]",
]
SHAPES_KEYS = ["k", "key", "k k", "[]k", "pass", "password", "k2"]
SHAPES_DELIMITERS = ["=", " = ", " = ", ":", ": ", " : ", "==", ":=", " = =", "\t= "]
SHAPES_VALUES = ["", "", "v", "v", "value", "v v", "= v", ":v", "'q'", '"dq"', '"', "k = v", "%"]
SHAPES_OTHER = ["", "   ", "# c", "; c", "  # c"] * 3 + ["novalue", "=v"]
SHAPES_INDENTS = ["", "", "", " ", "\t"]


def ini_like_documents(st: Any) -> Any:
    """INI-like documents from a few line shapes, so that keys, values and lines collide: a
    prelude (the eager transformer's [global]), then sections of options with distinct keys
    (mostly: a repeated key is invalid), each option followed by continuation lines,
    comments, blanks or broken lines."""
    option = st.tuples(
        st.sampled_from(SHAPES_INDENTS),
        st.sampled_from(SHAPES_KEYS),
        st.sampled_from(SHAPES_DELIMITERS),
        st.sampled_from(SHAPES_VALUES),
    )
    after = st.one_of(
        st.builds(
            str.__add__,
            st.sampled_from([" ", "  ", "\t"]),
            st.sampled_from(SHAPES_VALUES + SHAPES_KEYS + SHAPES_HEADERS),
        ),
        st.sampled_from(SHAPES_OTHER),
    )
    body = st.lists(
        st.tuples(option, st.lists(after, max_size=2)),
        max_size=4,
        unique_by=lambda item: item[0][1] + ("" if item[0][0] else "?"),
    )
    headers = st.lists(st.sampled_from(SHAPES_HEADERS), max_size=4, unique=True)

    @st.composite  # type: ignore[untyped-decorator]
    def document(draw: Any) -> str:
        lines = [*_section_lines(draw(st.one_of(st.just([]), body)))]
        for header in draw(headers):
            lines += [header, *_section_lines(draw(body))]
        newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
        return str(newline.join(lines) + (newline if draw(st.booleans()) else ""))

    return document()


def _section_lines(body: list[tuple[tuple[str, str, str, str], list[str]]]) -> Iterator[str]:
    for option, after in body:
        yield "".join(option)
        yield from after


def test_fast_path_answers_hypothesis_documents_as_detect_secrets_does() -> None:
    hypothesis = pytest.importorskip("hypothesis")
    st = pytest.importorskip("hypothesis.strategies")

    @hypothesis.settings(  # type: ignore[untyped-decorator]
        max_examples=800,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(ini_like_documents(st))  # type: ignore[untyped-decorator]
    def check(text: str) -> None:
        assert_fast_path_agrees(text)
        assert_same(text)

    check()
