"""A Python text regex rewritten as a byte pattern that finds a superset of its matches in UTF-8.

The prefilter's shapes are Python `str` patterns: Unicode-aware `\\w`, `\\d`, `\\s` and `\\b`,
case folding that pairs `k` with the Kelvin sign, `.` that takes any character. On ASCII text
plain byte semantics agree with them; on other text, Hyperscan would need UTF8 and UCP mode,
whose Unicode classes take over a second to compile in every process. This module rewrites a
shape instead, from Python's own parse of it (`re._parser`), into a byte pattern in which every
atom matches one whole character: an ASCII byte, or any non-ASCII character as its UTF-8 bytes
(`NON_ASCII`), whenever Python's atom could match a non-ASCII character at all. Lookarounds and
`\\b`/`\\B` are dropped. Each step only widens what matches, and repeat counts still count
characters, so on the UTF-8 bytes of a text the rewritten pattern matches wherever Python's does
(and elsewhere: the prefilter confirms its candidates). The result compiles in plain byte mode,
as fast as the ASCII database, with no case, dot-all or UTF-8 flag: all of that is spelled out.

A backreference becomes its group's pattern (the text it repeats is one the group matched;
under IGNORECASE any case of it), a conditional group either branch. `re._parser` is CPython's
own regex parser (private, stable since 3.11); a construct this module does not know (an
opcode of a later Python) raises `Unsupported`, and the caller leaves that shape to Python's
`re`.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

try:  # CPython 3.11+: the parser `re` compiles with (no type stubs: private)
    sre: Any = importlib.import_module("re._constants")
    sre_parse: Any = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover - every supported Python has it
    sre = sre_parse = None

NON_ASCII = "(?:[\\xc0-\\xf7][\\x80-\\xbf]{1,3})"
"""One non-ASCII character's UTF-8 bytes (a lead byte and its continuation bytes; the text is
encoded with surrogatepass, so a lone surrogate is three bytes of the same shape)."""

FOLDS_OUTSIDE_ASCII = frozenset("iksIKS")
"""ASCII letters that Python's re.IGNORECASE pairs with a non-ASCII character (U+0130, U+0131,
U+212A KELVIN SIGN, U+017F LONG S); tests check this list against the running Python."""

_ASCII = range(128)


class Unsupported(ValueError):
    """The pattern holds a construct with no byte superset here; Python's re must run it."""


def byte_superset(pattern: str, flags: int = 0) -> str:
    """The byte pattern (for Hyperscan, compiled without UTF8, UCP, CASELESS or DOTALL, with
    MULTILINE) matching the UTF-8 bytes of every text where `re.compile(pattern, flags | re.M)`
    finds a match, ending on the same character."""
    if sre_parse is None:  # pragma: no cover
        raise Unsupported("this Python has no re._parser")
    try:
        parsed = sre_parse.parse(pattern, flags)
    except re.error as error:
        raise Unsupported(str(error)) from error
    return _sequence(list(parsed), parsed.state.flags, {})


Groups = dict[int, tuple[list[tuple[Any, Any]], int]]
"""A capturing group's number -> its body and flags, for the backreferences after it."""


def _sequence(items: list[tuple[Any, Any]], flags: int, groups: Groups) -> str:
    return "".join(_item(op, value, flags, groups) for op, value in items)


