"""The digest algorithms image-audit verifies: those the OCI image spec registers.

The spec's digest grammar (`algorithm:encoded`) leaves room for other algorithms, but content can
only be verified with an algorithm we can compute, so a well-formed digest naming another one
(`blake3:...`, `multihash+base58:...`) is refused with a message naming it, never compared with
a sha256 of the content (which would call a valid blob "modified").
"""

from __future__ import annotations

import hashlib
import re

from analyzer.errors import ManifestError
from analyzer.text import quoted

HEX_LENGTH = {"sha256": 64, "sha512": 128}
"""Registered algorithm -> length of its lowercase hex encoding (image-spec descriptor.md)."""

_GRAMMAR = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+\Z")
_HEX = re.compile(r"[0-9a-f]+\Z")
_SUPPORTED = " and ".join(HEX_LENGTH)


def checked_digest(value: object, where: str) -> str:
    """`value` if it is a digest of a supported algorithm, else a ManifestError naming `where`.

    >>> checked_digest("sha512:" + "0" * 128, "x")[:7]
    'sha512:'
    >>> try:
    ...     checked_digest("blake3:" + "0" * 64, "index.json")
    ... except ManifestError as exc:
    ...     print(str(exc)[:55])
    index.json: digest algorithm 'blake3' is not supported;
    """
    if not isinstance(value, str) or not _GRAMMAR.match(value):
        raise ManifestError(
            f"{where}: {quoted(value)} is not a digest (expected <algorithm>:<hex>, "
            "such as sha256:<64 hex digits>)"
        )
    algorithm, _, encoded = value.partition(":")
    length = HEX_LENGTH.get(algorithm)
    if length is None:
        raise ManifestError(
            f"{where}: digest algorithm {quoted(algorithm, 40)} is not supported; image-audit "
            f"verifies {_SUPPORTED} digests (the algorithms the OCI image spec registers)"
        )
    if len(encoded) != length or not _HEX.match(encoded):
        raise ManifestError(
            f"{where}: {quoted(value)} is not a valid {algorithm} digest "
            f"(expected {length} lowercase hex digits)"
        )
    return value


def algorithm_of(digest: str) -> str:
    """The algorithm of a digest already checked, "sha256" when there is none (legacy layers).

    >>> algorithm_of("sha512:00"), algorithm_of("")
    ('sha512', 'sha256')
    """
    return digest.partition(":")[0] or "sha256"


def content_digest(data: bytes, algorithm: str) -> str:
    """The digest of `data` with `algorithm`, as "<algorithm>:<hex>"."""
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"
