"""Progress on stderr for long runs: what is being done, from the first second to the end.

One self-overwriting line, on a terminal only. It names the work at once ("reading
image.tar"), then counts the bytes read of the whole archive as the reader reports them, then
names each phase after the read (the reader's last bytes start "examining what was read";
callers name the others: "examining 1,234 files for secrets", "writing the evidence bundle").

The time left is shown only once it means something: after ETA_AFTER_SECONDS of measured
reading and ETA_AFTER_SHARE of the archive, measured from the first report of bytes (the
opening of the archive, the indexing of a tar and the start of the secret engine read nothing
and would make the rate look slow). Before that, a guess from a few megabytes would swing
wildly; the bytes read and the share already tell how far along the read is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from analyzer.terminal import cut

ETA_AFTER_SECONDS = 5.0
"""Seconds of measured reading before the time left is estimated."""
ETA_AFTER_SHARE = 0.02
"""Share of the archive's bytes read in that time before the time left is estimated."""
REDRAW_SECONDS = 0.25
"""A progress line is redrawn at most this often (the reader may report every chunk)."""
LINE_WIDTH = 79
"""The line never wraps on an 80-column terminal (a wrapped line cannot be overwritten)."""


class ProgressLine:
    """One self-overwriting status line; silent unless enabled and the stream is a terminal."""

    def __init__(
        self,
        stream: TextIO,
        enabled: bool,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._enabled = enabled and stream.isatty()
        self._clock = clock
        self._what = "reading"
        self._first: tuple[float, int] | None = None
        """(time, bytes) of the first report of bytes: the rate is measured from there."""
        self._drawn_at = float("-inf")
        self._shown = 0

    def start(self, what: str) -> None:
        """Name the work at once, before any byte is read ("reading image.tar")."""
        self._what = what
        self._draw(f"{what}...")

    def __call__(self, done: int, total: int, label: str = "") -> None:
        """The reader has read `done` of the archive's `total` stored bytes (`label`: where,
        such as "layer 3/12")."""
        now = self._clock()
        first = self._first is None
        if first:
            self._first = (now, done)
        if done >= total > 0:
            self.phase(f"{human_size(total)} read; examining what was read")
        elif first or now - self._drawn_at >= REDRAW_SECONDS:
            self._draw(self._reading(done, total, label, now), now)

    def phase(self, text: str) -> None:
        """Name a phase of the work after the read ("writing the evidence bundle")."""
        self._draw(f"{text}...")

    def finish(self) -> None:
        """Clear the line before other output."""
        if self._enabled and self._shown:
            self._stream.write("\r" + " " * self._shown + "\r")
            self._stream.flush()
            self._shown = 0

    def _reading(self, done: int, total: int, label: str, now: float) -> str:
        share = f" ({done * 100 // total}%)" if total else ""
        where = f", {label}" if label else ""
        read = f"{self._what}: {human_size(done)} of {human_size(total)}{share}{where}"
        left = self._time_left(done, total, now)
        return f"{read}, {left}" if left else read

    def _time_left(self, done: int, total: int, now: float) -> str:
        """ "about 40 s left" once the estimate means something, else ""."""
        if self._first is None or total <= 0:
            return ""
        since, start = self._first
        elapsed, read = now - since, done - start
        if elapsed < ETA_AFTER_SECONDS or read < ETA_AFTER_SHARE * total or read <= 0:
            return ""
        return f"about {human_duration((total - done) * elapsed / read)} left"

    def _draw(self, text: str, now: float | None = None) -> None:
        if not self._enabled:
            return
        shown = cut(text, LINE_WIDTH)
        self._stream.write("\r" + shown + " " * max(self._shown - len(shown), 0))
        self._stream.flush()
        self._shown = len(shown)
        self._drawn_at = self._clock() if now is None else now


def human_size(count: int) -> str:
    """Bytes for a person, in the unit that keeps the number short (powers of 1024).

    >>> human_size(512), human_size(52_428_800), human_size(1_288_490_189)
    ('512 B', '50 MB', '1.2 GB')
    """
    units = ("B", "kB", "MB", "GB", "TB", "PB")
    value, index = float(count), 0
    while value >= 1000 and index < len(units) - 1:
        value /= 1024
        index += 1
    digits = 1 if index and value < 10 else 0
    return f"{value:.{digits}f} {units[index]}"


def human_duration(seconds: float) -> str:
    """A time left, rounded as far as an estimate is worth.

    >>> human_duration(42), human_duration(157), human_duration(3_900)
    ('40 s', '3 min', '1 h 5 min')
    """
    if seconds < 60:
        return f"{max(round(seconds / 10) * 10, 10)} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
