"""Hyperscan databases of the prefilter's shapes: compiled once per process, two per shape set.

Hyperscan runs the shapes in "prefilter" mode, which may report extra matches but never misses
a match Python's `re` would find, provided both read the pattern alike. Two places where they
would not are handled here:
- Python's `\\s` (on str) also takes \\x1c-\\x1f, which hyperscan's never does: each `\\s` that
  could match is widened to take them too (in a negated class it is left alone: there the
  narrower hyperscan class lets more through, not less);
- Python's str patterns are Unicode-aware. On ASCII text plain byte semantics give the same
  `\\w`, `\\d`, `\\s` and `\\b`, so ASCII buffers (most files) get the shapes as they are (the
  "ascii" database). Other text gets each shape rewritten as a byte pattern that matches a
  superset of Python's matches on its UTF-8 bytes (analyzer.secrets.hswide: the "wide"
  database). Hyperscan's own UTF8 and UCP mode would give the same guarantee, but its Unicode
  classes took 1.4 s to compile in every process; the rewritten shapes take as long as the
  ASCII ones (0.1-0.2 s).
The ASCII database is compiled at once, the wide one when the first non-ASCII text comes.
Shapes hyperscan rejects are left to Python's `re` (the prefilter's slow list; on non-ASCII
text those the wide database does not hold).
"""

from __future__ import annotations

import hashlib
import importlib
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from analyzer.secrets import hscache, hswide
from analyzer.secrets.hscache import load_database

ShapeKey = tuple[tuple[str, int], ...]
"""(pattern, re flags) of every shape, in order: what a database is compiled from."""

Expressions = dict[int, tuple[bytes, int]]
"""Shape index -> (the expression hyperscan compiles, its hyperscan flags)."""

CompiledDatabase = tuple[ShapeKey, list[int], bytes, list[int], bytes]
"""(shapes, accepted shape indexes of the ASCII database, serialized ASCII database, the wide
database's accepted shape indexes and serialized database, or [] and b"" when not compiled)."""


def hyperscan_module() -> Any:
    """The hyperscan module, or None where it cannot be imported (then Python's re serves)."""
    try:
        return importlib.import_module("hyperscan")
    except ImportError:  # pragma: no cover - the pure-Python path is tested separately
        return None


class Databases:
    """One shape set's databases: `ascii` for ASCII-only buffers, compiled at once, and
    `wide` for any text, compiled on first use (an image whose texts are all ASCII never
    needs it)."""

    def __init__(
        self,
        hs: Any,
        key: ShapeKey,
        ascii: Any,
        accepted: frozenset[int],
        wide: tuple[Any, frozenset[int]] | None = None,
    ) -> None:
        self._hs = hs
        self._key = key
        self.ascii = ascii
        self.accepted = accepted
        """The shapes the ASCII database holds; the others are left to Python's re."""
        self._wide = wide

    @property
    def wide(self) -> tuple[Any, frozenset[int]]:
        """The database for any text and the shapes it holds (the others are left to
        Python's re on such text), compiled now if not yet."""
        if self._wide is None:
            kept = set(range(len(self._key)))
            database = _compile(self._hs, self._key, kept, wide=True)
            self._wide = (database, frozenset(kept))
        return self._wide

    @property
    def compiled_wide(self) -> tuple[Any, frozenset[int]] | None:
        """The wide database and its shapes if it was compiled (or loaded)."""
        return self._wide


_DATABASES: dict[ShapeKey, Databases] = {}
"""Compiled databases per set of shapes: compiling takes most of a second, so once a process."""


def databases(hs: Any, key: ShapeKey) -> Databases:
    """The databases of a shape set, the ASCII one compiled on first use."""
    if key not in _DATABASES:
        _DATABASES[key] = _build(hs, key)
    return _DATABASES[key]


def export_databases() -> list[CompiledDatabase]:
    """This process's compiled databases, serialized: a worker process loads them in
    milliseconds instead of compiling them again (the wide one only if it was compiled
    here; a worker compiles it itself when it meets non-ASCII text first)."""
    hs = hyperscan_module()
    if hs is None:
        return []
    exported: list[CompiledDatabase] = []
    for key, found in _DATABASES.items():
        if found.accepted:
            wide = found.compiled_wide
            wide_ids, wide_blob = [], b""
            if wide is not None and wide[0] is not None:
                wide_ids, wide_blob = sorted(wide[1]), hs.dumpb(wide[0])
            ascii = hs.dumpb(found.ascii)
            exported.append((key, sorted(found.accepted), ascii, wide_ids, wide_blob))
    return exported


