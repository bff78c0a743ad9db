"""detect-secrets' YAML transformer lines for plain block YAML, read line by line.

Most YAML files are block mappings and sequences of one-line scalars. For those, the lines of
detect-secrets' `YAMLTransformer` (see yamllines.py) follow from the lines alone: a string value
of a mapping is placed at the line of its key (the shim's `loader.line` when the value's compose
starts, the scanner having just read the `:`), the dict keeps the last of duplicate keys (keys
equal for Python, `1`/`true`/`1.0`, are one), its walk skips the scalars of sequences, and the
comment is taken from the raw line. This module reads such text with one regex per distinct
line and a stack of open block collections, without libyaml. Outside this subset it *declines*
(answers None) and yamllines reads the text with libyaml as before. Declined, and why:

* a character PyYAML's Reader refuses (yamllines answers None for it); a tab (PyYAML takes it
  in some places only); NEL, LS, PS (line breaks for PyYAML but not for the line regex); a byte
  order mark after the first character; the text `__line__` (the shim's own key: the walk
  crashes or mistakes a user's mapping for a value);
* SafeLoader with other constructors or resolvers, or a resolver for every first character:
  the constructed values, or which plain scalars are strings, would not be known here;
* a directive, a document marker other than one `---` before the content, `...`: several
  documents raise, and markers end scalars;
* anchors, aliases, tags, merge keys `<<`, value keys `=`: aliases share a node stamped once
  per alias, tags and merges change values (the line regex takes none of `&*!`; `<<` and `=`
  resolve to tags that are not a plain scalar's). A quick search declines any `&`, `*` or `!`
  before a non-space at a line's start (after the indentation and a `- `) or after `: `, even
  inside a quoted or block scalar;
* flow collections other than `{}` and a one-line flow sequence of scalars: the shim for flow
  mappings moves lines, and several values could share a line;
* explicit keys `? `, keys that are not one-line scalars, keys whose `:` is more than 1000
  characters after their start (PyYAML forgets a simple key after 1024);
* double-quoted scalars with a backslash, quoted scalars over several lines, plain scalars
  continued on the next line (any more indented line after a scalar) or holding `: `, and a
  value on the line after its key (their folding and stamps are left to libyaml);
* a plain scalar whose construction fails (`2020-13-45`, `0x_`): PyYAML raises;
* a line that is not blank, a comment, `key: value`, `- value` or `- key: value` at the column
  of its collection, or one opening a collection below an empty value (so every indentation
  error PyYAML would raise is declined);
* nesting deeper than 64 levels: PyYAML's composer recurses.

Block scalars (`|`, `>`, chomping and indentation indicators) are read as PyYAML's scanner reads
them (yamlscalar.block_scalar); they never move a value, only make its text.
"""

from __future__ import annotations

import functools
import re
from itertools import islice
from typing import Any, Final, cast

import yaml  # type: ignore[import-untyped]
from yaml.constructor import SafeConstructor  # type: ignore[import-untyped]
from yaml.nodes import ScalarNode  # type: ignore[import-untyped]

from analyzer.secrets.dscompat.yamlscalar import (
    SCALAR_TAGS,
    STR,
    block_scalar,
    implicit_tag,
    output_line,
    stock_safe_loader,
)

__all__ = ["fast_yaml_lines"]

_DEPTH: Final = 64
_MAX_KEY: Final = 1000
_MAP, _SEQ, _INDENTLESS = 0, 1, 2  # kinds of open block collection
STRING, _OTHER, _EMPTY, _BLOCK, _ITEM = 0, 1, 2, 3, 4  # kinds of value on a line
# a line's indentation, entry (`- `), key text, key object, kind of value, value text
_Parsed = tuple[int, str | None, str | None, Any, int, str]
_SKIP: Final[_Parsed] = (-1, None, None, None, _ITEM, "")  # a blank or comment line
_NO_FRAME: Final = (-1, -1, None)

