"""The names (tags) an OCI layout gives its images, through index.json and nested indexes.

A descriptor's ref annotations name its target, and the names of an index apply to every
image below it (a multi-arch tag names each platform's image). The same manifest or index may
be listed many times under different names. The walk reads each blob once and only records
who lists whom with which names; the names are spread down once, at the end, in linear time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from analyzer.errors import LimitExceeded

MAX_IMAGE_NAMES = 1_000_000
"""Names handed down from indexes to what they list, counted once per (name, target): every
name of an index counts once for each blob below it. Real archives give a few tags to a few
platforms; a million is only reached by an archive built to multiply 1,000 tags by 1,000
images, whose names would not fit any report."""


@dataclass
class NameGraph:
    """Who lists whom, with which names; fed while walking, read once the walk is done."""

    names: dict[str, dict[str, None]] = field(default_factory=dict)
    """Digest -> the names its own descriptors give it, in first-seen order."""
    children: dict[str, dict[str, None]] = field(default_factory=dict)
    """Index digest -> the digests it lists."""
    finished: list[str] = field(default_factory=list)
    """Digests in the order their walk finished (children before the indexes above them)."""

    def link(self, parent: str | None, digest: str, names: Iterable[str]) -> bool:
        """Record that `parent` (None for index.json) lists `digest` under `names`; True the
        first time `digest` is listed anywhere (the caller reads it, then calls `done`)."""
        first = digest not in self.names
        self.names.setdefault(digest, {}).update(dict.fromkeys(names))
        if parent is not None:
            self.children.setdefault(parent, {})[digest] = None
        return first

    def done(self, digest: str) -> None:
        """`digest` and everything below it have been walked."""
        self.finished.append(digest)

    def names_below(self) -> dict[str, tuple[str, ...]]:
        """Every digest's names: those of each index above it first, then its own.

        Parents are handled before their children (reverse finishing order of the walk), so each
        name is handed down each link once.
        """
        full: dict[str, dict[str, None]] = {}
        handed = 0
        for digest in reversed(self.finished):
            mine = full.setdefault(digest, {})
            mine.update(self.names.get(digest, {}))
            for child in self.children.get(digest, ()):
                handed += len(mine)
                if handed > MAX_IMAGE_NAMES:
                    raise LimitExceeded(
                        f"the indexes name what they list more than {MAX_IMAGE_NAMES} times "
                        "(each name of an index counts once for every image below it); the "
                        "archive multiplies tags by images beyond any real use"
                    )
                full.setdefault(child, {}).update(mine)
        return {digest: tuple(names) for digest, names in full.items()}
