"""Redaction: a secret value never leaves the engine in full."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from analyzer.text import exact_bytes

ROLLING_BASE = 1_000_003
ROLLING_MODULUS = (1 << 61) - 1
"""A Rabin-Karp fingerprint: the value's code points as digits in this base, modulo this
prime. Fixed, so that worker processes (spawned) compute the same one as the main process."""


def rolling_fingerprint(codes: Iterable[int]) -> int:
    """The Rabin-Karp fingerprint of a sequence of code points.

    >>> rolling_fingerprint(map(ord, "ab")) == (97 * ROLLING_BASE + 98) % ROLLING_MODULUS
    True
    """
    fingerprint = 0
    for code in codes:
        fingerprint = (fingerprint * ROLLING_BASE + code) % ROLLING_MODULUS
    return fingerprint


@dataclass(frozen=True, slots=True)
class Redacted:
    """What reports may show of a secret: a short prefix, its length and its sha256."""

    prefix: str
    length: int
    sha256: str
    """Of the value's exact bytes (the bytes a surrogate-escaped string was read from)."""
    rolling: int = field(repr=False)
    """The value's `rolling_fingerprint`: lets the scrubber find a value it does not keep in a
    text in linear time (a candidate window is confirmed by its sha256). Never reported."""

    def __str__(self) -> str:
        return f"{self.prefix}... ({self.length} chars, sha256:{self.sha256[:16]})"


def redact(value: str) -> Redacted:
    """Keep at most 4 leading characters, and never more than a third of the value.

    >>> str(redact("AKIAZZZZZZZZZZZZZZZZ"))[:28]
    'AKIA... (20 chars, sha256:29'
    >>> redact("hunter2").prefix, redact("bad\\udcff").sha256 == redact("bad\\udcff").sha256
    ('hu', True)
    """
    shown = min(4, len(value) // 3)
    digest = hashlib.sha256(exact_bytes(value)).hexdigest()
    return Redacted(value[:shown], len(value), digest, rolling_fingerprint(map(ord, value)))


# The authority of a URL: after "scheme://", up to the path, a space or a quote.
_AUTHORITY = re.compile(r"(?<=[A-Za-z0-9+.-]://)[^\s/'\"]+")


def redact_url_passwords(text: str) -> str:
    """`text` with the password of every URL in it redacted (a quoted sources.list line,
    pip.conf option or build step may carry one). The user information runs to the last "@"
    of the authority and the password from its first ":", so either may hold "@" or ":".

    >>> redact_url_passwords("deb http://bob:Sup3rSecret@repo.example.org/debian stable main")
    'deb http://bob:Sup... (11 chars, sha256:bc3fe64db45bc10c)@repo.example.org/debian stable main'
    >>> redacted = redact_url_passwords("https://me@c.io:p@ss:w0rd@host/x https://:t0kenVal@h")
    >>> "p@ss:w0rd" in redacted, "t0kenVal" in redacted, redacted.count("chars, sha256:")
    (False, False, 2)
    """
    if "@" not in text:
        return text

    def hide(match: re.Match[str]) -> str:
        authority = match.group(0)
        at = authority.rfind("@")
        colon = authority.find(":", 0, at)
        if at < 0 or colon < 0 or colon + 1 == at:
            return authority
        password = authority[colon + 1 : at]
        return authority[: colon + 1] + str(redact(password)) + authority[at:]

    return _AUTHORITY.sub(hide, text)
