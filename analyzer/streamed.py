"""Documents too big to hold: a list made while it is written, and JSON written piece by piece.

`ls -f json` of an image of 450,000 paths held every path's document at once (about 3.7 KB each:
1.67 GB). A `Streamed` list in a document is made again each time it is read, one item at a time
(a table reads it twice: once to size its columns, once to print the rows), and `json_chunks`
writes such a document exactly as `json.dumps(doc, indent=2, ensure_ascii=True)` would write it
with every Streamed made whole: memory holds one item at a time, not the list.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_INDENT = "  "
_ENCODER = json.JSONEncoder(indent=len(_INDENT), ensure_ascii=True)
"""ASCII JSON: controls, NULs and surrogates (names that were not UTF-8) become \\u escapes, so
the text reads back exact and no output encoding can fail on it."""


class Streamed(Generic[T]):
    """A list of a document, made item by item each time it is iterated. Its items are plain
    JSON-ready data (no Streamed inside)."""

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[], Iterable[T]]) -> None:
        self._make = make

    def __iter__(self) -> Iterator[T]:
        return iter(self._make())


def has_items(items: Iterable[Any]) -> bool:
    """Whether `items` (a list or a Streamed) holds anything; a Streamed is made only up to its
    first item."""
    return any(True for _ in items)


def json_chunks(doc: Any) -> Iterator[str]:
    """`doc` as indented ASCII JSON and a newline, in pieces: the items of its Streamed lists
    are made, encoded and given one by one.

    >>> doc = {"a": [1], "s": Streamed(lambda: ({"n": n} for n in range(2))), "e": Streamed(list)}
    >>> "".join(json_chunks(doc)) == json.dumps(
    ...     {"a": [1], "s": [{"n": 0}, {"n": 1}], "e": []}, indent=2) + "\\n"
    True
    """
    yield from _chunks(doc, 0)
    yield "\n"


def _chunks(value: Any, level: int) -> Iterator[str]:
    if isinstance(value, Streamed):
        yield from _sequence_chunks(value, level)
    elif isinstance(value, dict) and _holds_streamed(value):
        yield from _mapping_chunks(value, level)
    elif isinstance(value, (list, tuple)) and _holds_streamed(value):
        yield from _sequence_chunks(value, level)
    else:
        # JSON strings hold no raw newline: indenting every line is re-indenting the value
        yield "".join(_ENCODER.iterencode(value)).replace("\n", "\n" + _INDENT * level)


def _holds_streamed(value: Any) -> bool:
    if isinstance(value, Streamed):
        return True
    if isinstance(value, dict):
        return any(_holds_streamed(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_streamed(v) for v in value)
    return False


def _mapping_chunks(mapping: dict[str, Any], level: int) -> Iterator[str]:
    inner = "\n" + _INDENT * (level + 1)
    opening = "{" + inner
    for key, value in mapping.items():
        yield opening + _ENCODER.encode(key) + ": "
        yield from _chunks(value, level + 1)
        opening = "," + inner
    yield "{}" if opening.startswith("{") else "\n" + _INDENT * level + "}"


def _sequence_chunks(items: Iterable[Any], level: int) -> Iterator[str]:
    inner = "\n" + _INDENT * (level + 1)
    opening = "[" + inner
    for item in items:
        yield opening
        yield from _chunks(item, level + 1)
        opening = "," + inner
    yield "[]" if opening.startswith("[") else "\n" + _INDENT * level + "]"
