"""Which of a fixed set of byte strings a file holds, in one pass over it.

The structural kinds gate on content markers ("PRIVATE KEY", '"auths"'...); looking for each
marker with its own search would read every file once per marker.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from analyzer.secrets.hsdb import fixed_database, hyperscan_module


class MarkerSet:
    """A set of literal markers and a Hyperscan database that finds them all at once."""

    def __init__(self, markers: frozenset[bytes]) -> None:
        self.markers = tuple(sorted(markers))

    def expressions(self, hyperscan: Any) -> list[tuple[bytes, int]]:
        """The markers as hyperscan expressions (literal, each reported once per scan)."""
        return [(re.escape(m), hyperscan.HS_FLAG_SINGLEMATCH) for m in self.markers]

    @functools.cached_property
    def _database(self) -> Any:
        """The database (None without Hyperscan: plain searches then), prepared at install
        (analyzer.secrets.hsprepare) or compiled on first use."""
        hyperscan = hyperscan_module()
        if hyperscan is None:  # pragma: no cover - hyperscan is a dependency
            return None
        return fixed_database(hyperscan, self.expressions(hyperscan))

    def found_in(self, data: bytes) -> frozenset[bytes]:
        """The markers `data` holds.

        >>> sorted(MarkerSet(frozenset({b"auths", b"KEY", b"none"})).found_in(b"auths KEY"))
        [b'KEY', b'auths']
        """
        database = self._database
        if database is None:
            return frozenset(marker for marker in self.markers if marker in data)
        found: set[int] = set()

        def on_match(marker: int, start: int, end: int, flags: int, context: Any) -> None:
            found.add(marker)

        database.scan(bytes(data), match_event_handler=on_match)
        return frozenset(self.markers[i] for i in found)
