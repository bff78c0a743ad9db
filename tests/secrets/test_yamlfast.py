"""The line-by-line YAML fast path gives detect-secrets' own YAML lines, or declines.

`fast_yaml_lines` answers only for plain block YAML and returns None (declines) for the rest,
which `transformed_yaml_lines` then reads with libyaml as before. Wherever it answers, its lines
must be exactly those of detect-secrets' `YAMLTransformer` (line numbers are what findings
report), so every answer is compared with detect-secrets itself: on hand-written snippets of
each construct, on the benchmark's synthetic YAML files (where it must answer nearly all, or the
speed-up is gone), on the YAML files of this machine and ../shared, and on documents that
hypothesis builds from a small grammar of line shapes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from detect_secrets.transformers.yaml import _yaml_comment_regex

from analyzer.secrets.dscompat import yamllines, yamlscalar
from analyzer.secrets.dscompat.yamlfast import fast_yaml_lines
from analyzer.secrets.dscompat.yamllines import transformed_yaml_lines
from tests.conftest import SHARED_ABSENT
from tests.secrets.test_yamllines import outcome, read, reference, yaml_files


def answers_as_detect_secrets(text: str) -> bool:
    """Whether the fast path answers; when it does, its lines are detect-secrets' lines."""
    fast = fast_yaml_lines(text)
    if fast is None:
        return False
    assert ("lines", fast) == outcome(reference, text), repr(text)
    return True


# -- hand-written snippets -----------------------------------------------------------------

