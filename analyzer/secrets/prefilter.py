"""Find the lines where a detect-secrets plugin could possibly report something, in one pass.

The shapes come from the enabled plugins themselves: each regex plugin's `denylist` patterns,
the keyword plugin's keyword list, and for the high-entropy plugins a quoted run of their
charset long enough to pass their entropy limit (a string of n characters has at most log2(n)
bits of entropy, so it needs more than 2**limit characters). Hyperscan runs all of them over the
file at once in "prefilter" mode, which may report extra matches but never misses one; lines with
only an entropy-shape hit are confirmed with the plugin's own regex and entropy formula. Without
hyperscan, Python's `re` runs each shape in turn (same result, slower).
"""

from __future__ import annotations

import bisect
import functools
import importlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from detect_secrets.plugins import keyword as ds_keyword


@dataclass(frozen=True, slots=True)
class Shape:
    """A pattern some plugin's findings must contain."""

    pattern: str
    flags: int
    source: str
    """The plugin it comes from."""
    entropy: Any = None
    """For high-entropy plugins: the plugin, whose regex and limit confirm a candidate line."""


def shapes_of(plugins: Sequence[Any]) -> tuple[list[Shape], bool]:
    """The shapes of every plugin, and whether some plugin has none (then every line counts)."""
    shapes: list[Shape] = []
    unknown = False
    for plugin in plugins:
        name = type(plugin).__name__
        if hasattr(plugin, "denylist"):
            shapes += [_regex_shape(p, name) for p in plugin.denylist]
        elif hasattr(plugin, "entropy_limit") and hasattr(plugin, "charset"):
            shapes.append(_entropy_shape(plugin))
        elif name == "KeywordDetector":
            shapes.append(Shape("(?:" + "|".join(ds_keyword.DENYLIST) + ")", re.I, name))
        else:
            unknown = True
    return shapes, unknown


def shannon_entropy(data: str, charset: str) -> float:
    """detect-secrets' entropy formula, same terms in the same order (so the same float),
    without counting every charset character in the string one by one.

    >>> from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString
    >>> plugin, value = Base64HighEntropyString(), "c3VwZXIgc2VjcmV0IHZhbHVlIQ=="
    >>> shannon_entropy(value, plugin.charset) == plugin.calculate_shannon_entropy(value)
    True
    """
    if not data:
        return 0
    order = _charset_order(charset)
    counts = Counter(data)
    entropy = 0.0
    for char in sorted((c for c in counts if c in order), key=order.__getitem__):
        p = float(counts[char]) / len(data)
        entropy += -p * math.log(p, 2)
    return entropy


def exceeds_entropy(value: str, plugin: Any) -> bool:
    """detect-secrets' `entropy > limit` test, skipping the computation when the value has too
    few distinct characters to get there: the entropy of k distinct characters is at most
    log2(k) (reached when they are equally frequent), so with log2(k) clearly below the limit
    (a margin far above float rounding) the answer is no.

    >>> from detect_secrets.plugins.high_entropy_strings import HexHighEntropyString
    >>> exceeds_entropy("0123456701234567", HexHighEntropyString())  # 8 digits, uniform: 3.0
    False
    >>> exceeds_entropy("0123456789abcdef", HexHighEntropyString())
    True
    """
    limit = float(plugin.entropy_limit)
    if math.log2(max(len(set(value)), 1)) < limit - 1e-9:
        return False
    return shannon_entropy(value, plugin.charset) > limit


@functools.cache
def _charset_order(charset: str) -> dict[str, int]:
    return {char: index for index, char in enumerate(charset)}


def _regex_shape(pattern: re.Pattern[str], source: str) -> Shape:
    if pattern.flags & re.X:
        return Shape(deverbose(pattern.pattern), pattern.flags & ~re.X, source)
    return Shape(pattern.pattern, pattern.flags, source)


def deverbose(pattern: str) -> str:
    """The same regex without re.VERBOSE: comments and unescaped whitespace outside classes go.

    >>> deverbose("a b  # comment\\n [ ]c" + chr(92) + " d") == "ab[ ]c" + chr(92) + " d"
    True
    """
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            out.append(char)
            i += 1
            for literal in ("^", "]"):  # "[^]..." and "[]...": those are class members
                if pattern.startswith(literal, i):
                    out.append(literal)
                    i += 1
            continue
        elif char == "#":
            end = pattern.find("\n", i)
            i = len(pattern) if end == -1 else end + 1
            continue
        elif char.isspace():
            i += 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _entropy_shape(plugin: Any) -> Shape:
    shortest = math.floor(2 ** float(plugin.entropy_limit)) + 1
    run = f"[{re.escape(plugin.charset)}]{{{shortest},}}"
    return Shape(f"'{run}'|\"{run}\"", 0, type(plugin).__name__, entropy=plugin)


