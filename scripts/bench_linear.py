"""Is `image-audit scan` time linear in the bytes it reads? (issue 16; scripts/bench-scan
--linearity)

The bench image is cut into nested samples: a file is in the sample of fraction f when the
first 8 hex digits of its path's sha256, read as a number below 1, are below f, so the quarter
is inside the half and the half inside the whole, and every sample holds the same mix of
content (compilers, libraries, Python, documentation) in the same five layers. Each sample is
a docker-archive of its own (directories are all kept), scanned like the bench image; a
straight line is fitted to (MB of file content, seconds): its intercept is the fixed cost of a
process (imports, engine, report), its slope the cost per byte, and the worst residual says how
far the points are from the line.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from tabulate import tabulate

FRACTIONS = (0.25, 0.5, 1.0)
"""The samples measured, smallest first (the whole is the bench image itself)."""


def fraction_of(path: str) -> float:
    """Where `path` falls in [0, 1): the samples of f hold the files below f.

    >>> 0 <= fraction_of("usr/bin/python3") < 1
    True
    >>> fraction_of("usr/bin/python3") == fraction_of("usr/bin/python3")
    True
    """
    return int(hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()[:8], 16) / (
        1 << 32
    )


def in_sample(fraction: float) -> Callable[[str], bool]:
    """The test of the sample of `fraction` (every file for 1.0)."""
    return lambda path: fraction >= 1.0 or fraction_of(path) < fraction


@dataclass(frozen=True, slots=True)
class Point:
    """One sample's measurement."""

    fraction: float
    files: int
    mb: float
    """MB of regular-file content."""
    runs: list[float]

    @property
    def seconds(self) -> float:
        return statistics.median(self.runs)


@dataclass(frozen=True, slots=True)
class Fit:
    """The least-squares line seconds = fixed + per_100mb * MB / 100."""

    fixed: float
    per_100mb: float
    worst: float
    """The largest residual, as a share of its point's time."""


def fit(points: Sequence[tuple[float, float]]) -> Fit:
    """The least-squares line through (MB, seconds) points (at least two distinct MB).

    >>> line = fit([(100.0, 1.5), (200.0, 2.5), (400.0, 4.5)])
    >>> round(line.fixed, 6), round(line.per_100mb, 6), round(line.worst, 6)
    (0.5, 1.0, 0.0)
    """
    xs, ys = [x for x, _ in points], [y for _, y in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    fixed = mean_y - slope * mean_x
    worst = max(abs(y - (fixed + slope * x)) / y for x, y in points)
    return Fit(fixed, slope * 100, worst)


def table(points: Sequence[Point], line: Fit) -> str:
    """The samples and the fitted line, for the report."""
    body = [
        [f"{p.fraction:g}", p.files, f"{p.mb:.0f}", f"{p.seconds:.2f}",
         f"{line.fixed + line.per_100mb * p.mb / 100:.2f}",
         f"{(p.seconds - line.fixed) / p.mb * 100:.2f}"]
        for p in points
    ]  # fmt: skip
    headers = ["sample", "files", "MB", "scan s", "line s", "s per 100 MB past the fixed cost"]
    return (
        tabulate(body, headers, disable_numparse=True)
        + f"\nline: {line.fixed:.2f} s fixed + {line.per_100mb:.2f} s per 100 MB of file"
        f" content; worst residual {line.worst:.1%} of its point"
    )


def document(points: Sequence[Point], line: Fit) -> dict[str, object]:
    """The measurement as JSON."""
    return {
        "samples": [{**asdict(p), "seconds": p.seconds} for p in points],
        "fit": asdict(line),
    }


def cached(meta: Path, key: dict[str, object]) -> dict[str, object] | None:
    """What an earlier build under the same key recorded, if its files are there."""
    if not meta.exists():
        return None
    found = json.loads(meta.read_text())
    if found.get("key") != key or not Path(str(found["archive"])).exists():
        return None
    return dict(found)
