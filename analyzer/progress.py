"""Progress on stderr for long reads: layers, bytes and an estimate of the time left."""

from __future__ import annotations

import time
from typing import TextIO

from analyzer.terminal import cut

LABEL_WIDTH = 40
"""The status line is rewritten in place: a label must stay short and on one line."""


class ProgressLine:
    """One self-overwriting status line; silent unless the stream is a terminal."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self._stream = stream
        self._enabled = enabled and stream.isatty()
        self._start = time.monotonic()

    def __call__(self, done: int, total: int, label: str) -> None:
        """Show how far the read is (bytes of stored blobs) and the time left."""
        if not self._enabled:
            return
        elapsed = time.monotonic() - self._start
        eta = elapsed * (total - done) / done if done else 0.0
        shown = cut(label, LABEL_WIDTH)
        self._stream.write(
            f"\r{shown}: {done / 2**20:,.0f}/{total / 2**20:,.0f} MB, about {eta:,.0f} s left   "
        )
        self._stream.flush()

    def finish(self) -> None:
        """Clear the line before other output."""
        if self._enabled:
            self._stream.write("\r" + " " * 70 + "\r")
            self._stream.flush()