def import_databases(compiled: list[CompiledDatabase]) -> None:
    """Load databases another process compiled (see export_databases)."""
    hs = hyperscan_module()
    if hs is None:
        return
    for key, accepted, ascii, wide_ids, wide_blob in compiled:
        wide = (load_database(hs, wide_blob), frozenset(wide_ids)) if wide_blob else None
        _DATABASES[key] = Databases(hs, key, load_database(hs, ascii), frozenset(accepted), wide)


def widen_whitespace(pattern: str) -> str:
    """The pattern with each `\\s` that may match taking \\x1c-\\x1f too, as Python's does,
    and `\\v` spelled \\x0b (Python's vertical tab; hyperscan's `\\v` is a class of five).

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
            elif pair == "\\v":
                pair = "\\x0b"
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


def _flags(hs: Any, flags: int) -> int:
    mode = hs.HS_FLAG_PREFILTER | hs.HS_FLAG_ALLOWEMPTY | hs.HS_FLAG_MULTILINE
    mode |= hs.HS_FLAG_CASELESS if flags & re.I else 0
    return int(mode | (hs.HS_FLAG_DOTALL if flags & re.S else 0))


def _expression(hs: Any, shape: tuple[str, int], *, wide: bool) -> tuple[bytes, int]:
    """The shape as hyperscan compiles it, and its flags: for ASCII text as it is (`\\s`
    widened), for any text its byte superset (hswide.Unsupported when it has none)."""
    pattern, flags = shape
    if wide:
        rewritten = hswide.byte_superset(pattern, flags | re.M)
        return rewritten.encode(), _flags(hs, 0)
    return widen_whitespace(pattern).encode(), _flags(hs, flags)


def _build(hs: Any, key: ShapeKey) -> Databases:
    """The ASCII database over the shapes it accepts; the wide one comes later."""
    accepted = set(range(len(key)))
    ascii = _compile(hs, key, accepted, wide=False)
    return Databases(hs, key, ascii, frozenset(accepted))


def _compile(hs: Any, key: ShapeKey, accepted: set[int], *, wide: bool) -> Any:
    """A database of the accepted shapes; shapes it rejects leave `accepted` (in place).
    Taken from the opt-in cache or the installation's prepared databases, and kept in the
    opt-in cache, when there are (analyzer.secrets.hscache)."""
    ident, make = _source(hs, key, accepted, wide=wide)
    cache = hscache.cache_file(hs, ident)
    return _stored_or_compiled(
        hs, make, accepted, (cache, hscache.installed_file(hs, ident)), cache
    )


def _source(
    hs: Any, key: ShapeKey, accepted: set[int], *, wide: bool
) -> tuple[Any, Callable[[], Expressions]]:
    """A shape set's database key and what makes its expressions (called only to compile).

    The ASCII database is keyed by its expressions, the shapes with `\\s` widened (quick to
    make). The wide one is keyed by the shapes, the Python and the source of the code that
    rewrites them: rewriting every shape took 10-40 ms in each process that needed the wide
    database, only to find its file."""
    rewriter = _rewriter() if wide else None
    if rewriter is None:
        expressions = _expressions(hs, key, accepted, wide=wide)
        return _ident(expressions), lambda: expressions
    ident = ["wide", [[pattern, flags] for pattern, flags in key], rewriter]
    return ident, lambda: _expressions(hs, key, accepted, wide=True)


def _rewriter() -> str | None:
    """The digest of the rewriting code this process runs (taken when the module loads)."""
    return _REWRITER


def _source_digest() -> str | None:
    """A digest of what turns a shape into its wide expression: this module's and hswide's
    source and the Python (whose re parser hswide reads); None where a source cannot be
    read (the expressions themselves are the key then). Taken once, as the module loads:
    later, the files on disk may already be another version's (a pull, a reinstall) than the
    code this process runs, whose databases must not be kept under that version's key."""
    digest = hashlib.sha256(sys.version.encode())
    try:
        for module in (hswide, sys.modules[__name__]):
            digest.update(Path(str(module.__file__)).read_bytes())
    except (OSError, TypeError):
        return None
    return digest.hexdigest()


