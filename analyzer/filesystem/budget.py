"""What one read may consume, counted as it goes: entries held in memory, checked against Limits.

Every entry a layer lists stays in memory for the whole scan (its Entry, its path, its version in
the merged filesystem, and whatever the detectors and the bundle keep about it: about 1.1 KB in
all), so the entry limit is what bounds memory. Two things make one tar member cost more than
one entry:
- a name or link target past 64 characters: 1/512 of an entry more per byte it takes in memory
  (an entry costs about 1.1 KB plus 1.3 bytes per character of its name over a whole scan), and
  extended attributes: one more entry per 512 bytes;
- parent directories the layer does not list but implies: the merged filesystem creates each of
  them, and one 4,000-character path can imply 2,000.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.archive.tarheader import names_cost
from analyzer.errors import LimitExceeded
from analyzer.filesystem.paths import parent
from analyzer.limits import Limits


@dataclass
class Budget:
    """Counters shared by every layer of one read, checked against the Limits."""

    limits: Limits
    total_bytes: int = 0
    entries: float = 0
    """Entries charged so far (a long name adds a share of an entry)."""

    def charge_entry(self, what: str, cost: float = 1) -> None:
        """Count `cost` entries (one tar member or implied directory is one, or more when it
        is big); raise LimitExceeded when the entry limit is passed."""
        self.entries += cost
        if self.entries > self.limits.max_entries:
            raise LimitExceeded(
                f"{what}: more than {self.limits.max_entries} tar entries in total (each is held "
                "in memory for the whole scan; directories a layer implies count too, a name or "
                "link past 64 characters adds 1/512 of an entry per byte, and extended "
                "attributes one entry per 512 bytes); raise --max-entries if this image is "
                "really that large"
            )


class ImpliedDirs:
    """The directories one layer lists or implies, so that each directory the merged
    filesystem will have to create for it is charged once."""

    def __init__(self, budget: Budget, what: str) -> None:
        self._known = {"/"}
        self._budget = budget
        self._what = what

    def add(self, path: str, is_dir: bool) -> None:
        """Record an entry of the layer; charge the parent directories it implies."""
        if is_dir:
            self._known.add(path)
        directory = path.rsplit("/", 1)[0] or "/"  # parent(path), without the call: per entry
        while directory not in self._known:  # usually the parent is known: one lookup
            self._known.add(directory)
            self._budget.charge_entry(self._what, 1 + names_cost(directory))
            directory = parent(directory)