def hyperscan_module() -> Any:
    """The hyperscan module, or None where it cannot be imported (then Python's re serves)."""
    try:
        return importlib.import_module("hyperscan")
    except ImportError:  # pragma: no cover - the pure-Python path is tested separately
        return None


class Prefilter:
    """Candidate lines of a file for a fixed set of plugins."""

    def __init__(self, plugins: Sequence[Any], *, use_hyperscan: bool = True) -> None:
        self.shapes, self.every_line = shapes_of(plugins)
        hs = hyperscan_module() if use_hyperscan else None
        self._database: Any = None
        self._slow: list[tuple[int, re.Pattern[bytes]]] = []
        compiled = self._compile_hyperscan(hs) if hs is not None else set()
        for index, shape in enumerate(self.shapes):
            if index not in compiled:
                flags = (shape.flags & (re.I | re.X | re.S)) | re.M
                self._slow.append((index, re.compile(shape.pattern.encode(), flags)))
        self.engine = "hyperscan" if compiled else "re"

    def _compile_hyperscan(self, hs: Any) -> set[int]:
        key = tuple((shape.pattern, shape.flags) for shape in self.shapes)
        if key not in _DATABASES:
            _DATABASES[key] = _build_database(hs, self.shapes)
        self._database, accepted = _DATABASES[key]
        return accepted

    def plugins_per_line(self, lines: Sequence[str]) -> dict[int, frozenset[str] | None]:
        """Candidate line -> the plugins (class names) that might report on it (None: all).

        A plugin whose shapes did not hit a line cannot report on it, so only the others need
        to look at it: same findings, a fraction of the per-line work. A "line" may hold
        newlines itself (detect-secrets' YAML transformer makes one line of a block scalar), so
        hits are mapped back from physical lines to list entries.
        """
        if self.every_line:
            return dict.fromkeys(range(1, len(lines) + 1))
        stripped = [line.rstrip() for line in lines]
        buffer = "\n".join(stripped)
        hits = self._hits(buffer.encode("utf-8", "surrogatepass"))
        if buffer.count("\n") != len(stripped) - 1:
            hits = _to_entries(stripped, hits)
        found: dict[int, frozenset[str] | None] = {}
        for number in sorted(hits):
            plugins = self._confirmed(stripped[number - 1], hits[number])
            if plugins:
                found[number] = plugins
        return found

    def unquoted_entropy(self, text: str) -> bool:
        """True when some unquoted run of an entropy plugin's charset passes its limit.

        Transformers (INI, YAML) put values in quotes, so such a run could become a finding
        after transformation. An INI value may be glued to its key by "=", which is in the
        base64 charset: the part after each "=" is judged too.
        """
        for shape in self.shapes:
            plugin = shape.entropy
            if plugin is None:
                continue
            shortest = math.floor(2 ** float(plugin.entropy_limit)) + 1
            run = re.compile(f"[{re.escape(plugin.charset)}]{{{shortest},}}")
            for match in run.finditer(text):
                value = match.group()
                parts = [value] + [value[i + 1 :] for i, c in enumerate(value) if c == "="]
                if any(
                    plugin.calculate_shannon_entropy(p) > plugin.entropy_limit
                    for p in parts
                    if len(p) >= shortest
                ):
                    return True
        return False

    def _hits(self, buffer: bytes) -> dict[int, set[int]]:
        """Shapes found per line. A byte offset inside each match marks its line."""
        marks: list[tuple[int, int]] = []
        if self._database is not None:
            # Hyperscan reports every end offset a match can have, so an in-line match always
            # marks its own line, whatever longer matches exist around it.
            def on_match(shape: int, start: int, end: int, flags: int, context: Any) -> None:
                marks.append((max(end - 1, 0), shape))

            self._database.scan(buffer, match_event_handler=on_match)
        for index, pattern in self._slow:
            for match in pattern.finditer(buffer):
                marks += [(offset, index) for offset in _span_marks(buffer, match)]
        return _by_line(buffer, marks)

    def _confirmed(self, line: str, shapes: set[int]) -> frozenset[str]:
        """The plugins whose hits on this line stand: entropy shapes must pass the entropy
        check with the plugin's own regex and limit."""
        plugins: set[str] = set()
        for index in shapes:
            shape = self.shapes[index]
            plugin = shape.entropy
            if plugin is None or any(
                exceeds_entropy(found[1] if isinstance(found, tuple) else found, plugin)
                for found in plugin.regex.findall(line)
            ):
                plugins.add(shape.source)
        return frozenset(plugins)


