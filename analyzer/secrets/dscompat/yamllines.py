"""detect-secrets' YAML transformer lines, computed from libyaml's events instead of PyYAML's.

detect-secrets' `YAMLTransformer` turns a YAML file into one line `key: "value"comment` per
string (or `!!binary`) value of a mapping, placed at a line number found by a quirk. A shim
around PyYAML's pure-Python composer stamps each node, when `compose_node` starts on it, with
`loader.line`: the pure-Python Reader's current line, i.e. how far the Scanner has read ahead when
the parser asks for the node, which depends on PyYAML's token look-ahead (a token that may still
start a simple key holds the scanner until it knows, plain scalars swallow the line breaks after
them...). In flow mappings a second shim (`parse_flow_mapping_key`) uses the line of the
innermost open collection instead, when the first key is on the line of `{` or when the
look-ahead queue starts with `,` (and `KEY`, if a second token is queued).

Parsing with the pure-Python loader is most of what detect-secrets spends on YAML files, and for
the lines that matter the quirk reduces to one rule. Plain block YAML (most files: one-line
scalars, block scalars, no anchors, tags or flow mappings) is answered first by yamlfast.py,
line by line without any parser; for the rest this module reads libyaml's (C) events:

* only mapping values that are strings (tag `...:str` or `...:binary`) get a line, read when
  the value's compose starts: just after the key's events, when the scanner has read the `:`
  after the key. A simple key and its `:` are on one line, so the line is the first line of the
  key (of its anchor or tag). In block mappings the flow shim plays no part. In a flow mapping
  written on one line, `{` is on that line too, and the reader can only be past it when every
  token of the line is queued, in which case the `, KEY` test holds: the same line again.
* an anchored scalar is one node for all its aliases, and the shim stamps it again at each of
  them; a mapping reads the stamp of its values when its composition ends, and an alias of a
  mapping is a copy (`_tag_dict_values`) made with the stamps of that moment.

The rest of the transformer is reproduced as it is: values constructed like SafeLoader does
(implicit tags, `!!binary`, `!!str`, merge keys `<<` and their order, `=` keys, duplicate keys,
keys that are equal for Python such as `1`/`true`/`1.0`), then the breadth-first walk, the stable
sort by line, the de-duplication, the padding with empty lines and the comment taken from the raw
line. Which exception would end detect-secrets' parse decides the result: PyYAML errors (a
ParsingError for detect-secrets) give None; multiple documents, duplicate anchors, undefined
aliases, unhashable keys, unknown tags (`!Ref`), bad base64 all do.

Whatever is not reproduced goes to detect-secrets' own transformer (the *fallback*), which keeps
the result exact. It is used for:

* text with a tab, a byte order mark after the first character, an explicit key (`? `) or a
  `?` inside a flow collection, a `%` directive: there libyaml reads differently from PyYAML's
  Python scanner (which rejects tabs between tokens, or ends flow plain scalars at `?`);
* any YAML error libyaml reports: PyYAML decides then;
* a block scalar header PyYAML rejects and libyaml takes (`|#comment`);
* a tag other than `!suffix` / `!!suffix` of plain URI characters (PyYAML's tags may contain
  `,[]{}`, libyaml's not), the non-specific tag `!`, a tag on a collection, a scalar tag ending
  in `:map` (the shim unpacks its text), an anchor on a `<<` or `=` key;
* an alias of a scalar anywhere but as a mapping value (the stamp would need the look-ahead);
* string values in a flow mapping written over several lines, a single-pair mapping in a flow
  sequence (`[a: b]`), an empty key, a key over several lines, nesting deeper than 64 levels;
* a merge key `<<` whose value is a string (detect-secrets merges its own bookkeeping mapping);
* a document detect-secrets' walk would fail on (a string holding `__line__` outside a mapping
  value, a mapping with a `__line__` key), a constructor error that is not a YAML error (the date
  `2020-13-45`, `!!int x`...), since then which error comes first depends on construction order;
* a duplicate anchor or undefined alias in a text holding `?` or `!`;
* custom constructors, multi-constructors or path resolvers registered on SafeLoader.

One behaviour is not reproduced: a sequence that contains itself (`&s [*s]`, with no error
elsewhere) makes detect-secrets' walk loop forever; `transformed_yaml_lines` raises
`RecursiveYAMLError` instead.
"""

