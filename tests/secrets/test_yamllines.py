"""Our YAML transformer gives exactly detect-secrets' YAML transformer's lines, only faster.

detect-secrets places each YAML string value at a line number that comes from how far PyYAML's
pure-Python scanner has read ahead (see analyzer/secrets/dscompat/yamllines.py), and its line
numbers are what findings report: any difference would move or lose findings. So the output
(lines, None for a ParsingError, or the exception raised) is compared with detect-secrets' own
YAMLTransformer on tricky snippets, on the YAML files of this machine and on generated
documents. Texts the fast path does not handle go to detect-secrets itself; the tests also check
that this fallback is rare on normal documents and that the fast path really runs.
"""

from __future__ import annotations

import io
import random
import subprocess
from pathlib import Path

import pytest
from detect_secrets.transformers.exceptions import ParsingError
from detect_secrets.transformers.yaml import YAMLTransformer

from analyzer.secrets.dscompat import yamllines
from analyzer.secrets.dscompat.yamllines import RecursiveYAMLError, transformed_yaml_lines

Outcome = tuple[str, object]


def reference(text: str) -> list[str] | None:
    """detect-secrets' own transformer on the same text (None for a ParsingError)."""
    try:
        lines: list[str] = YAMLTransformer().parse_file(io.StringIO(text))  # type: ignore[arg-type]
    except ParsingError:
        return None
    return lines


def outcome(function: object, text: str) -> Outcome:
    try:
        return ("lines", function(text))  # type: ignore[operator]
    except Exception as error:  # detect-secrets' own crashes are part of its behaviour
        return ("raises", type(error).__name__)


def assert_same(text: str) -> None:
    assert outcome(transformed_yaml_lines, text) == outcome(reference, text), repr(text)


