"""Redaction: a secret value never leaves the engine in full."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Redacted:
    """What reports may show of a secret: a short prefix, its length and its sha256."""

    prefix: str
    length: int
    sha256: str

    def __str__(self) -> str:
        return f"{self.prefix}... ({self.length} chars, sha256:{self.sha256[:16]})"


def redact(value: str) -> Redacted:
    """Keep at most 4 leading characters, and never more than a third of the value.

    >>> str(redact("AKIAZZZZZZZZZZZZZZZZ"))[:28]
    'AKIA... (20 chars, sha256:29'
    >>> redact("hunter2").prefix
    'hu'
    """
    shown = min(4, len(value) // 3)
    return Redacted(value[:shown], len(value), hashlib.sha256(value.encode()).hexdigest())
