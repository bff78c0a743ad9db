"""Digests computed while bytes stream past, and their verification."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from analyzer.errors import AnalyzerError, DigestMismatch, ManifestError, UnsupportedFormat
from analyzer.text import quoted

REGISTERED = {"sha256": 64, "sha512": 128, "blake3": 64}
"""The digest algorithms the OCI image-spec registers (descriptor.md, "Registered algorithms";
blake3 since 2025), each with the number of lowercase hex digits its encoded part must have."""
SUPPORTED = ("sha256", "sha512")
"""The registered algorithms this build can verify (hashlib has no blake3)."""
_GRAMMAR = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")
"""descriptor.md: digest ::= algorithm ":" encoded."""
_HEX = re.compile(r"[0-9a-f]+")


class StreamDigest:
    """Hash and count the chunks that pass through `tee`."""

    def __init__(self, algorithm: str = "sha256") -> None:
        self._hash = new_hash(algorithm)
        self.algorithm = algorithm
        self.size = 0
        self.complete = False
        """True once `tee` has hashed every chunk: their source ended, not with an error."""

    def tee(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        """Yield `chunks` unchanged, hashing each on the way."""
        for chunk in chunks:
            self._hash.update(chunk)
            self.size += len(chunk)
            yield chunk
        self.complete = True

    @property
    def digest(self) -> str:
        """The digest so far, as "<algorithm>:<hex>"."""
        return f"{self.algorithm}:{self._hash.hexdigest()}"


def new_hash(algorithm: str) -> hashlib._Hash:
    """A hashlib object for a supported digest algorithm; anything else is refused, so that a
    digest is never computed with an algorithm the OCI image-spec does not register."""
    if algorithm not in SUPPORTED:
        raise _unusable(algorithm, "a digest")
    return hashlib.new(algorithm)


def sha256_hex(text: str) -> str | None:
    """The 64 lowercase hex digits of a sha256 as a user gives one (`ls --sha256`, `verify
    --expect-digest`): the `sha256:` prefix optional, either case; None for anything else.

    >>> sha256_hex("sha256:" + "AB" * 32) == sha256_hex(" " + "ab" * 32) == "ab" * 32
    True
    >>> sha256_hex("abc"), sha256_hex("sha512:" + "a" * 64)
    (None, None)
    """
    value = text.strip().lower().removeprefix("sha256:")
    return value if len(value) == 64 and _HEX.fullmatch(value) else None


def parse_digest(value: object, where: str) -> tuple[str, str]:
    """Split "<algorithm>:<hex>" into (algorithm, hex) for a registered, supported algorithm
    with exactly its number of lowercase hex digits; refuse anything else, naming why.

    >>> parse_digest("sha256:" + "a" * 64, "index.json")[0]
    'sha256'
    >>> parse_digest("sha512:" + "0" * 128, "index.json")[0]
    'sha512'
    """
    if not isinstance(value, str) or not _GRAMMAR.fullmatch(value):
        raise ManifestError(
            f"{where}: {quoted(value)} is not a valid digest (expected <algorithm>:<hex>, "
            "e.g. sha256:<64 hex digits>)"
        )
    algorithm, _, encoded = value.partition(":")
    if algorithm not in SUPPORTED:
        raise _unusable(algorithm, f"{where}: digest {quoted(value)}")
    digits = REGISTERED[algorithm]
    if len(encoded) != digits or not _HEX.fullmatch(encoded):
        raise ManifestError(
            f"{where}: {quoted(value)} is not a valid {algorithm} digest (expected "
            f"{algorithm}:<{digits} lowercase hex digits>)"
        )
    return algorithm, encoded


def _unusable(algorithm: str, what: str) -> AnalyzerError:
    """The error for a digest algorithm we cannot verify: registered or not, it says which."""
    if algorithm in REGISTERED:
        return UnsupportedFormat(
            f"{what} uses {algorithm}, which the OCI image-spec registers but this build cannot "
            f"verify (it verifies {' and '.join(SUPPORTED)})"
        )
    return ManifestError(
        f"{what} uses the digest algorithm {quoted(algorithm, 40)}, which the OCI image-spec "
        f"does not register (registered: {', '.join(REGISTERED)})"
    )


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
