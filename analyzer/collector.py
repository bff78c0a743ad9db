"""Python's cyclic garbage collector, set for one run over an archive.

A scan makes about a million container objects (tar headers, entries, hits) that live to the
end of the run and form almost no cycles. With Python's default thresholds the collector ran
about 350 times over them, 0.13 s of the reading thread's CPU on the bench image
(scripts/bench-scan); with a larger first threshold, 0.04-0.06 s. What exists before the run
(modules, compiled patterns, the secrets engine) is frozen: the collector never walks it, and
worker processes forked from this one do not get private copies of pages the collector would
otherwise write to.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

_THRESHOLDS = (10_000, 20, 20)
"""Allocations before a young collection (Python's default: 700 or 2,000), and young and
middle collections before an older one (10 and 10)."""


@contextlib.contextmanager
def collecting_less() -> Iterator[None]:
    """Run the body with fewer collections over a frozen start; restore both afterwards (the
    CLI's main may run in a longer-lived process, such as a test session)."""
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()