def _item(op: Any, value: Any, flags: int, groups: Groups) -> str:
    if op is sre.LITERAL:
        return _literal(value, flags)
    if op is sre.NOT_LITERAL:
        return _atom(set(_ASCII) - {value}, wide=True)
    if op is sre.ANY:
        every = set(_ASCII) if flags & re.S else set(_ASCII) - {10}
        return _atom(every, wide=True)
    if op is sre.IN:
        return _class(value, flags)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, body = value
        return f"(?:{_sequence(list(body), flags, groups)}){_count(low, high)}"
    if op is sre.SUBPATTERN:
        group, add, remove, body = value
        inner = (flags | add) & ~remove
        if group is not None:
            groups[group] = (list(body), inner)
        return f"(?:{_sequence(list(body), inner, groups)})"
    if op is sre.GROUPREF:  # the same text the group matched: some text its body matches
        if value not in groups:
            raise Unsupported(f"a reference to group {value} before it")
        body, inner = groups[value]
        return f"(?:{_sequence(body, inner | (flags & re.I), groups)})"
    if op is sre.GROUPREF_EXISTS:  # (?(n)yes|no): either branch
        _group, yes, no = value
        branches = [_sequence(list(yes), flags, groups)]
        branches.append(_sequence(list(no), flags, groups) if no is not None else "")
        return "(?:" + "|".join(branches) + ")"
    if op is sre.ATOMIC_GROUP:
        return f"(?:{_sequence(list(value), flags, groups)})"
    if op is sre.BRANCH:
        alternatives = [_sequence(list(branch), flags, groups) for branch in value[1]]
        return "(?:" + "|".join(alternatives) + ")"
    if op is sre.AT:
        return {sre.AT_BEGINNING: "^", sre.AT_END: "$"}.get(value, "")
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return ""
    raise Unsupported(f"no byte superset for {op}")


def _count(low: int, high: int) -> str:
    if high == sre.MAXREPEAT:
        return {0: "*", 1: "+"}.get(low, f"{{{low},}}")
    return "?" if (low, high) == (0, 1) else f"{{{low},{high}}}"


def _literal(code: int, flags: int) -> str:
    if code >= 128:
        return NON_ASCII
    char = chr(code)
    if flags & re.I and char.isalpha():
        return _atom({ord(char.lower()), ord(char.upper())}, wide=char in FOLDS_OUTSIDE_ASCII)
    return char if char.isalnum() else f"\\x{code:02x}"


def _class(items: list[tuple[Any, Any]], flags: int) -> str:
    members: set[int] = set()
    wide = negated = False
    for op, value in items:
        if op is sre.NEGATE:
            negated = True
        elif op is sre.LITERAL:
            if value < 128:
                members.add(value)
            else:
                wide = True
        elif op is sre.RANGE:
            low, high = value
            members.update(range(low, min(high, 127) + 1))
            wide = wide or high >= 128
        elif op is sre.CATEGORY:
            members.update(_category_members(value))
            wide = True  # every category (\w \d \s and their negations) takes some non-ASCII
        else:
            raise Unsupported(f"no byte superset for {op} in a class")
    if flags & re.I:
        letters = {c for c in members if chr(c).isalpha()}
        wide = wide or any(chr(c) in FOLDS_OUTSIDE_ASCII for c in letters)
        members.update(ord(chr(c).swapcase()) for c in letters)
    if negated:  # Python's [^...] may match non-ASCII characters and whatever folding spares
        return _atom(set(_ASCII) - members, wide=True)
    return _atom(members, wide=wide)


_CATEGORY_PROBES = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}


def _category_members(category: Any) -> set[int]:
    """The ASCII characters a class escape takes in a Python str pattern (`\\s` takes
    \\x1c-\\x1f too, which byte-mode Hyperscan's does not)."""
    probe = _CATEGORY_PROBES.get(str(category))
    if probe is None:
        raise Unsupported(f"no byte superset for {category}")
    compiled = re.compile(probe)
    return {c for c in _ASCII if compiled.fullmatch(chr(c))}


def _atom(members: set[int], *, wide: bool) -> str:
    """One character: an ASCII byte of `members`, or (`wide`) any non-ASCII character."""
    byte_class = _byte_class(members) if members else ""
    if not wide:
        if not byte_class:
            raise Unsupported("a class that matches nothing")
        return byte_class
    return f"(?:{byte_class}|{NON_ASCII})" if byte_class else NON_ASCII


def _byte_class(members: set[int]) -> str:
    runs: list[str] = []
    ordered = sorted(members)
    start = previous = ordered[0]
    for code in [*ordered[1:], -2]:
        if code == previous + 1:
            previous = code
            continue
        runs.append(f"\\x{start:02x}" if start == previous else f"\\x{start:02x}-\\x{previous:02x}")
        start = previous = code
    return "[" + "".join(runs) + "]"