ANSWERED = {
    "one pair": "key: value",
    "comments, blank lines": "# head\n\na: b  # c\n\n\n# mid\nd: 'e' #f\n",
    "a hash inside a value": "g: x#y #z\nh: \"x #y\" # z\ni: 'a'#c\n",
    "CRLF line ends": "a: 'x'\r\nb: y\r\n",
    "CR line ends": "a: b\rc: d\r",
    "no final line break": "a: b\nc: d",
    "a byte order mark": "\ufeffa: b\n# c\nd: e\n",
    "non-ASCII text": "\u00e9: \"\u00fc\"\n\u043a\u043b\u044e\u0447: '\U0001f600' # \u00e9\n",
    "resolved values are not strings": (
        "a: -1\nb: +1\nc: 0o17\nd: 1_000\ne: .inf\nf: 12:30:00\ng: yes\nh: ~\ni: 0x1f\n"
        "j: 1e3\nk: 2020-01-01\nl: null\nm: .NaN\nn: Off\no: 2001-12-14t21:59:43.10-05:00\n"
    ),
    "lookalikes that stay strings": "a: 1e\nb: yess\nc: 0x\nd: 2020-1-1x\ne: .in\nf: ~x\ng: ._\n",
    "quoted lookalikes are strings": "a: 'true'\nb: \"3\"\nc: ''\nd: \"\"\n",
    "quotes inside values": "a: 'it''s'\nb: 'say \"hi\"'\nc: \"it's\"\nd: x\"y\n",
    "plain scalars with colons": "a: b:c\nd: http://h:80/p?q=1\ne: a :b\nf: ::x\n",
    "plain scalars with indicators inside": "a: b]\nc: x, y\nd: -x\ne: ?x\nf: :x\ng: a - b\n",
    "keys with spaces and colons": "a b: c\nd:e: f\n'q k': v\n\"r: s\": t\nu : w\n",
    "non-string keys keep their text": "1: a\ntrue: b\n~: c\n0x10: d\n2020-01-01: e\non: f\n",
    "keys equal for Python are one key": "1: a\ntrue: b\n1.0: c\n",
    "duplicate keys: the last wins": "a: b\nc: d\na: e\n",
    "a duplicate key drops a whole mapping": "a:\n  b: c\n  d: e\nf: g\na: h\n",
    "a duplicate key with a non-string value": "a: b\na: 1\nc:\n  d: e\nc: ~\n",
    "NaN keys are all different": ".nan: a\n.nan: b\n",
    "nested mappings": "a:\n  b:\n    c: d\n  e: f\ng: h\n",
    "odd indentation": "a:\n   b: c\n   d:\n        e: f\ng: h\n",
    "an indented root": "  a: b\n  c:\n    d: e\n",
    "empty values are null": "a:\nb: c\nd:\n# c\ne:",
    "a null value does not hold the next keys": "x: s\na:\nx: t\n",
    "a sequence of scalars": "a:\n  - b\n  - 'c'\n  -\n  - \"d\"\ne: f\n",
    "an indentless sequence": "a:\n- b\n- c: d\n  e: f\ng: h\n",
    "a sequence of mappings": "- a: b\n  c: d\n-   e: f\n    g: h\n- i\n",
    "a root sequence": "- a\n- b: c\n-\n  d: e\n-\n  - f\n",
    "nested sequences": "a:\n  -\n    - b\n    - c: d\n  - e: f\n",
    "an empty entry before a mapping": "-\n  a: b\n  c:\n  - d\n",
    "a key's indentless sequence in an entry": "- a:\n  - b\n  c: d\n",
    "flow sequences of scalars": "a: [b, 'c', \"d\", 1, true]\nb: []\nc: {}\n",
    "empty flow collections before strings": "a: {}\nb: c\nd:\n  - {}\n  - e: f\n  - []\ng: h\n",
    "a comment right after a flow sequence": "a: [b]#c\nd: e\n",
    "flow sequences with spaces and commas": "a: [ b , c d, ]\nb: [ ] # x\nc: [-1, x:y]\n",
    "a flow sequence in a sequence": "- [a, b]\n- c: [d]\n",
    "literal block scalars": "a: |\n  x\n   y\n\n  z\nb: |-\n  x\n\nc: |+\n  x\n\n\nd: e\n",
    "folded block scalars": "a: >\n  x\n  y\n\n  z\n   w\n  v\nb: >-\n  x\n  y\n",
    "block scalars with indentation indicators": "a: |2\n   x\n  y\nb: >1-\n  x\n c: d\n",
    "a block scalar at the end": "a: |\n  x\n  y",
    "an empty block scalar": "a: |\nb: >\n\nc: |+\n\n\nd: e\n",
    "a block scalar with a comment": "a: | # c\n  # not a comment\n  x\n# a comment\nb: c\n",
    "a block scalar with trailing spaces": "a: |\n  x  \n    \n  y\n \nb: c\n",
    "a block scalar deeper after blank lines": "a: |\n\n\n    x\n    y\nb: c\n",
    "block scalars in sequences": "- |\n  x\n- a: >\n    y\n  b: c\n",
    "a leading document start": "# c\n---\na: b\n",
    "a document start with a comment": "--- # c\na: b\n",
    "keys that look like document markers": "...: a\n---x: b\n",
    "only comments": "# a\n\n# b\n",
    "empty text": "",
    "only a document start": "---\n",
}

