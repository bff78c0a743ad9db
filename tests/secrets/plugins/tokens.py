"""Shared helpers: generated token material (never real credentials) and engine scans."""

from __future__ import annotations

import base64
import random
import string

from analyzer.secrets.engine import SecretEngine

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
B64URL = ALNUM + "_-"

_RANDOM = random.Random(20260107)


def rand(length: int, alphabet: str = ALNUM) -> str:
    """A random string with at least one upper, one lower letter and one digit when the
    alphabet has them (real tokens do; the detectors reject filler)."""
    while True:
        value = "".join(_RANDOM.choice(alphabet) for _ in range(length))
        classes = [str.isupper, str.islower, str.isdigit]
        wanted = [c for c in classes if any(c(a) for a in alphabet)]
        if all(any(c(ch) for ch in value) for c in wanted):
            return value


def rand_bytes(length: int) -> bytes:
    """Random bytes."""
    return bytes(_RANDOM.randrange(256) for _ in range(length))


def b64url(data: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def scan_types(text: str, *, plain: bool = False, filename: str = "config.py") -> set[str]:
    """Secret types the engine reports for a file: image-audit's plugins included, or
    detect-secrets' alone (plain)."""
    engine = SecretEngine(extra_plugins=() if plain else None)
    return {s.type for s in engine.scan(filename, text.encode())}


def scan_values(text: str, secret_type: str) -> list[str]:
    """The values reported under one secret type."""
    engine = SecretEngine()
    return [s.value for s in engine.scan("config.py", text.encode()) if s.type == secret_type]
