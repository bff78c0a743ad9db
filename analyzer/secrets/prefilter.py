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
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, AnyStr

from analyzer.secrets import hsdb
from analyzer.secrets.dscompat.dsplugins import (
    KEYWORD_DENYLIST,
    exceeds_entropy,
    keyword_line_regexes,
)


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
            shapes.append(Shape("(?:" + "|".join(KEYWORD_DENYLIST) + ")", re.I, name))
        else:
            unknown = True
    return shapes, unknown


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


class LineCheck:
    """The regexes a plugin searches each line with, where its shape alone says little: a
    line the keyword plugin's keyword list hits (most are prose or code naming a password)
    gives it a finding only if one of its assignment regexes matches the line. Asked per
    candidate line, with hyperscan where there is (in prefilter mode, so a superset: only
    the plugin itself decides), else with the regexes themselves."""

    def __init__(self, regexes: Sequence[re.Pattern[str]], hs: Any) -> None:
        self.regexes = tuple(regexes)
        self.key: hsdb.ShapeKey = tuple((r.pattern, r.flags) for r in self.regexes)
        self._databases = hsdb.databases(hs, self.key) if hs else None

    def may_match(self, line: str) -> bool:
        """False only when no regex can match the line."""
        databases = self._databases
        if databases is None:
            return any(regex.search(line) for regex in self.regexes)
        ascii = line.isascii()
        database, held = (databases.ascii, databases.accepted) if ascii else databases.wide
        if database is not None and _scan_hits(database, line.encode("utf-8", "surrogatepass")):
            return True
        held = held if database is not None else frozenset()
        return any(r.search(line) for i, r in enumerate(self.regexes) if i not in held)


def _scan_hits(database: Any, data: bytes) -> bool:
    """Whether the hyperscan database matches anywhere in `data` (stops at the first)."""

    def on_match(shape: int, start: int, end: int, flags: int, context: Any) -> bool:
        return True  # stop scanning

    try:
        database.scan(data, match_event_handler=on_match)
    except hsdb.hyperscan_module().ScanTerminated:
        return True
    return False


