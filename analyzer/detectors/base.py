"""The detector contract and the per-image context every detector works from.

A detector declares which file contents it needs (decided from an entry's metadata alone, during
the single pass over each layer) and, once the image's layers are merged, looks at the layered
filesystem, the collected content and the image config, and yields findings.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from analyzer.detectors.context import ImageContext
from analyzer.filesystem.content import ContentSink
from analyzer.findings.model import Finding, Rule
from analyzer.secrets.engine import SecretEngine
from analyzer.secrets.redact import Redacted


class Want(enum.IntEnum):
    """How much of a file's content a detector needs."""

    NOTHING = 0
    HEAD = 1
    """The first bytes (enough for libmagic to tell an ELF binary from a script or text)."""
    FULL = 2
    """The whole file, up to the per-file content limit."""


@dataclass(frozen=True, slots=True)
class ContentWants:
    """Which files' bytes a detector needs, declared up front so one matcher serves all.

    Decided from an entry's path and mode alone, during the single pass over each layer.
    """

    paths: frozenset[str] = frozenset()
    """Whole files at these exact paths."""
    prefixes: tuple[str, ...] = ()
    """Whole files below these directories (each ends with "/")."""
    names: str = ""
    """A regex on the basename: whole files (e.g. "package\\.json|METADATA")."""
    program_heads: bool = False
    """The first bytes of every program: executable files in bin/sbin/libexec directories."""
    head_names: str = ""
    """A regex on the basename: the first bytes of files with such names, wherever they are."""


NOTHING = ContentWants()


class Detector(Protocol):
    """One concern (shells, setuid files, users...): its rules, its wants, its findings."""

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The rules this detector reports under."""

    @property
    def content(self) -> ContentWants:
        """The file contents this detector needs."""

    def detect(self, ctx: ImageContext) -> Iterable[Finding]:
        """The findings for one image."""


@runtime_checkable
class StreamingDetector(Protocol):
    """A detector that looks at every file's bytes as they stream (e.g. the secrets engine)."""

    def sink(self) -> ContentSink:
        """The content sink to register for the single pass."""

    def close(self) -> None:
        """Release what the sink holds beyond a scan (worker processes); called once per scan,
        also after an error."""


@runtime_checkable
class SecretFinder(Protocol):
    """A streaming detector that finds secrets in files: the scan builds every image's
    redactor with its engine and widens it with what it found (in any image of the archive)."""

    @property
    def engine(self) -> SecretEngine:
        """The secrets engine (the scan's redactors use the same one)."""

    @property
    def waiting(self) -> int:
        """Files still being examined (by worker processes) when the read ends."""

    def found_secrets(self) -> list[Redacted]:
        """The redacted form of every secret found in the archive's files, of every kind,
        reported or not; waits for the workers first."""