_REWRITER = _source_digest()


def prepare_installed(hs: Any, key: ShapeKey) -> list[Path]:
    """Compile the ASCII and the wide database of `key` into the installation's folder
    (hscache.installed_folder), unless one that loads is there; the two files."""
    files = []
    for wide in (False, True):
        accepted = set(range(len(key)))
        ident, make = _source(hs, key, accepted, wide=wide)
        files.append(_prepared(hs, ident, make, accepted))
    return files


def prepare_installed_fixed(hs: Any, expressions: Sequence[tuple[bytes, int]]) -> Path:
    """`prepare_installed` for a fixed set of expressions (see fixed_database); its file."""
    numbered = dict(enumerate(expressions))
    return _prepared(hs, _ident(numbered), lambda: numbered, set(numbered))


def _prepared(hs: Any, ident: Any, make: Callable[[], Expressions], accepted: set[int]) -> Path:
    path = hscache.installed_folder() / hscache.file_name(hs, ident)
    _stored_or_compiled(hs, make, accepted, (path,), path)
    return path


def fixed_database(hs: Any, expressions: Sequence[tuple[bytes, int]]) -> Any:
    """A database of expressions given as hyperscan compiles them (pattern, hyperscan flags),
    the i-th reported as id i: loaded from the opt-in cache or the installation's prepared
    databases where there is one, else compiled now (a literal set with caseless bounded
    repeats took 55 ms, in every process). None when hyperscan rejects any of them: the
    caller then searches with Python."""
    numbered = dict(enumerate(expressions))
    accepted = set(numbered)
    ident = _ident(numbered)
    cache = hscache.cache_file(hs, ident)
    stored = (cache, hscache.installed_file(hs, ident))
    database = _stored_or_compiled(hs, lambda: numbered, accepted, stored, cache)
    return database if len(accepted) == len(numbered) else None


def _stored_or_compiled(
    hs: Any,
    make: Callable[[], Expressions],
    accepted: set[int],
    stored: Sequence[Path | None],
    keep: Path | None,
) -> Any:
    """The first of the `stored` databases that loads, else one compiled now from what
    `make` gives and kept in `keep` (when given)."""
    for path in stored:
        if path is not None and (found := hscache.load(hs, path, accepted)) is not None:
            return found
    database = _compile_now(hs, make(), accepted)
    if keep is not None and database is not None:
        hscache.store(hs, keep, database, accepted)
    return database


def _expressions(hs: Any, key: ShapeKey, accepted: set[int], *, wide: bool) -> Expressions:
    """What hyperscan compiles for each accepted shape; one with no byte superset (wide)
    leaves `accepted`."""
    expressions: dict[int, tuple[bytes, int]] = {}
    for index in sorted(accepted):
        try:
            expressions[index] = _expression(hs, key[index], wide=wide)
        except hswide.Unsupported:
            accepted.discard(index)
    return expressions


def _ident(expressions: Expressions) -> list[Any]:
    """A stored database's key: exactly what it is compiled from (so a change to the shapes
    or to how they are rewritten never loads a stale one)."""
    return [[i, e.decode("latin-1"), f] for i, (e, f) in sorted(expressions.items())]


def _compile_now(hs: Any, expressions: Expressions, accepted: set[int]) -> Any:
    """`_compile` without the stored databases."""
    while accepted:
        ids = sorted(accepted)
        database = hs.Database()
        try:
            database.compile(
                expressions=[expressions[i][0] for i in ids],
                ids=ids,
                elements=len(ids),
                flags=[expressions[i][1] for i in ids],
            )
            return database
        except hs.error:
            rejected = {i for i in ids if not _compiles(hs, expressions[i])}
            accepted -= rejected or set(ids)
    return None


def _compiles(hs: Any, expression: tuple[bytes, int]) -> bool:
    try:
        hs.Database().compile(
            expressions=[expression[0]], ids=[0], elements=1, flags=[expression[1]]
        )
    except hs.error:
        return False
    return True


def shape_key(shapes: Sequence[Any]) -> ShapeKey:
    """The key of a list of shapes (anything with `pattern` and `flags`)."""
    return tuple((shape.pattern, shape.flags) for shape in shapes)