class Prefilter:
    """Candidate lines of a file for a fixed set of plugins."""

    def __init__(self, plugins: Sequence[Any], *, use_hyperscan: bool = True) -> None:
        self.shapes, self.every_line = shapes_of(plugins)
        hs = hsdb.hyperscan_module() if use_hyperscan else None
        self._databases = hsdb.databases(hs, hsdb.shape_key(self.shapes)) if hs else None
        self.line_checks = {
            type(plugin).__name__: LineCheck(regexes, hs)
            for plugin in plugins
            if (regexes := keyword_line_regexes(plugin))
        }
        compiled = self._databases.accepted if self._databases else frozenset()
        self._slow = self._patterns(set(range(len(self.shapes))) - compiled)
        self._slow_wide: list[tuple[int, re.Pattern[str]]] | None = None
        self.engine = "hyperscan" if compiled else "re"

    @property
    def database_keys(self) -> list[hsdb.ShapeKey]:
        """Every pattern set this prefilter compiles a database of (the shapes, each line
        check): what the installation prepares (analyzer.secrets.hsprepare)."""
        return [hsdb.shape_key(self.shapes), *(c.key for c in self.line_checks.values())]

    def _patterns(self, indexes: set[int]) -> list[tuple[int, re.Pattern[str]]]:
        """Python's re for the shapes hyperscan does not run, on text (str) as the plugins
        run them: `\\s`, `\\w` and case folding as detect-secrets sees them."""
        found: list[tuple[int, re.Pattern[str]]] = []
        for index in sorted(indexes):
            shape = self.shapes[index]
            flags = (shape.flags & (re.I | re.X | re.S)) | re.M
            found.append((index, re.compile(shape.pattern, flags)))
        return found

    def prepare_any_text(self) -> None:
        """Compile the database for non-ASCII text now rather than at the first such text (a
        forked worker does it while the reading process starts on the first layer)."""
        self._scanners(ascii=False)

    def _scanners(self, ascii: bool) -> tuple[Any, list[tuple[int, re.Pattern[str]]]]:
        """The hyperscan database (or None) and the re patterns for an ASCII or other buffer."""
        databases = self._databases
        if databases is None or not databases.accepted:
            return None, self._slow
        if ascii:
            return databases.ascii, self._slow
        database, held = databases.wide
        if self._slow_wide is None:
            self._slow_wide = self._patterns(set(range(len(self.shapes))) - held)
        return database, self._slow_wide

    def plugins_per_line(
        self, lines: Sequence[str], *, line_checks: bool = True
    ) -> dict[int, frozenset[str] | None]:
        """Candidate line -> the plugins (class names) that might report on it (None: all).

        A plugin whose shapes did not hit a line cannot report on it, so only the others need
        to look at it: same findings, a fraction of the per-line work. A "line" may hold
        newlines itself (detect-secrets' YAML transformer makes one line of a block scalar), so
        hits are mapped back from physical lines to list entries. The line checks hold for the
        lines as given to the plugins; `line_checks=False` leaves them out, for a caller that
        hands the plugins something else (a transformed reading of these lines).
        """
        if self.every_line:
            return dict.fromkeys(range(1, len(lines) + 1))
        stripped = [line.rstrip() for line in lines]
        buffer = "\n".join(stripped)
        hits = self._hits(buffer.encode("utf-8", "surrogatepass"), buffer.isascii())
        if buffer.count("\n") != len(stripped) - 1:
            hits = _to_entries(stripped, hits)
        return self._confirmed_lines(lines, hits, line_checks=line_checks)

    def plain_candidates(
        self, text: str, split: Callable[[str], list[str]]
    ) -> tuple[list[str], dict[int, frozenset[str] | None]]:
        """`plugins_per_line` of the text's plain lines, with those lines (`split` makes them):
        where the text can be scanned as it is (`plain_buffer`), the lines are made only if
        some shape is found (most files have none)."""
        buffer = plain_buffer(text)
        if buffer is None or self.every_line:
            # Other texts (not ASCII, or with other line ends) are split, stripped and joined
            # to be scanned; most hold no shape at all, which one scan of the raw text tells
            # (`any_shape`: a superset). 0.17 -> 0.13 s of CPU for the bench image's 368.
            if not self.every_line and not self.any_shape(text):
                return [], {}
            lines = split(text)
            return lines, self.plugins_per_line(lines)
        at: dict[int, int] = {}
        hits = self._hits(buffer.encode("ascii"), ascii=True, at=at)
        # The hit lines are confirmed as cut out of the buffer, and the text is split only if
        # one stands: most files with a raw hit have none (splitting them, Unicode tables of
        # up to 430,000 lines, cost 0.2 s of CPU on the bench image).
        found: dict[int, frozenset[str] | None] = {}
        for number in sorted(hits):
            plugins = self._confirmed(_line_at(buffer, at[number]).rstrip(), hits[number])
            if plugins:
                found[number] = plugins
        return (split(text), found) if found else ([], {})

    def _confirmed_lines(
        self, lines: Sequence[str], hits: dict[int, set[int]], *, line_checks: bool = True
    ) -> dict[int, frozenset[str] | None]:
        found: dict[int, frozenset[str] | None] = {}
        for number in sorted(hits):
            plugins = self._confirmed(lines[number - 1].rstrip(), hits[number], line_checks)
            if plugins:
                found[number] = plugins
        return found

    def any_shape(self, text: str) -> bool:
        """Whether some shape occurs anywhere in the raw text; a scan that stops at the first.

        A superset of "some plain line is a candidate": the raw text differs from the
        stripped lines only by whitespace at line ends ("\\r" included), which no shape's
        match needs to be absent (see `plain_buffer`). Entropy shapes are not confirmed.
        """
        if self.every_line:
            return bool(text)
        database, slow = self._scanners(text.isascii())
        if database is not None and _scan_hits(database, text.encode("utf-8", "surrogatepass")):
            return True
        return any(pattern.search(text) for _, pattern in slow)

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
                parts, glue = [value], value.find("=")
                while glue >= 0:
                    parts.append(value[glue + 1 :])
                    glue = value.find("=", glue + 1)
                # exceeds_entropy: the plugin's formula without its lowering of all-digit
                # hex (a superset, as this check must be), and none at all where too few
                # distinct characters cannot pass (with the find loop: 0.22 -> 0.11 s of CPU)
                if any(exceeds_entropy(p, plugin) for p in parts if len(p) >= shortest):
                    return True
        return False

    def _hits(
        self, buffer: bytes, ascii: bool, at: dict[int, int] | None = None
    ) -> dict[int, set[int]]:
        """Shapes found per line (`ascii`: the buffer is ASCII). A byte offset inside each
        match marks its line; `at`, if given, gets one such offset per line (for an ASCII
        buffer also a character offset)."""
        marks: list[tuple[int, int]] = []
        database, slow = self._scanners(ascii)
        if database is not None:
            # Hyperscan reports every end offset a match can have, so an in-line match always
            # marks its own line, whatever longer matches exist around it.
            def on_match(shape: int, start: int, end: int, flags: int, context: Any) -> None:
                marks.append((max(end - 1, 0), shape))

            database.scan(buffer, match_event_handler=on_match)
        lines = _by_line(buffer, marks, b"\n", at)
        if slow:  # re runs on the text; its offsets are characters, counted apart
            text = buffer.decode("utf-8", "surrogatepass")
            text_marks: list[tuple[int, int]] = []
            for index, pattern in slow:
                for match in pattern.finditer(text):
                    text_marks += [(offset, index) for offset in _span_marks(text, match)]
            for line, shapes in _by_line(text, text_marks, "\n", at).items():
                lines.setdefault(line, set()).update(shapes)
        return lines

    def _confirmed(self, line: str, shapes: set[int], line_checks: bool = True) -> frozenset[str]:
        """The plugins whose hits on this line stand: entropy shapes must pass the entropy
        check with the plugin's own regex and limit, a plugin with a line check that check."""
        plugins: set[str] = set()
        for index in shapes:
            shape = self.shapes[index]
            plugin = shape.entropy
            if plugin is None or any(
                exceeds_entropy(found[1] if isinstance(found, tuple) else found, plugin)
                for found in plugin.regex.findall(line)
            ):
                plugins.add(shape.source)
        for name, check in self.line_checks.items() if line_checks else ():
            if name in plugins and not check.may_match(line):
                plugins.discard(name)
        return frozenset(plugins)


