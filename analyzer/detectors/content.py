"""Collect the file contents detectors asked for, during the single pass over each layer.

Besides bytes, a detector may ask for a file's MD5 and SHA-1 (the digests dpkg and apk record):
the reader hashes every file with SHA-256 anyway, the others only where they can matter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

from analyzer.filesystem.content import PendingFile
from analyzer.inventory.ownership import EXTRA_ALGORITHMS, Digests

HEAD_BYTES = 8192
"""Enough for libmagic to recognise ELF binaries, scripts, keystores and archives."""
DEFAULT_FULL_LIMIT = 16 << 20
CONTENT = 3
"""The bits of a want level that say how much content (0 nothing, 1 head, 2 whole file)."""
DIGESTS = 4
"""The bit of a want level that asks for the file's extra digests (EXTRA_ALGORITHMS)."""


class _Collector:
    def __init__(
        self, store: ContentStore, key: tuple[str, str], limit: int, digests: bool
    ) -> None:
        self._store = store
        self._key = key
        self._limit = limit
        self._parts: list[memoryview] = []  # one copy, by the join in close()
        self._size = 0
        self.truncated = False
        self._hashes = [hashlib.new(name) for name in EXTRA_ALGORITHMS] if digests else []

    def feed(self, chunk: memoryview) -> None:
        for digest in self._hashes:
            digest.update(chunk)
        room = self._limit - self._size
        if room <= 0:
            self.truncated = True
            return
        if len(chunk) > room:
            chunk = chunk[:room]
            self.truncated = True
        self._parts.append(chunk)
        self._size += len(chunk)

    def close(self, sha256: str) -> None:
        if self._hashes:
            self._store.add_digests(
                bytes.fromhex(sha256), {h.name: h.digest() for h in self._hashes}
            )
        if self._limit:
            self._store.put(self._key, b"".join(self._parts), truncated=self.truncated)


class ContentStore:
    """A content sink that keeps, per (layer key, path), the bytes some detector wanted."""

    def __init__(
        self, want: Callable[[PendingFile], int], full_limit: int = DEFAULT_FULL_LIMIT
    ) -> None:
        """`want(entry)` returns 0 (nothing), 1 (head) or 2 (the whole file), plus DIGESTS
        when the file's extra digests are wanted."""
        self._want = want
        self._full_limit = full_limit
        self._data: dict[tuple[str, str], bytes] = {}
        self.truncated: list[tuple[str, str]] = []
        self.digests: dict[bytes, Digests] = {}
        """Extra digests by raw sha256 of the content: what was asked for, and what others
        computed anyway (the secrets examiner hashes every file it found something in)."""

    def open(self, layer_digest: str, entry: PendingFile) -> _Collector | None:
        """Return a collector when some detector wants this file."""
        level = self._want(entry)
        if not level:
            return None
        content = level & CONTENT
        limit = 0 if not content else HEAD_BYTES if content == 1 else self._full_limit
        return _Collector(self, (layer_digest, entry.path), limit, bool(level & DIGESTS))

    def add_digests(self, sha256: bytes, digests: Digests) -> None:
        """Remember extra digests of the content whose raw sha256 is `sha256`."""
        self.digests[sha256] = digests

    def items(self) -> Iterator[tuple[tuple[str, str], bytes]]:
        """Every ((layer key, path), bytes) collected."""
        return iter(self._data.items())

    def put(self, key: tuple[str, str], data: bytes, *, truncated: bool) -> None:
        """Store collected bytes; a truncated full read is remembered for a notice."""
        self._data[key] = data
        if truncated and len(data) > HEAD_BYTES:
            self.truncated.append(key)

    def get(self, layer_key: str, path: str) -> bytes | None:
        """The bytes collected for `path` in the layer known as `layer_key`."""
        return self._data.get((layer_key, path))
