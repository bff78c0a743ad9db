"""Every string of a JSON document (object keys too), with where it is: what the config scan
examines beyond the fields it knows (author, container_config, WorkingDir, Volumes keys,
unknown fields...).

The walk keeps its own stack, so a deeply nested document cannot exhaust Python's recursion;
one that `json.loads` itself cannot parse (for its depth, or a number too long) is read token
by token instead (every string token, without paths). Paths name object keys only (array
positions are left out, so a finding's source stays the same when a build step is added) and
stop growing after a few levels: a path is a label, and a hostile document must not make each
one as long as its depth.
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


def document_strings(
    raw: bytes, skip: Callable[[Path], bool] = lambda path: False
) -> Iterator[DocumentString]:
    """Every string of the JSON document `raw` in document order, except those under a path
    `skip` accepts (nothing for a document that is not JSON)."""
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):  # e.g. nested too deep to parse: the string tokens
        yield from _tokens(raw)
        return
    yield from _walk(document, skip)


def _walk(document: Any, skip: Callable[[Path], bool]) -> Iterator[DocumentString]:
    stack: list[tuple[Path, str, Any]] = [((), "", document)]
    while stack:
        path, key, value = stack.pop()
        if isinstance(value, str):
            yield DocumentString(path, value, key)
        elif isinstance(value, list):
            stack += [(path, "", item) for item in reversed(value)]
        elif isinstance(value, dict):
            for name, item in reversed(list(value.items())):
                inner = (*path, _segment(name)) if len(path) < _DEEPEST else path
                if not skip(inner):
                    stack += [(inner, name, item), (path, "", name)]


def _segment(key: str) -> str:
    return printable(key[: _KEY_SHOWN * 4])[:_KEY_SHOWN]


def _tokens(raw: bytes) -> Iterator[DocumentString]:
    for token in _STRING_TOKEN.finditer(raw):
        try:
            text = json.loads(token.group())
        except ValueError:
            continue
        yield DocumentString((), text)