DECLINED = {
    "a tab": "a:\tb\n",
    "a non-printable character": "a: b\x07\n",
    "a NEL line break": "a: b\x85c: d\n",
    "a Unicode line separator": "a: b\u2028c: d\n",
    "a byte order mark inside": "a: b\n\ufeffc: d\n",
    "detect-secrets' bookkeeping key": "a: __line__\n",
    "a second document": "a: b\n---\nc: d\n",
    "a document end": "a: b\n...\n",
    "a document start with content": "--- a\n",
    "a document start before a key on its line": "--- a: b\n",
    "a directive": "%YAML 1.1\n---\na: b\n",
    "an anchor": "a: &x b\n",
    "an alias": "a: *x\n",
    "a merge key": "a:\n  <<: {b: c}\n",
    "a value key": "=: x\n",
    "a merge value": "a: <<\n",
    "a tag": "a: !!str b\n",
    "a custom tag": "a: !Ref b\n",
    "a flow mapping": "a: {b: c}\n",
    "a nested flow sequence": "a: [[b]]\n",
    "a flow sequence over lines": "a: [b,\n  c]\n",
    "a single-pair mapping in a flow sequence": "a: [b: c]\n",
    "a question mark in a flow sequence": "a: [b?c]\n",
    "a comment in a flow sequence": "a: [b #c]\n",
    "a failing value in a flow sequence": "a: [2020-13-45]\n",
    "an explicit key": "? a\n: b\n",
    "a key over 1000 characters": "k" * 1001 + ": v\n",
    "a key far from its colon": "k" + " " * 1001 + ": v\n",
    "a plain scalar over lines": "a: b\n  c\n",
    "a value on the next line": "a:\n  b\n",
    "a mapping value inside a plain scalar": "a: b: c\n",
    "a plain scalar ending in a colon": "a: b:\n",
    "a double-quoted scalar with a backslash": 'a: "b\\n"\n',
    "a double-quoted scalar over lines": 'a: "b\n  c"\n',
    "a single-quoted scalar over lines": "a: 'b\n  c'\n",
    "text after a quoted scalar": "a: 'b' c\n",
    "a date that does not exist": "a: 2020-13-45\n",
    "an integer that does not construct": "a: 0x_\n",
    "a binary integer that does not construct": "a: 0b_\n",
    "a key that does not construct": "2020-13-45: a\n",
    "a bare scalar document": "just text\n",
    "an entry in a mapping": "a: b\n- c\n",
    "a key in a sequence": "- a\nb: c\n",
    "a line between two levels": "a:\n    b: c\n  d: e\n",
    "a line left of the root": "  a: b\nc: d\n",
    "an entry on the key's line": "a: - b\n",
    "a nested entry on one line": "- - a\n",
    "a block scalar header with text": "a: | x\n",
    "a block scalar header without a space": "a: |#c\n",
    "an indentation indicator 0": "a: |0\n  x\n",
    "an indicator starting a value": "a: @b\n",
    "a comma starting a value": "a: ,b\n",
    "nesting deeper than 64": "".join(" " * i + f"k{i}:\n" for i in range(66)) + " " * 66 + "v: s",
}


@pytest.mark.parametrize("text", ANSWERED.values(), ids=ANSWERED.keys())
def test_plain_block_yaml_is_answered_with_detect_secrets_lines(text: str) -> None:
    assert answers_as_detect_secrets(text)


@pytest.mark.parametrize("text", DECLINED.values(), ids=DECLINED.keys())
def test_constructs_outside_the_subset_are_declined(text: str) -> None:
    assert fast_yaml_lines(text) is None


def test_the_comment_is_found_as_detect_secrets_finds_it() -> None:
    assert yamlscalar._COMMENT.pattern == _yaml_comment_regex().pattern


