"""The content dispatcher's contract: who wants which file's bytes during the single pass.

A layer is decompressed and walked once. For each regular file, every registered ContentSink is
asked whether it wants that file; the consumers it returns receive the file's bytes chunk by
chunk, then `close()` with the file's sha256. Nothing is buffered on a sink's behalf.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol


class PendingFile(NamedTuple):
    """A regular file whose bytes are about to stream past: what a sink decides on. (The
    file's Entry is built once its digest is known; this costs a third of one to make.)"""

    path: str
    """Normalized absolute path inside the image."""
    size: int
    mode: int
    """Permission bits including setuid/setgid/sticky."""


class ContentConsumer(Protocol):
    """Receives one file's bytes."""

    def feed(self, chunk: memoryview) -> None:
        """Take the next chunk of the file: a view into the reader's buffer, valid after
        the call too (the buffer is immutable), but keeping the whole buffer alive: copy
        what is kept for long (`bytes(chunk)`, or one b"".join of the chunks at the end)."""

    def close(self, sha256: str) -> None:
        """The file is complete; `sha256` is its content digest (hex)."""


class ContentSink(Protocol):
    """Decides, per file, whether it wants the content."""

    def open(self, layer_digest: str, entry: PendingFile) -> ContentConsumer | None:
        """Return a consumer for this file, or None."""
