"""The detector contract and the per-image context every detector works from.

A detector declares which file contents it needs (decided from an entry's metadata alone, during
the single pass over each layer) and, once the image's layers are merged, looks at the layered
filesystem, the collected content and the image config, and yields findings.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Protocol

from analyzer.detectors.context import ImageContext
from analyzer.filesystem.model import Entry
from analyzer.findings.model import Finding, Rule


class Want(enum.IntEnum):
    """How much of a file's content a detector needs."""

    NOTHING = 0
    HEAD = 1
    """The first bytes (enough for libmagic to tell an ELF binary from a script or text)."""
    FULL = 2
    """The whole file, up to the per-file content limit."""


class Detector(Protocol):
    """One concern (shells, setuid files, users...): its rules, its wants, its findings."""

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The rules this detector reports under."""

    def wants(self, entry: Entry) -> Want:
        """What this detector needs of `entry`'s content (called for every regular file)."""

    def detect(self, ctx: ImageContext) -> Iterable[Finding]:
        """The findings for one image."""
