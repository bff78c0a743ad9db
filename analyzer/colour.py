"""Colour on a terminal: severities only, and only where it is wanted.

Colour is added when stdout is a terminal, NO_COLOR is not set to a non-empty value
(https://no-color.org), TERM is not "dumb" and --no-color was not given: never in a file
(-o), a pipe or JSON. The codes wrap our own severity words only, after the cell was made
printable, so no text from an archive is ever coloured or can bring its own codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

RESET = "\x1b[0m"
SEVERITY_CODES = {
    "critical": "\x1b[1;35m",
    "high": "\x1b[1;31m",
    "medium": "\x1b[33m",
    "low": "\x1b[36m",
}
"""The colours of report.html's badges, as near as 8-colour terminals go; info stays plain."""


def wants_colour(stream: TextIO, environ: Mapping[str, str], refused: bool) -> bool:
    """Whether to colour what goes to `stream` (`refused`: --no-color was given)."""
    if refused or environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    return stream.isatty()


def paint_severity(text: str) -> str:
    """`text` coloured when it is exactly a severity word; anything else unchanged.

    >>> paint_severity("high") == "\\x1b[1;31mhigh\\x1b[0m", paint_severity("IA-SETUID")
    (True, 'IA-SETUID')
    """
    code = SEVERITY_CODES.get(text)
    return f"{code}{text}{RESET}" if code else text