_DATABASES: dict[tuple[tuple[str, int], ...], tuple[Any, set[int]]] = {}
"""Compiled databases per set of shapes: compiling takes most of a second, so once a process."""

CompiledDatabase = tuple[tuple[tuple[str, int], ...], list[int], bytes]
"""(shapes key, accepted shape indexes, serialized Hyperscan database)."""


def export_databases() -> list[CompiledDatabase]:
    """This process's compiled databases, serialized: a worker process loads them in
    milliseconds instead of compiling them again (about a second each)."""
    hs = hyperscan_module()
    return [
        (key, sorted(accepted), hs.dumpb(database))
        for key, (database, accepted) in _DATABASES.items()
        if hs is not None and database is not None
    ]


def import_databases(compiled: list[CompiledDatabase]) -> None:
    """Load databases another process compiled (see export_databases)."""
    hs = hyperscan_module()
    if hs is None:
        return
    for key, accepted, blob in compiled:
        database = hs.loadb(blob, hs.HS_MODE_BLOCK)
        database.scratch = hs.Scratch(database)
        _DATABASES[key] = (database, set(accepted))


def _hs_flags(hs: Any, shape: Shape) -> int:
    flags = (
        hs.HS_FLAG_PREFILTER
        | hs.HS_FLAG_ALLOWEMPTY
        | hs.HS_FLAG_MULTILINE
        | hs.HS_FLAG_UTF8
        | hs.HS_FLAG_UCP
    )
    flags |= hs.HS_FLAG_CASELESS if shape.flags & re.I else 0
    return int(flags | (hs.HS_FLAG_DOTALL if shape.flags & re.S else 0))


def _build_database(hs: Any, shapes: Sequence[Shape]) -> tuple[Any, set[int]]:
    """One database of every shape hyperscan accepts; the rest stay with Python's re."""
    accepted = set(range(len(shapes)))
    while accepted:
        ids = sorted(accepted)
        database = hs.Database()
        try:
            database.compile(
                expressions=[shapes[i].pattern.encode() for i in ids],
                ids=ids,
                elements=len(ids),
                flags=[_hs_flags(hs, shapes[i]) for i in ids],
            )
            return database, accepted
        except hs.error:
            accepted -= {i for i in ids if not _compiles(hs, shapes[i])} or set(ids)
    return None, set()


def _compiles(hs: Any, shape: Shape) -> bool:
    try:
        hs.Database().compile(
            expressions=[shape.pattern.encode()], ids=[0], elements=1, flags=[_hs_flags(hs, shape)]
        )
    except hs.error:
        return False
    return True


def _to_entries(entries: Sequence[str], hits: dict[int, set[int]]) -> dict[int, set[int]]:
    """Re-key hits by physical line to hits by (1-based) entry, for multi-line entries."""
    starts: list[int] = []
    physical = 1
    for entry in entries:
        starts.append(physical)
        physical += entry.count("\n") + 1
    mapped: dict[int, set[int]] = {}
    for line, shapes in hits.items():
        mapped.setdefault(bisect.bisect_right(starts, line), set()).update(shapes)
    return mapped


def _span_marks(buffer: bytes, match: re.Match[bytes]) -> list[int]:
    """Offsets marking every line a match touches: re's leftmost-longest match may span lines
    and hide a shorter match on its first line, so all of them are candidates."""
    start, end = match.start(), max(match.end() - 1, match.start())
    marks = [start, end]
    newline = buffer.find(b"\n", start, end)
    while newline != -1:
        marks.append(newline + 1)
        newline = buffer.find(b"\n", newline + 1, end)
    return marks


def _by_line(buffer: bytes, marks: list[tuple[int, int]]) -> dict[int, set[int]]:
    """Group (offset, shape) marks by the (1-based) line the offset is on."""
    lines: dict[int, set[int]] = {}
    line, position = 1, 0
    for at, shape in sorted(marks):
        if at > position:
            line += buffer.count(b"\n", position, at)
            position = at
        lines.setdefault(line, set()).add(shape)
    return lines
