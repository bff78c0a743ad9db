"""Every string of a JSON document (object keys too), with where it is: what the config scan
examines beyond the fields it knows (author, container_config, WorkingDir, Volumes keys,
unknown fields...).

The walk keeps its own stack, so a deeply nested document cannot exhaust Python's recursion;
one that `json.loads` itself cannot parse (for its depth, or a number too long) is read token
by token instead (every string token, without paths). Paths name object keys only (array
positions are left out, so a finding's source stays the same when a build step is added) and
stop growing after a few levels: a path is a label, and a hostile document must not make each
one as long as its depth.

A key given twice in one object is legal JSON that readers (Go's encoding/json, so Docker and
containerd; Python's json) resolve to its last value, while the bytes still hold the first:
every member is walked, and a string under a member that a later one of the same key shadows
is marked `shadowed`. It is walked even under a path `skip` accepts, since what reads that
path (the fields the config scan reads first) sees only the last value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from analyzer.text import printable

Path = tuple[str, ...]
_DEEPEST = 6
"""Path segments kept; deeper strings share their ancestor's path."""
_KEY_SHOWN = 40
_STRING_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)


@dataclass(frozen=True, slots=True)
class DocumentString:
    """One string of a document."""

    path: Path
    """The object keys leading to it (for a key: those leading to its object)."""
    text: str
    key: str = ""
    """The object key it is the value of ("" for a key itself and for array elements)."""
    shadowed: bool = False
    """Under a member whose key the same object repeats later: a value readers never see."""


class _Members(list[tuple[str, Any]]):
    """An object that repeats a key, as read: every (key, value) member, in order (an object
    that does not is parsed into a dict)."""


def document_strings(
    raw: bytes, skip: Callable[[Path], bool] = lambda path: False
) -> Iterator[DocumentString]:
    """Every string of the JSON document `raw` in document order, except those under a path
    `skip` accepts (nothing for a document that is not JSON)."""
    for _, strings in entry_strings(raw, skip, split=False):
        yield from strings


def entry_strings(
    raw: bytes, skip: Callable[[Path], bool] = lambda path: False, *, split: bool = True
) -> list[tuple[dict[str, Any], Iterator[DocumentString]]]:
    """`document_strings` of `raw` split by entry: for a document that is an array (a docker
    save manifest.json), one part per element, with the members a reader sees of it (each
    key's last value: {} for an element that is not an object); else one part, whose members
    are {}."""
    repeated: list[bool] = []

    def members(pairs: list[tuple[str, Any]]) -> dict[str, Any] | _Members:
        found = dict(pairs)
        if len(found) == len(pairs):
            return found
        repeated.append(True)
        return _Members(pairs)

    try:
        document = json.loads(raw, object_pairs_hook=members)
    except (ValueError, RecursionError):  # e.g. nested too deep to parse: the string tokens
        return [({}, _tokens(raw))]
    hunt = bool(repeated)
    if not split or not isinstance(document, list) or isinstance(document, _Members):
        return [({}, _walk(document, skip, hunt=hunt))]
    return [(_live(entry), _walk(entry, skip, hunt=hunt)) for entry in document]


def _live(value: Any) -> dict[str, Any]:
    if isinstance(value, _Members):
        return dict(value)
    return value if isinstance(value, dict) else {}


def _walk(document: Any, skip: Callable[[Path], bool], *, hunt: bool) -> Iterator[DocumentString]:
    """The strings of `document` in document order. Under a skipped path nothing is yielded,
    but when the document repeats a key somewhere (`hunt`) the walk goes on below it, for the
    shadowed members there."""
    # (path, key, value, shadowed, skipped)
    stack: list[tuple[Path, str, Any, bool, bool]] = [((), "", document, False, False)]
    while stack:
        path, key, value, shadowed, skipped = stack.pop()
        if isinstance(value, str):
            if not skipped:
                yield DocumentString(path, value, key, shadowed)
        elif isinstance(value, list) and not isinstance(value, _Members):
            stack += [(path, "", item, shadowed, skipped) for item in reversed(value)]
        elif isinstance(value, (dict, _Members)):
            pairs = list(value.items()) if isinstance(value, dict) else value
            last = {name: i for i, (name, _) in enumerate(pairs)} if pairs is value else None
            for i in reversed(range(len(pairs))):
                name, item = pairs[i]
                inner = (*path, _segment(name)) if len(path) < _DEEPEST else path
                hidden = shadowed or (last is not None and last[name] != i)
                # a shadowed member is walked whatever `skip` says: what reads the path
                # sees the last value only
                gone = not hidden and (skipped or skip(inner))
                if not gone or hunt:
                    stack.append((inner, name, item, hidden, gone))
                if not gone:
                    stack.append((path, "", name, hidden, False))


def _segment(key: str) -> str:
    return printable(key[: _KEY_SHOWN * 4])[:_KEY_SHOWN]


def _tokens(raw: bytes) -> Iterator[DocumentString]:
    for token in _STRING_TOKEN.finditer(raw):
        try:
            text = json.loads(token.group())
        except ValueError:
            continue
        yield DocumentString((), text)
