"""Our INI transformer gives exactly detect-secrets' INI transformers' lines, only faster.

detect-secrets places each INI value at the line it came from, and its line numbers are what
findings report: any difference would move or lose findings. So the output is compared with
detect-secrets' own ConfigFileTransformer / EagerConfigFileTransformer on tricky snippets, on
every INI-like file of this machine (a deterministic sample) and on generated documents.
"""

from __future__ import annotations

import io
import random
import sys
from pathlib import Path

import pytest
from detect_secrets.transformers.config import ConfigFileTransformer, EagerConfigFileTransformer
from detect_secrets.transformers.exceptions import ParsingError

from analyzer.secrets import dsbridge
from analyzer.secrets.inilines import first_line_matches, ini_lines


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


def ini_like_files() -> list[Path]:
    suffixes = {".ini", ".cfg", ".conf", ".service", ".socket", ".desktop", ".timer"}
    roots = [Path("/etc"), Path("/usr/lib/systemd"), Path("/usr/share"), Path(sys.prefix)]
    roots.append(Path(__file__).resolve().parents[2] / "fixtures")
    found: set[Path] = set()
    for root in roots:
        for path in root.rglob("*"):
            try:
                if path.suffix in suffixes and path.is_file() and path.stat().st_size < 200_000:
                    found.add(path)
            except OSError:
                continue
    ordered = sorted(found)
    return ordered[:: max(1, len(ordered) // 300)]


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
