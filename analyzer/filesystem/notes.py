"""Notices kept within bounds: a hostile layer can raise one per entry (a million duplicates, a
million dangling hardlinks), and every notice is held in memory and printed in the report."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_NOTICES = 20


@dataclass
class Notes:
    """The first MAX_NOTICES notices, and a count of the ones left out."""

    items: list[str] = field(default_factory=list)
    dropped: int = 0

    def add(self, text: str) -> int | None:
        """Keep `text` and return its index in `items` (a caller may refine it there), or
        count it and return None when MAX_NOTICES are kept already."""
        if len(self.items) < MAX_NOTICES:
            self.items.append(text)
            return len(self.items) - 1
        self.dropped += 1
        return None

    def final(self) -> tuple[str, ...]:
        """The kept notices, then one line saying how many more there were.

        >>> notes = Notes()
        >>> for i in range(22):
        ...     _ = notes.add(f"n{i}")
        >>> notes.final()[-2:]
        ('n19', '... and 2 more notices like these')
        """
        more = [f"... and {self.dropped} more notices like these"] if self.dropped else []
        return tuple(self.items + more)