# What PyYAML's Reader accepts (the complement of Reader.NON_PRINTABLE) but tab, NEL, LS, PS and
# the byte order mark; for ASCII text, the same as bytes.
_UNSAFE: Final = re.compile(
    "[^\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_SAFE_ASCII: Final = bytes(range(0x20, 0x7F)) + b"\n\r"
_INDICATORS: Final = "-?:,[]{}#&*!|>'\"%@`"
# The rest of a one-line plain scalar in block context, as PyYAML's scan_plain reads it: it
# stops before ` #` and trailing spaces, a `: ` would make a mapping value PyYAML refuses (the
# line does not match then), and a key ends at its `:`. Each repetition is an atomic group, never
# a possessive quantifier: CPython before 3.11.5 matched a possessive repeat of a group with
# alternatives wrongly (gh-106052), e.g. kept the trailing spaces of `token  # comment`.
_PLAIN_REST: Final = r"(?>(?:[^ :]+|:(?=[^ ])| +(?=[^ #]))*)"
_KEY_REST: Final = r"(?>(?:[^ :]+|:(?=[^ ])| +(?=[^ #:]))*)"
_QUOTED: Final = r"\"[^\"\\]*\"|'(?>(?:[^']+|'')*)'"  # on one line, without escapes
# A flow sequence of scalars on one line. Its plain scalars are in flow context: they end at
# `,[]{}` and at a `:` before those or a space (a single-pair mapping, declined), PyYAML's
# scanner ends them at `?` too, and `#` (a comment after a space) is left out.
_FLOW_PLAIN: Final = (
    r"(?:[^-?:,\[\]{}#&*!|>'\"%@` ]|-(?=[^ ,\[\]{}]))"
    r"(?>(?:[^ ,\[\]{}:?#]+|:(?=[^ ,\[\]{}])| +(?=[^ ,\[\]{}:?#]))*)"
)
_FLOW_ITEM: Final = rf"(?:{_FLOW_PLAIN}|{_QUOTED}) *"
_FLOW_SEQUENCE: Final = rf"\[ *(?:{_FLOW_ITEM}(?:, *{_FLOW_ITEM})*(?:, *)?)?\]"
_FLOW_PLAINS: Final = re.compile(rf"[\[,] *({_FLOW_PLAIN})")  # (and some text in quotes)
# A block scalar header (PyYAML wants a space or the end after it), a flow sequence, `{}`.
_SPECIAL: Final = rf"[|>](?:[-+][1-9]?|[1-9][-+]?)?(?= |$)|{_FLOW_SEQUENCE}|\{{ *\}}"
# `&`, `*`, `!` before a non-space where a key or value starts: an anchor, alias or tag, which
# the line regex would decline. Searched first, so that tagged files (`!Ref`...) are declined at
# once; it also finds a few in quoted and block scalars, which are then declined too.
_PROPERTY: Final = re.compile(r"(?:^ *(?:- +)?|: +)[&*!][^ \n]", re.MULTILINE)
_BLANK: Final = re.compile(r" *(?:#.*)?$")
_DOCUMENT_START: Final = re.compile(r"--- *(?:#.*)?$")
_CONSTRUCTOR: Final = SafeConstructor()


@functools.lru_cache(maxsize=4)
def _line_regex(resolved: str) -> re.Pattern[str]:
    """The regex of a line holding an entry (`- `) or a key, where a plain scalar whose first
    character is not in `resolved` (nor an indicator) is a string without resolving it.

    Groups: indentation, entry, string key, other key (plain, or quoted with its quotes),
    string value, other plain value, quoted value (with its quotes), block header or flow.
    """
    string_first = "[^" + re.escape(_INDICATORS + resolved) + " ]"
    other_first = "(?:[" + re.escape("".join(c for c in resolved if c not in _INDICATORS) or "\n")
    other_first += "]|[-?:](?=[^ ]))"
    return re.compile(
        r"(?!(?:---|\.\.\.)(?: |$))"  # a document marker is not a plain scalar
        r"( *)(- +|-$)?"
        rf"(?:(?:({string_first}{_KEY_REST})|({other_first}{_KEY_REST}|{_QUOTED})) *:(?: +|$))?"
        rf"(?:({string_first}{_PLAIN_REST})|({other_first}{_PLAIN_REST})|({_QUOTED})|({_SPECIAL}))?"
        r"(?(2)|(?(3)|(?(4)|(?!))))"  # an entry or a key: a bare scalar is declined
        r" *(?:#.*)?$"
    )


class _Decline(Exception):
    """The text is outside the subset this module reads exactly."""


def fast_yaml_lines(text: str) -> list[str] | None:
    """Exactly detect-secrets' `YAMLTransformer().parse_file` lines for a text in the subset
    described above (the module docstring); None for any other text."""
    body = text[1:] if text.startswith("\ufeff") else text  # the scanner skips it, uncounted
    if "__line__" in body or _unsafe(body) or not stock_safe_loader():
        return None
    if ("&" in body or "*" in body or "!" in body) and _PROPERTY.search(body):
        return None
    resolved = yaml.SafeLoader.yaml_implicit_resolvers.keys()
    if None in resolved:
        return None  # a resolver for any first character: no plain scalar is surely a string
    lines = body.splitlines()  # YAML's line breaks, now that NEL, LS and PS are refused
    composer = _Composer(lines, body.endswith(("\n", "\r")), _line_regex("".join(sorted(resolved))))
    try:
        root = composer.compose()
    except _Decline:
        return None
    return _render(root, text.splitlines() if body is not text else lines)


def _unsafe(text: str) -> bool:
    if text.isascii():  # the common case, 10 times faster than the regex
        return bool(text.encode("ascii").translate(None, _SAFE_ASCII))
    return _UNSAFE.search(text) is not None


class _Composer:
    """Builds the document from its lines: dicts and lists, a mapping's string value as its
    (key, value, line) tuple, its other values as None (a sequence's scalars: left out)."""

    def __init__(self, lines: list[str], last_break: bool, regex: re.Pattern[str]) -> None:
        self.lines = lines
        self.last_break = last_break  # the last line ends with a line break
        self.match = regex.match
        self.frames: list[tuple[int, int, Any]] = []  # open collections: column, kind, container
        self.root: Any = None
        self.started = False  # a `---` or the root collection was seen
        self.parsed: dict[str, _Parsed] = {}  # by line text: lines repeat (`enabled: true`)

    def compose(self) -> Any:
        """The document's root (None when it is empty)."""
        known, parse, frames = self.parsed.get, self.parse, self.frames
        map_column, container = -1, cast(Any, None)  # the innermost collection; its column
        waiting: tuple[int, Any, Any, bool] | None = None  # an empty value: see settle()
        numbered = enumerate(self.lines, 1)
        for number, line in numbered:
            parsed = known(line) or parse(line)
            if parsed is _SKIP:
                continue
            column, dash, key, name, kind, text = parsed
            if waiting is not None:  # (the common cases inline: this loop is the hot path)
                if dash is None and waiting[3] and column > waiting[0] and len(frames) < _DEPTH:
                    container = waiting[2][waiting[1]] = {}  # `key:` then deeper keys
                    frames.append((column, _MAP, container))
                    map_column = column
                else:
                    map_column, container = self.place(column, dash, key is not None, waiting)
                waiting = None
            elif dash is not None or column != map_column:
                while dash is None and frames and column < frames[-1][0]:
                    frames.pop()  # back to an enclosing mapping, most often
                top = frames[-1] if dash is None and frames else _NO_FRAME
                if top[0] == column and top[1] == _MAP:
                    map_column, container = column, top[2]
                else:
                    map_column, container = self.place(column, dash, key is not None, None)
            if kind == STRING:
                container[name] = (key, text, number)
            elif kind == _OTHER:
                container[name] = None
            elif kind == _EMPTY:
                keyed = key is not None
                waiting = (map_column if keyed else column, name, container, keyed)
            elif kind == _BLOCK:
                min_indent = (map_column if key is not None else column) + 1
                text, end = block_scalar(self.lines, number, self.last_break, text, min_indent)
                next(islice(numbered, end - number, end - number), None)  # skip its lines
                if key is not None:
                    container[name] = (key, text, number)
        if waiting is not None:
            self.settle(waiting, -1, None)
        return self.root

    def parse(self, line: str) -> _Parsed:
        """What a line says, or _SKIP for a blank or comment line (or the leading `---`)."""
        found = self.match(line)
        if found is None:
            if _BLANK.match(line):
                self.parsed[line] = _SKIP
                return _SKIP
            if self.started or not _DOCUMENT_START.match(line):
                raise _Decline  # a bare scalar, a second document, a directive, a flow...
            self.started = True
            return _SKIP
        indent, dash, key, other_key, value, other, quoted, special = found.groups()
        name, cache = key, True
        if other_key is not None:
            key, name = _key(other_key)
            cache = name.__class__ is str  # else a fresh object each time, as for a NaN key
        if key is not None and len(line) > _MAX_KEY:
            _check_key_length(found)
        kind, text = (STRING, value) if value is not None else _value(other, quoted, special)
        if key is None and kind in (STRING, _OTHER):
            kind = _ITEM  # a scalar in a sequence: detect-secrets' walk skips it
        parsed = (len(indent), dash, key, name, kind, text)
        if cache:
            self.parsed[line] = parsed
        return parsed

    def place(self, column: int, dash: str | None, keyed: bool, waiting: Any) -> tuple[int, Any]:
        """The collection a line's entry or key goes in (and its column if a mapping, else -1),
        after opening or closing collections as PyYAML's indentation rules do; declines where
        these would raise, or mean what this module does not model."""
        frames = self.frames
        if waiting is not None:
            self.settle(waiting, column, dash)
        elif not frames:
            if self.root is not None:
                raise _Decline  # left of the root collection: a second node
            self.root = {} if dash is None else []
            self.open(column, _MAP if dash is None else _SEQ, self.root)
        while frames and column < frames[-1][0]:
            frames.pop()
        if frames and frames[-1][1] == _INDENTLESS and column == frames[-1][0] and not dash:
            frames.pop()  # a key of the mapping that holds the indentless sequence
        if not frames or column != frames[-1][0]:
            raise _Decline  # more indented than its collection: a continuation, or an error
        kind, top = frames[-1][1:]
        if (dash is None) != (kind == _MAP):
            raise _Decline  # an entry in a mapping, a key in a sequence
        if dash is None or not keyed:
            return (column if dash is None else -1), top
        mapping: dict[Any, Any] = {}  # `- key: value`: a mapping at the key's column
        top.append(mapping)
        self.open(column + len(dash), _MAP, mapping)
        return column + len(dash), mapping

    def settle(self, waiting: tuple[int, Any, Any, bool], column: int, dash: str | None) -> None:
        """Gives an empty value (`key:` or `-`) a collection when the next line is more
        indented (or, after a key, an entry at the key's column); else it is null."""
        where, name, container, keyed = waiting
        value: Any = None
        if column > where or (column == where and dash and keyed):
            kind = _MAP if not dash else _SEQ if column > where else _INDENTLESS
            value = {} if kind == _MAP else []
            self.open(column, kind, value)
        if keyed:
            container[name] = value
        elif value is not None:
            container.append(value)

    def open(self, column: int, kind: int, container: Any) -> None:
        if len(self.frames) >= _DEPTH:
            raise _Decline  # PyYAML's composer recurses once per level
        self.started = True
        self.frames.append((column, kind, container))


def _value(other: str | None, quoted: str | None, special: str | None) -> tuple[int, str]:
    """A line's value from its regex groups: its kind and text (a block scalar's header)."""
    if quoted is not None:
        unquoted = quoted[1:-1]
        return STRING, unquoted if quoted[0] == '"' else unquoted.replace("''", "'")
    if other is not None:
        tag = implicit_tag(other)
        if tag == STR:
            return STRING, other
        _construct(tag, other)  # PyYAML raises if it does not construct
        return _OTHER, other
    if special is None:
        return _EMPTY, ""
    for plain in _FLOW_PLAINS.findall(special) if special[0] == "[" else ():
        tag = implicit_tag(plain)
        if tag != STR:
            _construct(tag, plain)  # the walk skips a list's scalars, but they construct
    return (_BLOCK, special) if special[0] in "|>" else (_OTHER, special)


def _key(text: str) -> tuple[str, Any]:
    """A quoted or maybe non-string plain key: its text (detect-secrets' __original_key__) and
    the object SafeConstructor makes of it (keys equal for Python are one key)."""
    if text[0] in "\"'":
        key = text[1:-1] if text[0] == '"' else text[1:-1].replace("''", "'")
        return key, key
    tag = implicit_tag(text)
    return text, text if tag == STR else _construct(tag, text)


def _construct(tag: str, value: str) -> Any:
    if tag not in SCALAR_TAGS:
        raise _Decline  # `<<`, `=`, custom resolvers: construction is not a scalar's
    try:
        return yaml.SafeLoader.yaml_constructors[tag](_CONSTRUCTOR, ScalarNode(tag, value))
    except Exception as error:  # PyYAML raises too, maybe not a YAMLError (a date 2020-13-45)
        raise _Decline from error


def _check_key_length(found: re.Match[str]) -> None:
    """PyYAML forgets a simple key whose `:` is more than 1024 characters after its start."""
    group = 3 if found.start(3) >= 0 else 4
    if found.string.index(":", found.end(group)) - found.start(group) > _MAX_KEY:
        raise _Decline


def _render(root: Any, raw_lines: list[str]) -> list[str]:
    """detect-secrets' lines from the string values: one per line here, so its sort, padding
    and de-duplication put each at its line's index; quoted, with the raw line's comment."""
    found: list[tuple[str, str, int]] = []
    stack = [root] if root else []
    while stack:
        item = stack.pop()
        for value in item.values() if item.__class__ is dict else item:
            if value.__class__ is tuple:
                found.append(value)
            elif value:
                stack.append(value)
    lines = [""] * max(number for _, _, number in found) if found else []
    for key, value, number in found:
        lines[number - 1] = output_line(key, value, raw_lines[number - 1])
    return lines
