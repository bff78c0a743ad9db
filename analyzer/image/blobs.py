"""Read small blobs (index, manifests, configs) by digest and verify them."""

from __future__ import annotations

import hashlib

from analyzer.archive.digest import parse_digest, verify
from analyzer.archive.source import Archive
from analyzer.errors import ManifestError, MissingBlob


class BlobStore:
    """Digest-addressed access to an archive's blobs/<algorithm>/<hex> files."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.verified: list[tuple[str, str]] = []
        self.notices: list[str] = []

    @staticmethod
    def member_name(digest: str, where: str) -> str:
        """The archive path that holds the blob `digest`."""
        algorithm, hexpart = parse_digest(digest, where)
        return f"blobs/{algorithm}/{hexpart}"

    def read(self, digest: str, size: int | None, what: str) -> bytes:
        """Read the blob named by `digest`, check its size and hash, and record it."""
        name = self.member_name(digest, what)
        try:
            self.archive.resolve(name)  # links escaping the archive raise UnsafeInput here
        except MissingBlob:
            raise MissingBlob(
                f"{what} ({digest}) is not in the archive (looked for {name}); "
                "the archive is incomplete, truncated or was edited"
            ) from None
        data = self.archive.read_small(name, what)
        self.check(data, digest, size, what)
        return data

    def check(self, data: bytes, digest: str, size: int | None, what: str) -> None:
        """Verify `data` against its digest and declared size, then record it."""
        algorithm, _ = parse_digest(digest, what)
        verify(what, digest, f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}")
        if size is not None and size != len(data):
            raise ManifestError(
                f"{what} ({digest}) is {len(data)} bytes but its descriptor says {size}; "
                "the archive is inconsistent"
            )
        self.verified.append((what, digest))
