"""TOML from a user's file, parsed with ``tomllib`` in bounded time, or refused with a reason.

``tomllib`` is correct but not built for hostile text. Three things make it fail or crawl:

- nesting (``a = [[[[...`` or ``{b = {b = ...``) recurses once per level until Python's
  recursion limit: a ``RecursionError``, not a ``TOMLDecodeError``;
- an integer of more than 4300 digits: ``ValueError`` from ``int()`` (CVE-2020-10735's limit);
- a dotted key of many parts (``a.a.a...`` or ``"a"."a"...``): it builds the key one part at a
  time and checks every prefix, time quadratic in the parts: 50,000 parts took a minute, the
  parts of a 16 MiB file would take days. No dotted key needs more than ``MAX_KEY_PARTS``.

The dotted keys are found by one regular expression over the text before ``tomllib`` runs. It
reads the text as tokens (strings, comments, runs of dotted key parts, anything else), so a dot
inside a string is not a key's; possessive quantifiers and one look-ahead per run keep it linear.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from analyzer.text import printable, quoted

MAX_KEY_PARTS = 16

_BARE = r"[A-Za-z0-9_-]++"
_PART = rf"""(?:{_BARE}|"(?>(?:[^"\\\n]|\\.)*)"|'[^'\n]*+')"""
_RUN = rf"{_PART}(?>(?:[ \t]*+\.[ \t]*+{_PART})*)"
_LONG = rf"(?:{_PART}[ \t]*+\.[ \t]*+){{{MAX_KEY_PARTS}}}"
_TOKEN = (
    r'"""(?>(?:[^"\\]|\\.|"(?!""))*)(?:""")?'  # multi-line basic string (to its end if unclosed)
    r"|'''(?>(?:[^']|'(?!''))*)(?:''')?"  # multi-line literal string
    rf"|{_RUN}"  # dotted key parts, or a one-line string, or a bare word
    r'|"(?>(?:[^"\\\n]|\\.)*)'  # an unclosed one-line string
    r"|'[^'\n]*+"
    r"|\#[^\n]*+"  # a comment
    r"|[^\"'\#A-Za-z0-9_-]++"  # anything else
)
_UNTIL_LONG_KEY = re.compile(rf"(?>(?:(?!{_LONG})(?:{_TOKEN}))*)", re.DOTALL)
"""Matches up to the first dotted key of ``MAX_KEY_PARTS`` parts or more, else to the end."""


class TomlRefused(ValueError):
    """The text is not TOML, or TOML this reader will not parse; the message says why."""


def loads(text: str) -> dict[str, Any]:
    """``tomllib.loads(text)``, or ``TomlRefused`` with a one-line reason.

    >>> loads('[[suppress]]\\nrule = "IA-X"')
    {'suppress': [{'rule': 'IA-X'}]}
    >>> loads("x = 1\\n" + "a." * 20 + "b = 1")
    Traceback (most recent call last):
    ...
    analyzer.findings.tomlsafe.TomlRefused: line 2: a dotted key of more than 16 parts (...
    """
    stop = _UNTIL_LONG_KEY.match(text)  # always matches, possibly nothing
    if stop is not None and stop.end() < len(text):
        line = text.count("\n", 0, stop.end()) + 1
        key = _LONG_KEY.match(text, stop.end())
        shown = quoted(key.group() if key else "", 40)
        raise TomlRefused(
            f"line {line}: a dotted key of more than {MAX_KEY_PARTS} parts ({shown}), "
            "more than any file read here needs"
        )
    return _parsed(text)


_LONG_KEY = re.compile(_LONG)


def _parsed(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise TomlRefused("TOML arrays or tables nested too deeply to read") from None
    except tomllib.TOMLDecodeError as exc:  # its messages give a position, not content
        raise TomlRefused(f"not valid TOML: {printable(str(exc))}") from None
    except ValueError as exc:  # an integer of more digits than Python converts
        reason = printable(str(exc).partition(";")[0])[:100]
        raise TomlRefused(f"a TOML value that cannot be read: {reason}") from None
