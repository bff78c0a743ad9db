"""Digests computed while bytes stream past, and their verification."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from analyzer.errors import DigestMismatch, ManifestError

_DIGEST = re.compile(r"^(sha256):([0-9a-f]{64})$|^(sha512):([0-9a-f]{128})$")


class StreamDigest:
    """Hash and count the chunks that pass through `tee`."""

    def __init__(self, algorithm: str = "sha256") -> None:
        self._hash = hashlib.new(algorithm)
        self.algorithm = algorithm
        self.size = 0

    def tee(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        """Yield `chunks` unchanged, hashing each on the way."""
        for chunk in chunks:
            self._hash.update(chunk)
            self.size += len(chunk)
            yield chunk

    @property
    def digest(self) -> str:
        """The digest so far, as "sha256:<hex>"."""
        return f"{self.algorithm}:{self._hash.hexdigest()}"


def parse_digest(value: object, where: str) -> tuple[str, str]:
    """Split "sha256:<hex>" into (algorithm, hex), rejecting anything else.

    >>> parse_digest("sha256:" + "a" * 64, "index.json")[0]
    'sha256'
    """
    match = _DIGEST.match(value) if isinstance(value, str) else None
    if match is None:
        raise ManifestError(
            f"{where}: {value!r} is not a valid digest (expected sha256:<64 hex digits>)"
        )
    algorithm = match.group(1) or match.group(3)
    return algorithm, match.group(2) or match.group(4)


def verify(what: str, expected: str, actual: str) -> None:
    """Raise DigestMismatch unless the two digests are equal."""
    if expected != actual:
        raise DigestMismatch(what, expected, actual)


def short(digest: str) -> str:
    """A digest shortened for messages and tables.

    >>> short("sha256:" + "ab" * 32)
    'sha256:abababababab'
    """
    algorithm, _, hexpart = digest.partition(":")
    return f"{algorithm}:{hexpart[:12]}" if hexpart else digest[:19]
