"""Hyperscan databases of the prefilter's shapes: compiled once per process, two per shape set.

Hyperscan runs the shapes in "prefilter" mode, which may report extra matches but never misses
a match Python's `re` would find, provided both read the pattern alike. Two places where they
would not are handled here:
- Python's `\\s` (on str) also takes \\x1c-\\x1f, which hyperscan's never does: each `\\s` that
  could match is widened to take them too (in a negated class it is left alone: there the
  narrower hyperscan class lets more through, not less);
- Python's str patterns are Unicode-aware, so the database for arbitrary text is compiled
  with UTF8 and UCP. On ASCII text plain byte semantics give the same `\\w`, `\\d`, `\\s` and
  `\\b`, and a database without UTF8 and UCP compiles ten times faster and scans twice as
  fast, so ASCII buffers (most files) get that one.
Shapes hyperscan rejects in either mode are left to Python's `re` (the prefilter's slow list).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

ShapeKey = tuple[tuple[str, int], ...]
"""(pattern, re flags) of every shape, in order: what a database is compiled from."""

CompiledDatabase = tuple[ShapeKey, list[int], bytes, bytes]
"""(shapes, accepted shape indexes, serialized Unicode database, serialized ASCII database)."""


def hyperscan_module() -> Any:
    """The hyperscan module, or None where it cannot be imported (then Python's re serves)."""
    try:
        return importlib.import_module("hyperscan")
    except ImportError:  # pragma: no cover - the pure-Python path is tested separately
        return None


@dataclass(frozen=True, slots=True)
class Databases:
    """One shape set's databases: `unicode` for any text, `ascii` for ASCII-only buffers."""

    unicode: Any
    ascii: Any
    accepted: frozenset[int]
    """The shapes both databases hold; the others are left to Python's re."""


_DATABASES: dict[ShapeKey, Databases] = {}
"""Compiled databases per set of shapes: compiling takes most of a second, so once a process."""


def databases(hs: Any, key: ShapeKey) -> Databases:
    """The databases of a shape set, compiled on first use."""
    if key not in _DATABASES:
        _DATABASES[key] = _build(hs, key)
    return _DATABASES[key]


def export_databases() -> list[CompiledDatabase]:
    """This process's compiled databases, serialized: a worker process loads them in
    milliseconds instead of compiling them again (about a second each)."""
    hs = hyperscan_module()
    if hs is None:
        return []
    return [
        (key, sorted(found.accepted), hs.dumpb(found.unicode), hs.dumpb(found.ascii))
        for key, found in _DATABASES.items()
        if found.accepted
    ]


def import_databases(compiled: list[CompiledDatabase]) -> None:
    """Load databases another process compiled (see export_databases)."""
    hs = hyperscan_module()
    if hs is None:
        return
    for key, accepted, unicode, ascii in compiled:
        _DATABASES[key] = Databases(_load(hs, unicode), _load(hs, ascii), frozenset(accepted))


def _load(hs: Any, blob: bytes) -> Any:
    database = hs.loadb(blob, hs.HS_MODE_BLOCK)
    database.scratch = hs.Scratch(database)
    return database


def widen_whitespace(pattern: str) -> str:
    """The pattern with each `\\s` that may match taking \\x1c-\\x1f too, as Python's does.

    >>> print(widen_whitespace(r"=\\s*x[\\s,][^\\s]\\\\s"))
    =[\\s\\x1c-\\x1f]*x[\\s\\x1c-\\x1f,][^\\s]\\\\s
    """
    out: list[str] = []
    i, in_class, negated = 0, False, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            pair = pattern[i : i + 2]
            if pair == "\\s" and not in_class:
                pair = "[\\s\\x1c-\\x1f]"
            elif pair == "\\s" and not negated:
                pair = "\\s\\x1c-\\x1f"
            out.append(pair)
            i += 2
            continue
        out.append(char)
        i += 1
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class, negated = True, pattern.startswith("^", i)
            for literal in ("^", "]"):  # "[^]..." and "[]...": those are class members
                if pattern.startswith(literal, i):
                    out.append(literal)
                    i += 1
    return "".join(out)


def _flags(hs: Any, flags: int, *, unicode: bool) -> int:
    mode = hs.HS_FLAG_PREFILTER | hs.HS_FLAG_ALLOWEMPTY | hs.HS_FLAG_MULTILINE
    mode |= hs.HS_FLAG_UTF8 | hs.HS_FLAG_UCP if unicode else 0
    mode |= hs.HS_FLAG_CASELESS if flags & re.I else 0
    return int(mode | (hs.HS_FLAG_DOTALL if flags & re.S else 0))


def _build(hs: Any, key: ShapeKey) -> Databases:
    """Both databases over the shapes both modes accept."""
    accepted = set(range(len(key)))
    unicode = ascii = None
    while accepted:
        before = set(accepted)
        unicode = _compile(hs, key, accepted, unicode=True)
        ascii = _compile(hs, key, accepted, unicode=False)
        if accepted == before:
            break
    return Databases(unicode, ascii, frozenset(accepted))


def _compile(hs: Any, key: ShapeKey, accepted: set[int], *, unicode: bool) -> Any:
    """A database of the accepted shapes; shapes it rejects leave `accepted` (in place)."""
    while accepted:
        ids = sorted(accepted)
        database = hs.Database()
        try:
            database.compile(
                expressions=[widen_whitespace(key[i][0]).encode() for i in ids],
                ids=ids,
                elements=len(ids),
                flags=[_flags(hs, key[i][1], unicode=unicode) for i in ids],
            )
            return database
        except hs.error:
            rejected = {i for i in ids if not _compiles(hs, key[i], unicode=unicode)}
            accepted -= rejected or set(ids)
    return None


def _compiles(hs: Any, shape: tuple[str, int], *, unicode: bool) -> bool:
    try:
        hs.Database().compile(
            expressions=[widen_whitespace(shape[0]).encode()],
            ids=[0],
            elements=1,
            flags=[_flags(hs, shape[1], unicode=unicode)],
        )
    except hs.error:
        return False
    return True


def shape_key(shapes: Sequence[Any]) -> ShapeKey:
    """The key of a list of shapes (anything with `pattern` and `flags`)."""
    return tuple((shape.pattern, shape.flags) for shape in shapes)