from __future__ import annotations

import base64
import io
import re
from collections import deque
from collections.abc import Callable
from typing import Any, Final

import yaml  # type: ignore[import-untyped]
from detect_secrets.transformers.exceptions import ParsingError
from detect_secrets.transformers.yaml import YAMLTransformer
from yaml.constructor import SafeConstructor  # type: ignore[import-untyped]
from yaml.cyaml import CParser  # type: ignore[import-untyped]
from yaml.events import (  # type: ignore[import-untyped]
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode  # type: ignore[import-untyped]
from yaml.reader import Reader  # type: ignore[import-untyped]

from analyzer.secrets.dscompat.yamlfast import fast_yaml_lines
from analyzer.secrets.dscompat.yamlscalar import implicit_tag, output_line, stock_safe_loader

__all__ = ["RecursiveYAMLError", "reference_yaml_lines", "transformed_yaml_lines"]

_STR: Final = "tag:yaml.org,2002:str"
_MERGE: Final = "tag:yaml.org,2002:merge"
_VALUE: Final = "tag:yaml.org,2002:value"
_COLLECTION_TAGS: Final = frozenset(
    "tag:yaml.org,2002:" + name for name in ("seq", "map", "omap", "pairs", "set")
)
_MAX_DEPTH: Final = 64
_BLOCK_STYLES: Final = frozenset("|>")

# Characters PyYAML's Reader rejects (a ReaderError, so a ParsingError).
_NON_PRINTABLE: Final[re.Pattern[str]] = Reader.NON_PRINTABLE
# `? ` starting a token: an explicit key (in flow context any `?` is one for PyYAML).
_EXPLICIT_KEY: Final = re.compile(r"(?:^|[\s\ufeff\[{,])\?(?:\s|$)", re.MULTILINE)
# A tag both scanners read alike: `!suffix` or `!!suffix`, suffix of plain URI characters.
_SIMPLE_TAG: Final = re.compile(r"!!?[0-9A-Za-z\-;/:@&=+$_.~*'()]+")
_TAG_END: Final = frozenset(" \r\n\x85\u2028\u2029")
# A block scalar header as PyYAML reads it: one chomping and one indentation indicator at most,
# then a space or the line's end (libyaml also takes a comment without the space, `|#`).
_BLOCK_HEADER: Final = re.compile(r"[|>](?:[+-][1-9]?|[1-9][+-]?)?(?:[ \r\n\x85\u2028\u2029]|\Z)")


class RecursiveYAMLError(ValueError):
    """The document holds a sequence that contains itself: detect-secrets never returns."""


class _Fallback(Exception):
    """The fast path cannot vouch for this text: ask detect-secrets."""


class _NotParsed(Exception):
    """PyYAML would raise a YAMLError: detect-secrets raises ParsingError."""


def reference_yaml_lines(text: str) -> list[str] | None:
    """detect-secrets' own YAML transformer (None where it raises ParsingError); a document
    holding a cycle raises RecursiveYAMLError first, since detect-secrets' walk never ends."""
    if "&" in text and "*" in text and _has_cycle(text):
        yaml.load(text, Loader=yaml.SafeLoader)  # a construction error comes first, as there
        raise RecursiveYAMLError("an alias inside its own anchor: detect-secrets would loop")
    try:
        lines: list[str] = YAMLTransformer().parse_file(io.StringIO(text))  # type: ignore[arg-type]
    except ParsingError:
        return None
    return lines


def _has_cycle(text: str) -> bool:
    """True when some node of the (first) document contains itself through an alias."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return False  # detect-secrets fails on it too, before any walk
    on_path: set[int] = set()
    done: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)] if root is not None else []
    while stack:
        node, leaving = stack.pop()
        if leaving:
            on_path.discard(id(node))
            done.add(id(node))
            continue
        if id(node) in on_path:
            return True
        if id(node) in done or isinstance(node, ScalarNode):
            continue
        on_path.add(id(node))
        stack.append((node, True))
        children = (
            node.value
            if isinstance(node, yaml.SequenceNode)
            else [item for pair in node.value for item in pair]
        )
        stack.extend((child, False) for child in children)
    return False


def transformed_yaml_lines(text: str) -> list[str] | None:
    """Exactly `YAMLTransformer().parse_file(io.StringIO(text))`, or None where that raises
    ParsingError; exceptions other than ParsingError are raised as detect-secrets raises them
    (except RecursiveYAMLError, raised where detect-secrets would never return)."""
    fast = fast_yaml_lines(text)  # plain block YAML, 3 to 4 times faster; None for the rest
    if fast is not None:
        return fast
    if _NON_PRINTABLE.search(text):
        return None  # PyYAML's Reader refuses the text before anything else
    if _text_falls_back(text):
        return reference_yaml_lines(text)
    try:
        return _Composer(text).lines()
    except _NotParsed:
        return None
    except RecursiveYAMLError:
        raise
    except Exception:  # _Fallback, a libyaml error, or anything unforeseen
        return reference_yaml_lines(text)


def _text_falls_back(text: str) -> bool:
    return (
        "\t" in text
        or "\ufeff" in text[1:]
        or ("?" in text and _EXPLICIT_KEY.search(text) is not None)
        or not stock_safe_loader()
    )


class _Mapping:
    """A mapping being composed: its pairs so far, then the dict SafeConstructor makes."""

    __slots__ = (
        "built",
        "deferred",
        "flow_line",
        "key",
        "key_line",
        "key_raw",
        "keyed",
        "merges",
        "pairs",
        "strings",
    )

    def __init__(self, flow_line: int) -> None:
        self.flow_line = flow_line  # the line of its `{`; -1 in block context
        self.strings = False  # some values are strings (get a line)
        self.pairs: list[tuple[Any, Any]] = []  # (key object, value object)
        self.built: dict[Any, Any] | None = None
        self.keyed = False  # a key waits for its value
        self.key: Any = None
        self.key_raw = ""  # the key's scalar text, detect-secrets' __original_key__
        self.key_line = 0
        self.merges = False
        self.deferred = False  # some values are _Stamped


class _Composer:
    """Composes (and constructs) the single document from libyaml's events."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 1 if text.startswith("\ufeff") else 0  # libyaml's indexes skip a BOM
        self.question = "?" in text
        self.constructors: dict[Any, Callable[..., Any]] = yaml.SafeLoader.yaml_constructors
        self.constructor = SafeConstructor()
        self.cache: dict[tuple[str, str], Any] = {}
        self.yaml_error = False  # constructing would raise a YAMLError
        self.other_error = False  # constructing would raise something else
        self.walk_error = False  # detect-secrets' walk would raise
        self.recursive = False  # a sequence contains itself
        self.anchors: dict[str, Any] = {}  # a _Mapping, a list or a _ScalarAnchor
        self.open_sequences: set[int] = set()

    def lines(self) -> list[str]:
        root = self.compose()
        if self.other_error:
            raise _Fallback  # which error comes first depends on PyYAML's construction order
        if self.yaml_error:
            raise _NotParsed
        if self.walk_error:
            raise _Fallback
        if self.recursive:
            raise RecursiveYAMLError("a sequence contains itself: detect-secrets would loop")
        return _render(_walk(root), self.text)

    def compose(self) -> Any:  # noqa: PLR0915
        """The document's constructed root; string values of mappings are (key, value, line)
        tuples, other scalars their constructed objects."""
        get_event = CParser(self.text).get_event
        stack: list[Any] = []  # open collections: lists and _Mappings
        flow_depth = 0
        flow_start = 0
        root: Any = None
        node: Any = None
        documents = 0
        while True:
            event = get_event()
            kind = event.__class__
            if kind is ScalarEvent:
                value: Any = event.value
                tag = event.tag
                if event.style in _BLOCK_STYLES:
                    self.check_block_header(event)
                if tag is None:
                    tag = implicit_tag(value) if event.implicit[0] else _STR
                else:
                    self.check_tag(event)
                    if tag.endswith(":map"):
                        raise _Fallback  # the shim unpacks the scalar's text as pairs
                parent = stack[-1] if stack else None
                if parent.__class__ is _Mapping and not parent.keyed:
                    key = self.add_scalar_key(parent, value, tag, event)
                    if event.anchor is not None:
                        if tag in (_MERGE, _VALUE):
                            raise _Fallback  # construction changes these nodes' tags
                        self.add_anchor(event.anchor, _ScalarAnchor(tag, key))
                    continue
                if tag != _STR:  # (a `<<` or `=` that is not a key has no constructor)
                    value = self.construct(tag, value)
                elif parent.__class__ is not _Mapping and "__line__" in value:
                    self.walk_error = True  # detect-secrets' walk indexes this string
                if event.anchor is not None:
                    anchored = _ScalarAnchor(tag, value)
                    self.add_anchor(event.anchor, anchored)
                    if parent.__class__ is _Mapping:
                        self.add_anchored_value(parent, anchored)
                        continue
                if parent is None:
                    root = value
                elif parent.__class__ is list:
                    parent.append(value)
                else:
                    parent.keyed = False
                    if tag == _STR or tag.endswith((":str", ":binary")):
                        parent.strings = True
                        value = (parent.key_raw, value, parent.key_line + 1)
                    parent.pairs.append((parent.key, value))
                continue
            if kind is MappingStartEvent or kind is SequenceStartEvent:
                if event.tag is not None or len(stack) >= _MAX_DEPTH:
                    raise _Fallback  # tagged collections (!!set, !!omap, custom ones...)
                start, end = event.start_mark, event.end_mark
                if event.flow_style:
                    if start.index == end.index:
                        raise _Fallback  # a single-pair mapping in a flow sequence
                    if not flow_depth:
                        flow_start = start.index
                    flow_depth += 1
                collection: Any
                if kind is MappingStartEvent:
                    collection = _Mapping(end.line if event.flow_style else -1)
                else:
                    collection = []
                    self.open_sequences.add(id(collection))
                if event.anchor is not None:
                    self.add_anchor(event.anchor, collection)
                stack.append(collection)
                continue
            if kind is MappingEndEvent:
                mapping = stack.pop()
                if mapping.strings and mapping.flow_line not in (-1, event.end_mark.line):
                    raise _Fallback  # string values in a flow mapping over several lines
                node = mapping.built = self.build(mapping, mapping.pairs)
                if flow_depth:  # block collections never nest in flow ones
                    flow_depth -= 1
                    if not flow_depth:
                        self.check_flow_span(flow_start, event.end_mark.index)
            elif kind is SequenceEndEvent:
                node = stack.pop()
                self.open_sequences.discard(id(node))
                if flow_depth:
                    flow_depth -= 1
                    if not flow_depth:
                        self.check_flow_span(flow_start, event.end_mark.index)
            elif kind is AliasEvent:
                target = self.anchors.get(event.anchor)
                if target is None:
                    self.compose_error()  # found undefined alias
                elif target.__class__ is _ScalarAnchor:
                    parent = stack[-1] if stack else None
                    if parent.__class__ is not _Mapping or not parent.keyed:
                        raise _Fallback  # a line the shim would stamp on it is not known
                    self.add_anchored_value(parent, target)
                    continue
                elif target.__class__ is list:
                    node = target
                    if id(target) in self.open_sequences:
                        self.recursive = True
                elif target.built is not None and not target.deferred:
                    node = target.built
                else:  # the shim's copy of the mapping as composed so far, with current lines
                    node = self.build(target, list(target.pairs))
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _NotParsed  # "expected a single document in the stream"
                if event.version is not None or event.tags:
                    raise _Fallback
                continue
            elif kind is StreamEndEvent:
                return root
            else:  # StreamStartEvent, DocumentEndEvent
                continue

            # a collection (or an alias of one) is complete: attach it to its parent
            if not stack:
                root = node
                continue
            parent = stack[-1]
            if parent.__class__ is list:
                parent.append(node)
            elif parent.keyed:
                parent.keyed = False
                parent.pairs.append((parent.key, node))
            else:  # a list or dict as a key
                parent.keyed = True
                parent.key = object()
                parent.key_raw = ""
                self.yaml_error = True  # "found unhashable key"

    def compose_error(self) -> None:
        """A ComposerError (duplicate anchor, undefined alias): PyYAML stops composing there.
        Trusted only when nothing before it could have been scanned differently."""
        if self.question or "!" in self.text:
            raise _Fallback
        raise _NotParsed

    def add_anchor(self, name: str, target: Any) -> None:
        if name in self.anchors:
            self.compose_error()  # found duplicate anchor
        self.anchors[name] = target

    def check_tag(self, event: Any) -> None:
        """Falls back unless the tag reads the same for PyYAML and libyaml."""
        text = self.text
        start = text.find("!", event.start_mark.index + self.offset)
        match = _SIMPLE_TAG.match(text, start) if start >= 0 else None
        if match is None or (match.end() < len(text) and text[match.end()] not in _TAG_END):
            raise _Fallback

    def check_block_header(self, event: Any) -> None:
        """Falls back unless PyYAML accepts the block scalar's header as libyaml did."""
        text = self.text
        start = event.start_mark.index + self.offset
        found = [i for i in (text.find("|", start), text.find(">", start)) if i >= 0]
        if not found or _BLOCK_HEADER.match(text, min(found)) is None:
            raise _Fallback

    def check_flow_span(self, start: int, end: int) -> None:
        """Falls back if a flow collection holds a `?`: PyYAML makes it a key, libyaml may not."""
        if self.question and self.text.find("?", start + self.offset, end + self.offset) >= 0:
            raise _Fallback

    def add_scalar_key(self, mapping: _Mapping, value: str, tag: str, event: Any) -> Any:
        """Records a scalar key of a mapping and returns its constructed object."""
        start, end = event.start_mark, event.end_mark
        if start.index == end.index or start.line != end.line:
            raise _Fallback  # an empty key, or a key over several lines
        mapping.keyed = True
        mapping.key_line = start.line
        mapping.key_raw = value
        if tag == _MERGE:
            mapping.merges = True
            mapping.key = _MERGE_KEY
        elif tag in (_STR, _VALUE):  # flatten_mapping makes `=` keys strings
            mapping.key = value
        else:
            mapping.key = self.construct(tag, value)
        return mapping.key

    def add_anchored_value(self, mapping: _Mapping, anchored: _ScalarAnchor) -> None:
        """A mapping value that is an anchored scalar or an alias of one: the shim stamps the
        node (shared by all its aliases) with the key's line; the mapping reads the stamp when
        it is complete."""
        mapping.keyed = False
        anchored.line = mapping.key_line + 1
        if anchored.tag == _STR or anchored.tag.endswith((":str", ":binary")):
            mapping.deferred = mapping.strings = True
            mapping.pairs.append((mapping.key, _Stamped(mapping.key_raw, anchored)))
        else:
            mapping.pairs.append((mapping.key, anchored.value))

    def construct(self, tag: str, value: str) -> Any:
        """SafeConstructor's object for a scalar node, recording the error it would raise."""
        key = (tag, value)
        try:
            return self.cache[key]
        except KeyError:
            pass
        if tag in _COLLECTION_TAGS:
            self.yaml_error = True  # its generator raises "expected a ... node"
            return None
        constructor = self.constructors.get(tag) or self.constructors[None]
        try:
            result = constructor(self.constructor, ScalarNode(tag, value))
        except yaml.YAMLError:
            self.yaml_error = True
            return None
        except Exception:
            self.other_error = True
            return None
        self.cache[key] = result
        return result

    def build(self, mapping: _Mapping, pairs: list[tuple[Any, Any]]) -> dict[Any, Any]:
        """The dict SafeConstructor makes of a mapping: merged pairs first, then its own."""
        if mapping.deferred:
            pairs = [(key, _unstamp(value)) for key, value in pairs]
        if not mapping.merges:
            built = dict(pairs)
        else:
            merged: list[tuple[Any, Any]] = []
            own: list[tuple[Any, Any]] = []
            for key, value in pairs:
                if key is not _MERGE_KEY:
                    own.append((key, value))
                elif value.__class__ is dict:
                    merged.extend(value.items())
                elif value.__class__ is list and all(item.__class__ is dict for item in value):
                    for item in reversed(value):
                        merged.extend(item.items())
                elif value.__class__ is tuple:
                    raise _Fallback  # a string merged: detect-secrets merges its bookkeeping
                else:
                    self.yaml_error = True  # "expected a mapping or list of mappings"
            built = dict(merged + own)
        if "__line__" in built:
            self.walk_error = True  # detect-secrets' walk takes it for its own bookkeeping
        return built


class _ScalarAnchor:
    """An anchored scalar: its tag, constructed value and the line last stamped on it."""

    __slots__ = ("line", "tag", "value")

    def __init__(self, tag: str, value: Any) -> None:
        self.tag = tag
        self.value = value
        self.line = 0


class _Stamped:
    """A mapping's string value that is an anchored node: its line is read at the end."""

    __slots__ = ("anchored", "key_raw")

    def __init__(self, key_raw: str, anchored: _ScalarAnchor) -> None:
        self.key_raw = key_raw
        self.anchored = anchored


def _unstamp(value: Any) -> Any:
    if value.__class__ is _Stamped:
        return (value.key_raw, value.anchored.value, value.anchored.line)
    return value


_MERGE_KEY: Final = object()  # a merge key `<<` among a mapping's keys


def _walk(root: Any) -> list[tuple[str, Any, int]]:
    """detect-secrets' breadth-first walk: the (key, value, line) of each string value."""
    found: list[tuple[str, Any, int]] = []
    queue: deque[Any] = deque((root,))
    popleft, extend = queue.popleft, queue.extend
    while queue:
        item = popleft()
        kind = item.__class__
        if kind is tuple:
            found.append(item)
        elif kind is dict:
            extend(item.values())
        elif kind is list:
            extend(item)
    return found


def _render(found: list[tuple[str, Any, int]], text: str) -> list[str]:
    """detect-secrets' parse_file after the walk: sort, de-duplicate, pad, quote."""
    found.sort(key=_line_of)
    raw_lines = text.splitlines()
    seen: set[tuple[str, Any, int]] = set()
    lines: list[str] = []
    for item in found:
        if item in seen:
            continue
        seen.add(item)
        key, value, line_number = item
        while len(lines) < line_number - 1:
            lines.append("")
        if value.__class__ is bytes:
            value = base64.b64encode(value).decode()
        lines.append(output_line(key, value, raw_lines[line_number - 1]))
    return lines


def _line_of(item: tuple[str, Any, int]) -> int:
    return item[2]
