"""The values the command line accepts: sizes, counts, severities, exit codes, report files,
images.

Each is an argparse `type`: it returns the value or raises ArgumentTypeError with a message
naming what was typed and what is accepted, so that a bad value is one line under that
command's usage (exit 2), never a traceback.
"""

from __future__ import annotations

import argparse
import re
from decimal import Decimal
from pathlib import Path

from analyzer.findings.model import Severity
from analyzer.text import quoted

MAX_NUMBER = 1 << 62
"""The largest size or count accepted on the command line (4 EiB): anything larger is a typo."""
SEVERITY_NAMES = ", ".join(s.value for s in Severity)
"""The accepted severities, most severe first, for help texts and messages."""
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}
_SIZE = re.compile(r"\s*([0-9]{1,20}(?:\.[0-9]{1,20})?)\s*([kmgtp]?)(?:i?b)?\s*", re.I)
_COUNT = re.compile(r"\s*([0-9]{1,20})\s*")
FORMAT_NAMES = frozenset(
    {"table", "json", "sarif", "cyclonedx", "cyclonedx-json", "spdx", "spdx-json", "syft-json"}
)
"""Format names grype and syft take after -o: as a file name they are almost surely a slip."""


def size(text: str, *, minimum: int = 1) -> int:
    """A size such as 512M, 1.5G, 10GiB or 4096 (bytes), at least `minimum` bytes.

    >>> size("1.5k"), size("10GiB"), size("4096")
    (1536, 10737418240, 4096)
    """
    match = _SIZE.fullmatch(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"{quoted(text, 40)} is not a size like 512M or 10G")
    value = int(Decimal(match[1]) * _UNITS[match[2].lower()])
    return _bounded(value, text, minimum)


def size_or_zero(text: str) -> int:
    """A size that may be 0."""
    return size(text, minimum=0)


def count(text: str, *, minimum: int = 1) -> int:
    """A whole number of at least `minimum` (entries, processes)."""
    match = _COUNT.fullmatch(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"{quoted(text, 40)} is not a whole number like 8")
    return _bounded(int(match[1]), text, minimum)


def _bounded(value: int, text: str, minimum: int) -> int:
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{quoted(text, 40)} is below the minimum of {minimum}")
    if value > MAX_NUMBER:
        raise argparse.ArgumentTypeError(f"{quoted(text, 40)} is larger than {MAX_NUMBER}")
    return value


def exit_code(text: str) -> int:
    """An exit status a shell can see: 0 to 255.

    >>> exit_code("0"), exit_code("255")
    (0, 255)
    """
    match = _COUNT.fullmatch(text)
    if match is None or int(match[1]) > 255:
        raise argparse.ArgumentTypeError(f"{quoted(text, 40)} is not an exit code from 0 to 255")
    return int(match[1])


def severity(text: str) -> Severity:
    """One severity name, in any case."""
    try:
        return Severity.parse(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{quoted(text, 40)} is not a severity ({SEVERITY_NAMES})"
        ) from None


def severities(text: str) -> frozenset[Severity]:
    """A comma-separated list of severities in any case, as trivy's --severity takes.

    >>> sorted(s.value for s in severities("CRITICAL,high"))
    ['critical', 'high']
    """
    names = text.split(",")
    if not text.strip() or any(not name.strip() for name in names):
        raise argparse.ArgumentTypeError(
            f"{quoted(text, 40)} is not a comma-separated list of severities ({SEVERITY_NAMES})"
        )
    return frozenset(severity(name) for name in names)


def image_choice(text: str) -> str:
    """What --image takes: a reference, a digest or a number (analyzer.image.selection says
    which images it names); blank is refused, it would name none.

    >>> image_choice(" shop:1.0 ")
    'shop:1.0'
    """
    value = text.strip()
    if not value:
        raise argparse.ArgumentTypeError(
            "it is empty: give a reference, a digest or the image's number"
        )
    return value


def report_file(text: str) -> Path | None:
    """The file -o writes (None for "-": stdout, as usual); a bare format name (grype's
    `-o json`) is refused with the fix."""
    if text == "-":
        return None
    if text in FORMAT_NAMES:
        raise argparse.ArgumentTypeError(
            f"-o names the file to write the report to (as in trivy); for the {text} format "
            f"use -f {text}; to write a file named {text}, say ./{text}"
        )
    if not text:
        raise argparse.ArgumentTypeError("the report file name is empty")
    return Path(text)