def plain_buffer(text: str) -> str | None:
    """The text itself as the buffer to prefilter its plain lines in, when "\\n" is the only
    line end in it (ASCII without "\\r", "\\v", "\\f", "\\x1c"-"\\x1e"); else None.

    The lines are not right-stripped first, as detect-secrets strips them: trailing
    whitespace can add a candidate line, never lose one. A shape's match on the stripped line
    is still a match on the line with its trailing whitespace: every shape that looks past
    its match looks for a non-word character, a quote or whitespace (`\\b`, `(?!\\w)`,
    `(?:\\s|"|$)`), and a space or tab is one as much as the line end is.
    """
    if newline_only(text):
        return text[:-1] if text.endswith("\n") else text  # as many lines as readlines gives
    return None


def newline_only(text: str) -> bool:
    """True for ASCII text where only "\\n" ends a line, for readlines and splitlines alike
    (no "\\r", "\\v", "\\f", "\\x1c"-"\\x1e")."""
    return text.isascii() and not any(c in text for c in "\r\x0b\x0c\x1c\x1d\x1e")


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


def _span_marks(text: str, match: re.Match[str]) -> list[int]:
    """Offsets marking every line a match touches: re's leftmost-longest match may span lines
    and hide a shorter match on its first line, so all of them are candidates."""
    start, end = match.start(), max(match.end() - 1, match.start())
    marks = [start, end]
    newline = text.find("\n", start, end)
    while newline != -1:
        marks.append(newline + 1)
        newline = text.find("\n", newline + 1, end)
    return marks


def _by_line(
    buffer: AnyStr, marks: list[tuple[int, int]], newline: AnyStr, at: dict[int, int] | None
) -> dict[int, set[int]]:
    """Group (offset, shape) marks by the (1-based) line the offset is on; `at`, if given,
    gets the first offset marking each line."""
    lines: dict[int, set[int]] = {}
    line, position = 1, 0
    for offset, shape in sorted(marks):
        if offset > position:
            line += buffer.count(newline, position, offset)
            position = offset
        lines.setdefault(line, set()).add(shape)
        if at is not None:
            at.setdefault(line, offset)
    return lines


def _line_at(text: str, offset: int) -> str:
    """The line of `text` ("\\n" ends lines) that holds the character at `offset` (the line
    it ends, for a "\\n"), without its line end.

    >>> _line_at("a=1\\nkey=abc\\nz", 6), _line_at("a=1\\nkey=abc\\nz", 3), _line_at("x", 0)
    ('key=abc', 'a=1', 'x')
    """
    end = text.find("\n", offset)
    return text[text.rfind("\n", 0, offset) + 1 : end if end >= 0 else len(text)]
