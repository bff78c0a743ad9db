"""One matcher for every detector's content wants, consulted once per regular file."""

from __future__ import annotations

import re
from collections.abc import Sequence

from analyzer.detectors.base import ContentWants, Want
from analyzer.detectors.executables import in_program_dir
from analyzer.filesystem.content import PendingFile


def _union(patterns: list[str]) -> re.Pattern[str] | None:
    patterns = [p for p in patterns if p]
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


_NAME_CACHE = 1 << 16


class WantMatcher:
    """Merges ContentWants: exact paths, prefixes, name patterns and program heads."""

    def __init__(self, wants: Sequence[ContentWants]) -> None:
        self._paths = frozenset().union(*(w.paths for w in wants))
        self._prefixes = tuple(p for w in wants for p in w.prefixes)
        self._names = _union([w.names for w in wants])
        self._heads = _union([w.head_names for w in wants])
        self._programs = any(w.program_heads for w in wants)
        self._by_name: dict[str, int] = {}
        """What the name patterns want of a base name: names repeat across an image (and
        its layers), the patterns are long alternations."""

    def __call__(self, entry: PendingFile) -> int:
        """0 nothing, 1 the head, 2 the whole file."""
        path = entry.path
        if path in self._paths or (self._prefixes and path.startswith(self._prefixes)):
            return Want.FULL
        name = path[path.rfind("/") + 1 :]
        by_name = self._by_name.get(name)
        if by_name is None:
            by_name = self._name_want(name)
            if len(self._by_name) < _NAME_CACHE:
                self._by_name[name] = by_name
        if by_name == Want.FULL:
            return Want.FULL
        if self._programs and entry.mode & 0o111 and in_program_dir(path):
            return Want.HEAD
        return by_name

    def _name_want(self, name: str) -> int:
        if self._names is not None and self._names.fullmatch(name):
            return Want.FULL
        if self._heads is not None and self._heads.fullmatch(name):
            return Want.HEAD
        return Want.NOTHING