class FallbackCounter:
    """Counts the texts sent to detect-secrets' transformer."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = yamllines.reference_yaml_lines

        def counting(text: str) -> list[str] | None:
            self.count += 1
            return original(text)

        monkeypatch.setattr(yamllines, "reference_yaml_lines", counting)


TRICKY = [
    # plain block mappings, comments, blank lines, line endings
    "key: value",
    "key: value\n# comment\n",
    "a: b  #c\nd: 'e' #f\ng: x#y #z\nh: \"x #y\" # z\n",
    "k: v\n\n\n\nl: w\n",
    "k:\n\n\n  v\n",
    "a: 'x'\r\nb: y\r\n",
    "a: b\rc: d\r",
    "a: b\x85c: d\n",
    "a: b\u2028c: d\n",
    "\ufeffa: b\n",
    "\u00e9: \"\u00fc\"\n\u043a\u043b\u044e\u0447: '\U0001f600\U0001f600'\n",
    "a: " + "x" * 2000 + "\nb: c\n",
    '"' + "k" * 1030 + '": v\n',  # a simple key longer than 1024 characters
    # scalars: quoting, folding, block scalars
    "k: 'a' # c\nq: \"x\\\n  y\"\n",
    "k: a:b\nl: a :b\nm: ':a'\n",
    "k:\n  a\n  b\n\n  c\n",
    'k: "a\n\n  b \n c"\n',
    "k: 'a''b\n  c'\n",
    'a: "\\N\\_\\L\\P\\e\\a\\v\\f\\0\\ \\/\\x41\\u00e9\\U0001F600"\n',
    'a: "\\ud800"\n',
    'a: "\\U00110000"\n',  # chr() fails: a ValueError, not a ParsingError
    "k: >\n  a\n   b\n\n  c\n",
    "k: |+\n  a\n\n\n",
    "k: >-\n\n  a\n  b\n  \n",
    "k: |2\n   a\n  b\n",
    "a: |\n   # not a comment\n  \n",
    "a: |\n  x\n---\n",
    "a: |\n  x\r\n  y\x85  z\n",
    "a: >\n  x\u2028\n  y\n",
    # tags
    "k: !!binary aGVsbG8=\n",
    "k: !!binary |\n  aGVs\n  bG8=\n",
    "k: !!binary 'bad base64!'\n",
    "k: !!binary \u00e9\n",
    "x: !!str 1\ny: !!str\nz: !!int 3\n",
    "k: !Ref x\n",
    "k: !foo:str x\n",
    "k: !!map ab\n",
    "k: !!set\n",
    "k: !!int x\n",  # ValueError
    "a: !!timestamp x\n",  # AttributeError
    "a: !!bool maybe\n",  # KeyError
    "a: !x,y b\n",
    "a: ! b\n",
    "a: !<tag:yaml.org,2002:str> b\n",
    # non-string and duplicate keys
    "1: a\ntrue: b\n1.0: c\n",
    "a: b\na: c\n",
    "~: x\nnull: y\n",
    "=: x\n",
    "a: =\n",
    "a: <<\n",
    "2020-01-01: a\n0x10: b\n",
    "[a, b]: c\n",
    "{a: b}: c\n",
    # implicit types of values
    "a: -1\nb: +1\nc: 0o17\nd: 1_000\ne: .inf\nf: 12:30:00\ng: yes\nh: ~\n",
    "x: 2020-13-45\n",  # ValueError while constructing
    "a: 0x_\n",
    "a: ._\n",
    "a: 2001-12-14t21:59:43.10-05:00\n",
    # sequences and flow collections
    "- a\n-\n- b: c\n",
    "a:\n- b\n- c: d\n  e: f\n",
    "a:\n  - b\n  -\n    c: d\n",
    'a: {b: "c", d: [e, f]}\n',
    "x: {a: b, c: d}\n\ny: e\n",
    "x: {a: b,\n  c: d}\n",
    "x: {\n  a: b\n}\n",
    "x: {\n  a: 1\n}\ny: z\n",
    "x: [a, {b: c, d: e},\n  {f: g}]\n",
    "{a: b}",
    "[{a: b}, {c: d}]\n",
    "k: [a:]\n",
    "x: [a: b]\n",
    "k: {a:, b: c}\n",
    "{" + ", ".join(f"k{i}: v{i}" for i in range(300)) + "}\n",
    "k: [:a]\n",
    "k: [- a]\n",
    "a: [b?c]\n",
    "a: b?c\n",
    "a: b ? c\n",
    "? a\n: b\n",
    # anchors, aliases, merge keys
    "a: &x 1\nb: *x\n",
    "a: &x s\nb: *x\n",
    "a: &x s\nb: *x\nc: [*x]\n",
    "- &x s\n- a: *x\n",
    "a: &x s\nb:\n  c: *x\nd: *x\n",
    "&a k: v\nother: *a\n",
    "&a k: v\n*a : w\n",
    "a: &b !!str x\nc: *b\n",
    "m: &m {a: s}\nn: *m\n",
    "m: &m\n  a: &n s\nb: *n\nc: *m\n",
    "a: &x\n  b: *x\n",
    "a: &x\n  b: c\n  d: *x\n",
    "<<: {a: b}\nc: d\n",
    "a: &a {x: 1, y: s}\nb:\n  <<: [*a, {z: t}]\n  y: u\n",
    "x: &x {a: b}\ny: {<<: *x, c: d}\n",
    "base: &b\n  user: admin\n  pass: hunter2\nprod:\n  <<: *b\n  pass: other\n",
    "a: &s str\nb:\n  <<: *s\n",
    "a:\n  <<: 5\n",
    "a:\n  <<: [1]\n",
    "&a x: 1\n&a y: 2\n",
    "a: *u\n",
    "*u: b\n",
    "a: &s [*s]\nb: !Ref x\n",
    "a: &s [*s]\nb: 2020-13-45\n",
    # detect-secrets' own walk tripping over its bookkeeping key
    "- __line__\n",
    "__line__: x\n",
    "a:\n  __line__: x\n",
    "a: __line__\n",
    "__line__",
    # documents and directives
    "a: b\n---\nc: d\n",
    "---\n",
    "",
    "# only\n",
    "...\n",
    "a: b\n...\n",
    "a: b\n...\nc: d\n",
    "%YAML 1.1\n---\na: b\n",
    "--- |\n  text\n",
    # tabs, control characters
    "a:\tb\n",
    "a: b # c\tx\n",
    "a: |\n  \tx\n",
    "a: b\x00\n",
    "a: b\x1c\n",
    # deep nesting: PyYAML's composer recurses (RecursionError when very deep)
    "[" * 70 + "]" * 70,
    "".join(" " * i + f"k{i}:\n" for i in range(70)) + " " * 70 + "v: s\n",
    "[" * 400 + "]" * 400,
    # errors
    "a: b: c\n",
    "a: 'b\n",
    ": v\n",
    "{: b}\n",
    "a:\n  - b\n c: d\n",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_snippets_give_detect_secrets_own_lines(text: str) -> None:
    assert_same(text)


def test_a_sequence_containing_itself_raises_instead_of_looping() -> None:
    """detect-secrets' walk never ends on this document (not compared: it would hang)."""
    with pytest.raises(RecursiveYAMLError):
        transformed_yaml_lines("a: &s [b, *s]\n")


