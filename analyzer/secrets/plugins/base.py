"""What every image-audit plugin shares: placeholder and fake-value rejection, checksums.

Not a plugin module itself: `TokenDetector` keeps detect-secrets' abstract `secret_type`, so
detect-secrets' custom-plugin loader skips it when it walks a plugin module's names.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import re
import zlib
from collections.abc import Generator
from typing import Any, ClassVar

from analyzer.secrets.dscompat.dsplugins import RegexBasedDetector
from analyzer.secrets.structure import is_placeholder

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"

# Masks and filler inside an otherwise well-shaped token: documentation, not credentials.
_FILLER = re.compile(r"(?i)x{5,}|\*{3,}|0{10,}|(.)\1{7,}|example|sample|dummy|placeholder|redacted")


class TokenDetector(RegexBasedDetector):
    """A detect-secrets regex plugin whose matches must also pass `is_valid`.

    The denylist is the necessary condition (the prefilter relies on it); `is_valid` adds
    what a regex cannot say: checksums, decodable payloads, no filler or sequences.
    """

    PROVIDER: ClassVar[str] = ""
    """Who issues the credential (coverage table)."""
    KINDS: ClassVar[str] = ""
    """The token kinds and their prefixes (coverage table)."""
    VALIDATION: ClassVar[str] = ""
    """What beyond the regex must hold (coverage table)."""

    def analyze_string(self, string: str) -> Generator[str, None, None]:
        """The denylist's matches that are real-looking and pass the plugin's own checks."""
        for found in super().analyze_string(string):
            if not is_placeholder(found) and not looks_fake(found) and self.is_valid(found):
                yield found

    def is_valid(self, token: str) -> bool:
        """Checks beyond the regex (default: none)."""
        return True


def looks_fake(token: str) -> bool:
    """True for filler (xxxx, 0000000000, repeated characters, "example") or for an obvious
    run such as abcdefgh or 12345678 inside a token.

    >>> looks_fake("ghp_" + "x" * 36), looks_fake("key-abcdefghij"), looks_fake("q8Zr2Lm0Tv")
    (True, True, False)
    """
    return _FILLER.search(token) is not None or _has_run(token, 8)


def _has_run(text: str, length: int) -> bool:
    run = 1
    for before, after in itertools.pairwise(text):
        run = run + 1 if ord(after) - ord(before) == 1 and after.isalnum() else 1
        if run >= length:
            return True
    return False


def encode(number: int, alphabet: str, width: int) -> str:
    """`number` in the positional alphabet, left-padded with its zero digit to `width`.

    >>> encode(61, BASE62, 3), encode(35, BASE36, 2)
    ('00z', '0z')
    """
    digits = ""
    base = len(alphabet)
    while number:
        number, rest = divmod(number, base)
        digits = alphabet[rest] + digits
    return digits.rjust(width, alphabet[0])


def crc32_base62(data: str) -> str:
    """The 6-character checksum GitHub and npm tokens end with: CRC-32 of the random part,
    in base62 (0-9A-Za-z), zero-padded.

    >>> crc32_base62("fIkRGaBu5PeKsznMzXQOg3kETH1Sgx")
    '2oIfSC'
    """
    return encode(zlib.crc32(data.encode()), BASE62, 6)


def b64decode_loose(text: str) -> bytes | None:
    """Standard or URL-safe base64 with or without padding; None when it is not base64."""
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return None


def json_object(data: bytes | None) -> dict[str, Any] | None:
    """The JSON object in `data`, if it is exactly one."""
    if data is None:
        return None
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