REAL_WORLD = {
    "kubernetes deployment": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 3
  selector:
    matchLabels: {}
  template:
    spec:
      containers:
        - name: web
          image: "registry.example.com/web:1.2"
          args: ["--port", "8080"]
          ports:
            - containerPort: 8080
          env:
            - name: DB_PASSWORD
              value: hunter2hunter2  # pragma: allowlist secret
          resources:
            limits:
              cpu: 500m
""",
    "docker compose": """\
version: "3.8"
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: example-password
      POSTGRES_USER: app
    ports:
      - "5432:5432"
    volumes:
      - db-data:/var/lib/postgresql/data
volumes:
  db-data:
""",
    "github actions": """\
name: CI
on:
  push:
    branches: [main]
  pull_request:
jobs:
  test:
    runs-on: ${{ matrix.os }}
    strategy:
      matrix:
        os: [ubuntu-latest, macos-13]
    steps:
      - uses: actions/checkout@v4
      - name: Run
        env:
          TOKEN: ${{ secrets.TOKEN }}
        run: |
          pip install -e .
          pytest -q
""",
    "ansible vars": """\
---
# database settings
db_host: db.internal
db_port: 5432
db_password: "{{ vault_db_password }}"
users:
  - name: alice
    groups: ['wheel', 'docker']
    shell: /bin/bash
  - name: bob
    state: absent
""",
}


@pytest.mark.parametrize("text", REAL_WORLD.values(), ids=REAL_WORLD.keys())
def test_common_real_world_files_are_answered(text: str) -> None:
    assert answers_as_detect_secrets(text)


# -- files ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic_yaml_texts(synthetic_texts: dict[str, list[str]]) -> list[str]:
    """The YAML files of the secrets benchmark's synthetic corpus."""
    return synthetic_texts["yaml"]


def test_fast_path_answers_nearly_all_benchmark_yaml_files_as_detect_secrets_does(
    synthetic_yaml_texts: list[str],
) -> None:
    answered = sum(answers_as_detect_secrets(text) for text in synthetic_yaml_texts)
    # the speed-up is real only if the fast path answers nearly all of them itself
    assert len(synthetic_yaml_texts) >= 30
    assert answered >= 0.9 * len(synthetic_yaml_texts)


def test_fast_path_answers_yaml_files_of_this_machine_as_detect_secrets_does() -> None:
    """Every .yaml/.yml file under /usr/share, /usr/lib and ../shared (test_yamllines' list)."""
    texts = {text for text in map(read, yaml_files()) if text is not None}  # many are copies
    answered = sum(answers_as_detect_secrets(text) for text in texts)
    assert answered >= min(20, len(texts) // 10)


def test_shared_real_world_yaml_files_are_among_those_compared() -> None:
    shared = Path(__file__).resolve().parents[3] / "shared"
    found = sorted(p for p in shared.rglob("*.y*ml") if p.suffix in (".yaml", ".yml"))
    if not found:
        pytest.skip(SHARED_ABSENT)
    assert set(found) <= set(yaml_files())


# -- the wiring ----------------------------------------------------------------------------


def test_transformed_yaml_lines_answers_plain_yaml_without_libyaml(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_libyaml(*_: object) -> None:
        raise AssertionError("the libyaml composer ran")

    monkeypatch.setattr(yamllines, "_Composer", no_libyaml)
    monkeypatch.setattr(yamllines, "reference_yaml_lines", no_libyaml)
    text = REAL_WORLD["kubernetes deployment"]
    assert transformed_yaml_lines(text) == reference(text)


def test_transformed_yaml_lines_still_reads_what_the_fast_path_declines() -> None:
    for text in DECLINED.values():
        assert outcome(transformed_yaml_lines, text) == outcome(reference, text), repr(text)


# -- generated documents -------------------------------------------------------------------

KEYS = [
    *["name", "password", "token", "a", "b", "a b", "x-y", "on", "yes", "1", "1.0", "true"],
    *["~", "null", ".nan", "0x10", "2020-01-01", "-a", "a:b", "x#y", "é", '"q k"', "'it''s'"],
    *['"a: b"', "'#'", '""'],
]
ODD_KEYS = ["<<", "=", ":a", "k" * 1001, "?a", "? a", "[a]", "{a: b}", "&a a", "*a", "!!str a"]
VALUES = [
    *["v", "hunter2hunter2", "a b", "AKIAIOSFODNN7EXAMPLE", "x y  z", "a#b", "a #b", "-x"],
    *["true", "Yes", "off", "3", "-1", "0o17", "0x1F", "1_000", "1e3", "1.5e+3", ".inf"],
    *["-.Inf", ".NaN", "~", "null", "Null", "2020-01-01", "2001-12-14t21:59:43.10-05:00"],
    *["12:30:00", "._", "a:b", "x]", "x, y", "http://h:80/p?q=1", '"dq"', '"d q #x"', '""'],
    *["''", "'s''q'", "'a\"b'", '"a\'b"', "[a, 1]", "[]", "{}", "[ 'x' , \"y\", ]", "?x"],
    *["é", "ключ"],
]
ODD_VALUES = [
    *["2020-13-45", "0x_", "<<", "=", "a: b", "a:", '"esc\\n"', '"open', "'open", "'a' b"],
    *["&a x", "*a", "!!str x", "!Ref x", "[1, 2020-13-45]", "[a: b]", "{a: b}", "[a, [b]]"],
    *["-", "- x", "? x", "%x", "@x", "ключ: x", "__line__", "x\ty"],
]
HEADERS = ["|", ">", "|-", ">-", "|+", ">+", "|2", ">1-", "|-3"]
ODD_HEADERS = ["|0", "|#c", "|x", "|2+3"]
COMMENTS = ["", "", "", " # c", "  # secret: 'x'", " #", " # a: b"]
ODD_COMMENTS = ["#c"]
BLOCK_LINES = ["x", "y z", "", " ", "  deeper", "# not a comment", "a: b", "- c", "   "]
MAPPING_SHAPES = ["pair"] * 6 + ["open"] * 3 + ["block"]
SEQUENCE_SHAPES = ["entry", "entry pair", "entry pair", "open entry", "entry block"]
OTHER_SHAPES = ["blank", "comment"]
ODD_SHAPES = ["marker", "bare"]


class LineShapes:
    """Draws the lines of a document: the shape of each line, its parts, and its indentation,
    which follows the collections that earlier lines opened, keys in mappings and entries in
    sequences (when `wild`, also odd parts, jumps in indentation and any line anywhere)."""

    def __init__(self, draw: Callable[[Any], Any], wild: bool) -> None:
        self.strategies: Any = pytest.importorskip("hypothesis.strategies")
        self.draw = draw
        self.wild = wild
        self.levels: list[list[Any]] = [[0, None]]  # open collections: column, their shapes
        self.opened = -1  # the column of the collection the last line opened, or -1

    def choice(self, options: Sequence[Any]) -> Any:
        return self.draw(self.strategies.sampled_from(options))

    def pick(self, tame: list[str], odd: Sequence[str] = ()) -> str:
        return str(self.choice([*tame, *odd] if self.wild else tame))

    def lines(self) -> list[str]:
        """The next line (or lines, for a block scalar)."""
        levels = self.levels
        if self.opened >= 0:
            levels.append([self.opened, None])
        elif len(levels) > 1 and self.choice([True, False, False]):
            del levels[self.choice(range(1, len(levels))) :]
        if self.wild and self.choice([True, False, False, False]):
            levels.append([max(0, levels[-1][0] + self.choice([-1, 1, 3, -2])), None])
        level = levels[-1]
        if level[1] is None or self.wild:
            level[1] = self.choice([MAPPING_SHAPES, SEQUENCE_SHAPES])
        return self.line(self.pick([*level[1], *OTHER_SHAPES], ODD_SHAPES), level[0])

    def line(self, shape: str, indent: int) -> list[str]:
        pad, pick = " " * indent, self.pick
        key, value, comment = pick(KEYS, ODD_KEYS), pick(VALUES, ODD_VALUES), pick(COMMENTS)
        comment = pick([comment], ODD_COMMENTS)
        self.opened = -1
        if shape == "pair":
            return [f"{pad}{key}:{pick([' ', '  '], [''])}{value}{comment}"]
        if shape == "open":
            self.opened = indent + self.choice([2, 2, 4, 1, 0])
            return [f"{pad}{key}:{comment}"]
        if shape == "entry":
            return [f"{pad}- {value}{comment}"]
        if shape == "entry pair":
            spaces = pick([" ", " ", "   "])
            self.opened = indent + 1 + len(spaces)
            return [f"{pad}-{spaces}{key}: {value}{comment}"]
        if shape == "open entry":
            self.opened = indent + self.choice([2, 1, 4])
            return [f"{pad}-{comment}"]
        if shape in ("block", "entry block"):
            return self.block(pad + ("- " if shape == "entry block" else ""), key, comment)
        if shape == "blank":
            return [pick(["", "  "])]
        if shape == "comment":
            return [pad + pick(["# c", "#", "# a: b"])]
        if shape == "marker":
            return [pick(["---", "--- # c", "...", "--- a: b", "%YAML 1.1"])]
        return [pad + pick(["continued", "more words", "[a,", "b]"])]

    def block(self, start: str, key: str, comment: str) -> list[str]:
        """A block scalar: its header, then lines around its indentation."""
        lines = [f"{start}{self.pick([f'{key}: ', ''])}{self.pick(HEADERS, ODD_HEADERS)}{comment}"]
        indent = len(start) - len(start.lstrip(" "))
        for _ in range(self.draw(self.strategies.integers(0, 4))):
            text = self.pick(BLOCK_LINES)
            lines.append(" " * (indent + self.choice([2, 2, 1, 3, 0])) + text)
        return lines


def grammar_documents() -> Any:
    """Documents made of line shapes: keys, entries, blank and comment lines, block scalars,
    flow sequences, resolver lookalikes; when wild also document markers, bare scalars, odd
    keys and values, jumps in indentation."""
    st: Any = pytest.importorskip("hypothesis.strategies")

    @st.composite  # type: ignore[untyped-decorator]
    def document(draw: Callable[[Any], Any]) -> str:
        shapes = LineShapes(draw, wild=draw(st.booleans()))
        lines: list[str] = []
        for _ in range(draw(st.integers(1, 12))):
            lines.extend(shapes.lines())
        newline = shapes.pick(["\n"] * 6 + ["\r\n", "\r"])
        text = newline.join(lines) + shapes.pick(["", newline, newline * 2, "  "])
        return shapes.pick(["", "", "", "\ufeff"]) + text

    return document()


def test_hypothesis_documents_are_answered_with_detect_secrets_lines_or_declined() -> None:
    hypothesis = pytest.importorskip("hypothesis")
    with_lines: list[bool] = []

    @hypothesis.settings(  # type: ignore[untyped-decorator]
        max_examples=800,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(grammar_documents())  # type: ignore[untyped-decorator]
    def check(text: str) -> None:
        with_lines.append(answers_as_detect_secrets(text) and bool(fast_yaml_lines(text)))

    check()
    # the grammar reaches the fast path, with lines to compare, often enough to test it
    assert sum(with_lines) >= len(with_lines) // 5


# -- the same answer on every CPython the package admits -----------------------------------


def test_a_value_before_spaces_and_a_comment_ends_at_its_last_character() -> None:
    """Debian 12's python3 (3.11.2) kept the trailing spaces with possessive quantifiers
    (CPython gh-106052, fixed in 3.11.5): the token's length and sha256 then differed between
    machines and the keyword finding was lost."""
    text = "api_token: 9f8e7d6c5b4a3f2e1d0c  # rotate\n"
    assert answers_as_detect_secrets(text)
    assert fast_yaml_lines(text) == ['api_token: "9f8e7d6c5b4a3f2e1d0c"  # rotate']


def test_no_regex_of_the_package_repeats_a_group_possessively() -> None:
    """A possessive repeat of a group (`(...)*+`, `(...)++`, `(...)?+`, `(...){m,n}+`) matches
    differently before CPython 3.11.5; an atomic group `(?>(...)*)` is the same everywhere."""
    group_possessive = re.compile(r"\)(?:[*+?]|\{\d*,?\d*\})\+")
    offenders = [
        f"{path}:{number}"
        for path in sorted(Path(__file__).parents[2].joinpath("analyzer").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if group_possessive.search(line) and ('r"' in line or "r'" in line)  # in a raw string
    ]
    assert offenders == []