def yaml_files() -> list[Path]:
    """The .yaml/.yml files under /usr/share, /usr/lib and ../shared, and the synthetic
    benchmark corpus when it exists."""
    roots = ["/usr/share", "/usr/lib", str(Path(__file__).resolve().parents[3] / "shared")]
    found = subprocess.run(
        ["find", *roots, "-type", "f", "(", "-name", "*.yaml", "-o", "-name", "*.yml", ")"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    bench = Path(__file__).resolve().parents[2] / "bench-work" / "secrets" / "yaml"
    found += [str(p) for p in bench.glob("*.y*ml")] if bench.is_dir() else []
    return sorted({Path(p) for p in found})


def read(path: Path) -> str | None:
    try:
        if path.stat().st_size > 2_000_000:
            return None
        return path.read_bytes().decode("utf-8")  # as the engine decodes a file
    except (OSError, UnicodeDecodeError):
        return None


def compare_files(paths: list[Path]) -> int:
    compared = 0
    for path in paths:
        text = read(path)
        if text is not None:
            assert outcome(transformed_yaml_lines, text) == outcome(reference, text), str(path)
            compared += 1
    return compared


def test_yaml_files_of_this_machine_give_the_same_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    files = yaml_files()
    sample = files[:: max(1, len(files) // 300)]
    fallbacks = FallbackCounter(monkeypatch)
    compared = compare_files(sample)
    assert compared >= min(50, len(files))
    assert fallbacks.count <= compared // 20  # the fast path handles real files


@pytest.mark.slow
def test_every_yaml_file_of_this_machine_gives_the_same_lines() -> None:
    assert compare_files(yaml_files()) >= 1


# -- generated documents -------------------------------------------------------------------

PLAIN = [
    *["a", "b", "key", "name", "password", "token", "x y", "nginx:1.2", "http://h/p?q=1"],
    *["a#b", "a # not", "1", "0", "yes", "No", "~", "null", "1.5", ".5", "1e3", "0x1F"],
    *["2020-01-02", "<<", "=", "-a", ":a", "a:b", "\u00e9", "\u043a\u043b\u044e\u0447"],
    *["AKIAIOSFODNN7EXAMPLE", "sk_live_abcdefghijklmnop1234", "__line__", 'a"b', "it's"],
    *["x]", "x}", "x,y", "a ... b", "a - b"],
]
QUOTABLE = [
    *PLAIN,
    *["a: b", "-", "? x", "%x", "@x", "`x", "!x", "&x", "*x", "|x", ">x", "[x", "{x", "#"],
    *["...", "---", "a\\b", "\u2028", "\x85"],
]
ODD_SCALARS = [
    *["dGVzdA==", "aGVsbG8gd29ybGQ=", "true", "1_000", "0o17", "-.inf", ".NaN"],
    *["2001-12-14t21:59:43.10-05:00", "2020-13-45", "._", "0x_", "!!!"],
]
TAGS = ["!!str ", "!!binary ", "!!int ", "!Ref ", "! ", "!!null ", "!!map ", "!!set ", "!a,b "]
ESCAPES = ["\\n", "\\t", '\\"', "\\\\", "\\x41", "\\u00e9", "\\/", "\\U0001F600", "\\q"]
MUTATIONS = [*":-?#\t \n{}[],\"'&*!|>%@`\\\r.", "\u2028", "\x85", "\ufeff", "---", ": ", "- "]


class Generator:
    """Random YAML-ish documents: nested block and flow collections, every scalar style,
    comments, anchors and aliases, blank lines, tags, odd values, then some noise."""

    def __init__(self, rng: random.Random, *, wild: bool) -> None:
        self.rng = rng
        self.wild = wild  # tabs, noise, more tags and explicit keys
        self.anchors: list[str] = []  # anchors of complete nodes: aliases never recurse
        self.count = 0

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def word(self, plain: bool = False) -> str:
        rng = self.rng
        if self.chance(0.3):
            alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=_-"
            return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        return rng.choice(PLAIN if plain or self.chance(0.7) else QUOTABLE)

    def anchor(self) -> str:
        self.count += 1
        return f"a{self.count}"

    def tag(self) -> str:
        return self.rng.choice(TAGS) if self.chance(0.06 if self.wild else 0.02) else ""

    def scalar(self, flow: bool = False) -> str:
        rng = self.rng
        if self.anchors and self.chance(0.07):
            return "*" + rng.choice(self.anchors)
        roll = rng.random()
        if roll < 0.45:
            text = self.word(plain=True)
            if flow and any(c in text for c in ",[]{}#:?"):
                text = "x"
        elif roll < 0.65:
            text = "'" + self.word().replace("'", "''") + "'"
        elif roll < 0.85:
            escape = rng.choice(ESCAPES) if self.chance(0.3) else ""
            text = '"' + self.word().replace("\\", "\\\\").replace('"', '\\"') + escape + '"'
        elif roll < 0.9:
            text = "e" if flow else ""
        else:
            text = rng.choice(ODD_SCALARS)
        prefix = self.tag()
        if self.chance(0.1):
            name = self.anchor()
            self.anchors.append(name)
            prefix = f"&{name} " + prefix
        return prefix + text

    def comment(self) -> str:
        options = ["", "", "", " # c", "  # secret: 'x'", " #", " #x y"]
        return self.rng.choice([*options, "\t# tab"] if self.wild else options)

    def properties(self) -> tuple[str, str | None]:
        """An anchor for a collection, registered only once the collection is written."""
        if self.chance(0.1):
            name = self.anchor()
            return f"&{name} ", name
        return "", None

    def flow(self, depth: int, indent: int) -> str:
        rng = self.rng
        prefix, name = self.properties()
        separator = ("\n" + " " * (indent + rng.randint(0, 4))) if self.chance(0.25) else " "
        items = []
        if self.chance(0.5) or depth > 3:
            for _ in range(rng.randint(0, 4)):
                if depth < 3 and self.chance(0.2):
                    items.append(self.flow(depth + 1, indent))
                elif self.chance(0.1):
                    items.append(f"{self.scalar(True)}: {self.scalar(True)}")
                else:
                    items.append(self.scalar(True))
            trailing = rng.choice(["", ","]) if items else ""
            text = "[" + ("," + separator).join(items) + trailing + "]"
        else:
            for _ in range(rng.randint(0, 4)):
                key = self.scalar(True)
                if self.chance(0.1):
                    items.append(key)
                elif depth < 3 and self.chance(0.2):
                    items.append(f"{key}: {self.flow(depth + 1, indent)}")
                else:
                    items.append(f"{key}:{rng.choice([' ', '  ', ''])}{self.scalar(True)}")
            inside = ("," + separator).join(items)
            text = "{" + rng.choice(["", " ", separator]) + inside + rng.choice(["", " "]) + "}"
        if name:
            self.anchors.append(name)
        return prefix + text

    def block_scalar(self, indent: int) -> str:
        rng = self.rng
        header = rng.choice(["|", ">", "|-", ">+", "|2", ">-", "|+"])
        inner = indent + rng.randint(1, 3)
        lines = [" " * inner + self.word()]
        for _ in range(rng.randint(0, 3)):
            roll = rng.random()
            if roll < 0.15:
                lines.append("")
            elif roll < 0.25:
                lines.append(" " * (inner + 2) + self.word())
            elif roll < 0.3 and self.wild:
                lines.append(" " * inner + "\t" + self.word())
            else:
                lines.append(" " * inner + self.word() + rng.choice(["", " ", " # not comment"]))
        return header + self.comment() + "\n" + "\n".join(lines)

    def key(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.7:
            key = rng.choice(["name", "password", "token", "image", "a", "b", "x y", "\u00e9"])
            return key if self.chance(0.7) else self.word(plain=True).replace(": ", "-")
        if roll < 0.8:
            return "'" + self.word().replace("'", "''") + "'"
        if roll < 0.85:
            return '"' + self.word().replace("\\", "\\\\").replace('"', '\\"') + '"'
        if roll < 0.92:
            return rng.choice(["1", "yes", "~", "null", "1.0", "true", "<<", "=", "2020-01-01"])
        if roll < 0.95:
            return rng.choice(["[a, b]", "{a: b}", "*" + rng.choice(self.anchors or ["u"])])
        return f"&{self.anchor()} {self.word(plain=True).replace(': ', '-')}"

    def value(self, indent: int, depth: int, in_sequence: bool = False) -> str:
        """What follows `key:` (or `-`)."""
        rng = self.rng
        roll = 0.0 if depth > 4 else rng.random()
        if roll < 0.5:
            if self.chance(0.05):  # a plain scalar over two lines
                more = " " * (indent + rng.randint(1, 3)) + self.word(plain=True)
                return " " + self.word(plain=True) + "\n" + more + self.comment()
            return " " + self.scalar() + self.comment()
        if roll < 0.58:
            return " " + self.block_scalar(indent)
        if roll < 0.68:
            return " " + self.flow(0, indent) + self.comment()
        prefix, name = self.properties()
        if roll < 0.84:
            text = self.block_mapping(indent + rng.choice([1, 2, 2, 4]), depth + 1)
        else:
            shift = 2 if in_sequence else rng.choice([0, 2, 2])
            text = self.block_sequence(indent + shift, depth + 1)
        if name:
            self.anchors.append(name)
        return (" " + prefix if prefix else "") + self.comment() + "\n" + text

    def block_mapping(self, indent: int, depth: int) -> str:
        rng = self.rng
        lines = []
        for _ in range(rng.randint(1, 5)):
            if self.chance(0.1):
                lines.append(rng.choice(["", "# comment", " " * indent + "# c", "   "]))
            if self.wild and self.chance(0.03):
                lines.append(" " * indent + "? " + self.word(plain=True))
                lines.append(" " * indent + ":" + self.value(indent, depth))
            elif self.anchors and self.chance(0.05):
                lines.append(" " * indent + "<<: *" + rng.choice(self.anchors))
            else:
                colon = rng.choice([":", ":", " :"])
                lines.append(" " * indent + self.key() + colon + self.value(indent, depth))
        return "\n".join(lines)

    def block_sequence(self, indent: int, depth: int) -> str:
        rng = self.rng
        lines = []
        for _ in range(rng.randint(1, 4)):
            roll = rng.random()
            if roll < 0.5 or depth > 4:
                item = " " + self.scalar() if self.chance(0.95) else ""
                lines.append(" " * indent + "-" + item + self.comment())
            elif roll < 0.75:
                first = f"{' ' * indent}- {self.key()}:{self.value(indent + 2, depth)}"
                rest = self.block_mapping(indent + 2, depth + 1) if self.chance(0.5) else ""
                lines.append(first + ("\n" + rest if rest else ""))
            elif roll < 0.85:
                lines.append(" " * indent + "- " + self.flow(0, indent))
            else:
                lines.append(" " * indent + "-" + self.value(indent, depth, in_sequence=True))
        return "\n".join(lines)

    def document(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.75:
            body = self.block_mapping(0, 0)
        elif roll < 0.85:
            body = self.block_sequence(0, 0)
        elif roll < 0.95:
            body = self.flow(0, 0)
        else:
            body = self.scalar()
        if self.chance(0.1):
            body = (
                rng.choice(["---\n", "--- " if roll >= 0.85 else "---\n", "# head\n---\n"]) + body
            )
        if self.chance(0.05):
            body += rng.choice(["\n...\n", "\n---\nb: 1\n", "\n---\n", "\n...\n---\nx: y"])
        if self.chance(0.05):
            body = "\ufeff" + body
        newline = rng.choice(["\n"] * 8 + ["\r\n", "\r"])
        text = body.replace("\n", newline) + rng.choice(["", "\n", "\n\n", newline, "  \n"])
        return self.noise(text) if self.wild and self.chance(0.2) else text

    def noise(self, text: str) -> str:
        chars = list(text)
        for _ in range(self.rng.randint(1, 3)):
            position = self.rng.randint(0, len(chars))
            if self.chance(0.4) and chars:
                del chars[min(position, len(chars) - 1)]
            else:
                chars.insert(position, self.rng.choice(MUTATIONS))
        return "".join(chars)


def generated(rng: random.Random, *, wild: bool) -> str:
    return Generator(rng, wild=wild).document()


def test_generated_documents_give_the_same_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    fallbacks = FallbackCounter(monkeypatch)
    rng = random.Random(20261124)
    for _ in range(1500):
        assert_same(generated(rng, wild=True))
    tame, fast_with_lines = 2500, 0
    for _ in range(tame):
        text = generated(rng, wild=False)
        before = fallbacks.count
        assert_same(text)
        if fallbacks.count == before and reference(text):
            fast_with_lines += 1
    # many of them are decided without detect-secrets' transformer: the fast path is compared
    assert fast_with_lines >= tame // 5


@pytest.mark.slow
def test_many_generated_documents_give_the_same_lines() -> None:
    rng = random.Random(7)
    for index in range(40_000):
        assert_same(generated(rng, wild=index % 2 == 0))


def test_hypothesis_generated_documents_give_the_same_lines() -> None:
    hypothesis = pytest.importorskip("hypothesis")
    strategies = pytest.importorskip("hypothesis.strategies")

    @hypothesis.settings(  # type: ignore[untyped-decorator]
        max_examples=500,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(  # type: ignore[untyped-decorator]
        strategies.randoms(use_true_random=False), strategies.booleans()
    )
    def check(rng: random.Random, wild: bool) -> None:
        assert_same(generated(rng, wild=wild))

    check()


# -- the fallback and the fast path --------------------------------------------------------

FALLING_BACK = {
    "a tab": "a:\tb\n",
    "a byte order mark inside": "a: b\n\ufeffc: d\n",
    "an explicit key": "? a\n: b\n",
    "a question mark in a flow collection": "a: [b?c]\n",
    "a directive": "%YAML 1.1\n---\na: b\n",
    "a tag with a comma": "a: !x,y b\n",
    "a tagged collection": "a: !!set {b: null}\n",
    "an alias of a scalar in a sequence": "a: &x s\nb: [*x]\n",
    "strings in a flow mapping over lines": "x: {a: b,\n  c: d}\n",
    "a single-pair mapping in a flow sequence": "x: [a: b]\n",
    "a string merged": "a: &s str\nb:\n  <<: *s\n",
    "a constructor crash": "x: 2020-13-45\n",
    "detect-secrets' walk crash": "- __line__\n",
    "a libyaml error": "a: 'b\n",
}


@pytest.mark.parametrize("text", FALLING_BACK.values(), ids=FALLING_BACK.keys())
def test_these_constructs_go_to_detect_secrets(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sentinel = ["from detect-secrets"]
    monkeypatch.setattr(yamllines, "reference_yaml_lines", lambda _: sentinel)
    assert transformed_yaml_lines(text) is sentinel


NORMAL = """\
# a deployment
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: "frontend"}
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: web
          image: "registry.example.com/web:1.2"
          args: ["--port", "8080"]
          env:
            - name: DB_PASSWORD
              value: hunter2hunter2  # pragma: allowlist secret
            - name: TOKEN
              value: &token ghp_abcdefghijklmnopqrstuvwxyz0123456789
            - name: TOKEN_AGAIN
              value: *token
      defaults: &defaults
        retries: 3
        key: 'c2VjcmV0'
      override:
        <<: *defaults
        key: |
          multi
          line
      binary: !!binary aGVsbG8=
"""


def test_a_normal_file_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = reference(NORMAL)
    assert expected and any("hunter2" in line for line in expected)

    def no_fallback(text: str) -> list[str] | None:
        raise AssertionError("the fast path fell back")

    monkeypatch.setattr(yamllines, "reference_yaml_lines", no_fallback)
    assert transformed_yaml_lines(NORMAL) == expected
    for text in ["a: b\n---\nc: d\n", "k: !Ref x\n", "[a]: b\n", "a: *undefined\n"]:
        assert transformed_yaml_lines(text) is None  # decided without detect-secrets
