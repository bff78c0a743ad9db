"""One matcher for every detector's content wants, consulted once per regular file."""

from __future__ import annotations

import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass

from analyzer.detectors.base import ContentWants, Want
from analyzer.detectors.content import DIGESTS
from analyzer.detectors.executables import in_program_dir
from analyzer.filesystem.content import PendingFile

_SETID = stat.S_ISUID | stat.S_ISGID


@dataclass(frozen=True, slots=True)
class DigestWants(ContentWants):
    """Content wants plus the files whose MD5 and SHA-1 are wanted too (package databases
    record those digests; the reader computes SHA-256 only)."""

    digest_paths: frozenset[str] = frozenset()
    digest_prefixes: tuple[str, ...] = ()
    """Every file below these directories (each ends with "/")."""
    digest_read_prefixes: tuple[str, ...] = ()
    """Files below these directories whose content some detector reads anyway (the files
    findings are about); not every file there, which may be many."""
    digest_setid: bool = False
    """Every setuid or setgid file (few, and a modified one matters)."""


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
        digest_wants = [w for w in wants if isinstance(w, DigestWants)]
        self._digest_paths = frozenset().union(*(w.digest_paths for w in digest_wants))
        self._digest_prefixes = tuple(p for w in digest_wants for p in w.digest_prefixes)
        self._read_prefixes = tuple(p for w in digest_wants for p in w.digest_read_prefixes)
        self._setid_mask = _SETID if any(w.digest_setid for w in digest_wants) else 0
        self._digests = bool(digest_wants)
        self._by_name: dict[str, int] = {}
        """What the name patterns want of a base name: names repeat across an image (and
        its layers), the patterns are long alternations."""

    def __call__(self, entry: PendingFile) -> int:
        """0 nothing, 1 the head, 2 the whole file; plus DIGESTS when its extra digests are
        wanted."""
        level = self._content(entry)
        if not self._digests:
            return level
        path = entry.path
        if (
            entry.mode & self._setid_mask
            or (level and path.startswith(self._read_prefixes))
            or path in self._digest_paths
            or path.startswith(self._digest_prefixes)
        ):
            return level | DIGESTS
        return level

    def _content(self, entry: PendingFile) -> int:
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
