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
The ASCII database is compiled at once, the Unicode one when the first non-ASCII text comes.
Shapes hyperscan rejects are left to Python's `re` (the prefilter's slow list; on non-ASCII
text also those only the Unicode database rejects).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from typing import Any

from analyzer.secrets import hscache
from analyzer.secrets.hscache import load_database

ShapeKey = tuple[tuple[str, int], ...]
"""(pattern, re flags) of every shape, in order: what a database is compiled from."""

CompiledDatabase = tuple[ShapeKey, list[int], bytes, bytes]
"""(shapes, accepted shape indexes, serialized Unicode database or b"" when not compiled,
serialized ASCII database)."""


def hyperscan_module() -> Any:
    """The hyperscan module, or None where it cannot be imported (then Python's re serves)."""
    try:
        return importlib.import_module("hyperscan")
    except ImportError:  # pragma: no cover - the pure-Python path is tested separately
        return None


class Databases:
    """One shape set's databases: `ascii` for ASCII-only buffers, compiled at once, and
    `unicode` for any text, compiled on first use (ten times slower to compile, and an image
    whose texts are all ASCII never needs it)."""

    def __init__(
        self, hs: Any, key: ShapeKey, ascii: Any, accepted: frozenset[int], unicode: Any = None
    ) -> None:
        self._hs = hs
        self._key = key
        self.ascii = ascii
        self.accepted = accepted
        """The shapes the ASCII database holds; the others are left to Python's re."""
        self._unicode = unicode
        self._unicode_accepted: frozenset[int] | None = None if unicode is None else accepted

    @property
    def unicode(self) -> Any:
        """The Unicode database, compiled now if not yet (see `missing`)."""
        if self._unicode_accepted is None:
            kept = set(self.accepted)
            self._unicode = _compile(self._hs, self._key, kept, unicode=True)
            self._unicode_accepted = frozenset(kept)
        return self._unicode

    @property
    def missing(self) -> frozenset[int]:
        """Accepted shapes the Unicode database rejects (none of today's): on non-ASCII text,
        Python's re runs them."""
        if self._unicode_accepted is None:
            self.unicode  # noqa: B018 - compiled to know
        assert self._unicode_accepted is not None
        return self.accepted - self._unicode_accepted

    @property
    def compiled_unicode(self) -> Any:
        """The Unicode database if it was compiled (or loaded) with every accepted shape."""
        return self._unicode if self._unicode_accepted == self.accepted else None


_DATABASES: dict[ShapeKey, Databases] = {}
"""Compiled databases per set of shapes: compiling takes most of a second, so once a process."""


def databases(hs: Any, key: ShapeKey) -> Databases:
    """The databases of a shape set, the ASCII one compiled on first use."""
    if key not in _DATABASES:
        _DATABASES[key] = _build(hs, key)
    return _DATABASES[key]


def export_databases() -> list[CompiledDatabase]:
    """This process's compiled databases, serialized: a worker process loads them in
    milliseconds instead of compiling them again (the Unicode one only if it was compiled
    here; a worker compiles it itself when it meets non-ASCII text first)."""
    hs = hyperscan_module()
    if hs is None:
        return []
    exported: list[CompiledDatabase] = []
    for key, found in _DATABASES.items():
        if found.accepted:
            unicode = found.compiled_unicode
            blob = hs.dumpb(unicode) if unicode is not None else b""
            exported.append((key, sorted(found.accepted), blob, hs.dumpb(found.ascii)))
    return exported


def import_databases(compiled: list[CompiledDatabase]) -> None:
    """Load databases another process compiled (see export_databases)."""
    hs = hyperscan_module()
    if hs is None:
        return
    for key, accepted, unicode, ascii in compiled:
        loaded_unicode = load_database(hs, unicode) if unicode else None
        _DATABASES[key] = Databases(
            hs, key, load_database(hs, ascii), frozenset(accepted), loaded_unicode
        )


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
    """The ASCII database over the shapes it accepts; the Unicode one comes later."""
    accepted = set(range(len(key)))
    ascii = _compile(hs, key, accepted, unicode=False)
    return Databases(hs, key, ascii, frozenset(accepted))


def _compile(hs: Any, key: ShapeKey, accepted: set[int], *, unicode: bool) -> Any:
    """A database of the accepted shapes; shapes it rejects leave `accepted` (in place).
    Taken from and kept in the opt-in cache (analyzer.secrets.hscache) when one is set."""
    path = hscache.cache_file(hs, key, accepted, unicode=unicode)
    if path is not None and (cached := hscache.load(hs, path, accepted)) is not None:
        return cached
    database = _compile_now(hs, key, accepted, unicode=unicode)
    if path is not None and database is not None:
        hscache.store(hs, path, database, accepted)
    return database


def _compile_now(hs: Any, key: ShapeKey, accepted: set[int], *, unicode: bool) -> Any:
    """`_compile` without the cache."""
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
