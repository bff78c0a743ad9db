"""Collect the file contents detectors asked for, during the single pass over each layer."""

from __future__ import annotations

from collections.abc import Callable

from analyzer.filesystem.content import PendingFile

HEAD_BYTES = 8192
"""Enough for libmagic to recognise ELF binaries, scripts, keystores and archives."""
DEFAULT_FULL_LIMIT = 16 << 20


class _Collector:
    def __init__(self, store: ContentStore, key: tuple[str, str], limit: int) -> None:
        self._store = store
        self._key = key
        self._limit = limit
        self._parts: list[bytes] = []
        self._size = 0
        self.truncated = False

    def feed(self, chunk: bytes) -> None:
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
        self._store.put(self._key, b"".join(self._parts), truncated=self.truncated)


class ContentStore:
    """A content sink that keeps, per (layer key, path), the bytes some detector wanted."""

    def __init__(
        self, want: Callable[[PendingFile], int], full_limit: int = DEFAULT_FULL_LIMIT
    ) -> None:
        """`want(entry)` returns 0 (nothing), 1 (head) or 2 (the whole file)."""
        self._want = want
        self._full_limit = full_limit
        self._data: dict[tuple[str, str], bytes] = {}
        self.truncated: list[tuple[str, str]] = []

    def open(self, layer_digest: str, entry: PendingFile) -> _Collector | None:
        """Return a collector when some detector wants this file."""
        level = self._want(entry)
        if not level:
            return None
        limit = HEAD_BYTES if level == 1 else self._full_limit
        return _Collector(self, (layer_digest, entry.path), limit)

    def put(self, key: tuple[str, str], data: bytes, *, truncated: bool) -> None:
        """Store collected bytes; a truncated full read is remembered for a notice."""
        self._data[key] = data
        if truncated and len(data) > HEAD_BYTES:
            self.truncated.append(key)

    def get(self, layer_key: str, path: str) -> bytes | None:
        """The bytes collected for `path` in the layer known as `layer_key`."""
        return self._data.get((layer_key, path))
