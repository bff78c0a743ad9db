"""Read an archive for display (`inspect`, `ls`): its images, and the redactor of each.

These commands examine no file content, so the secrets a scan would find in files are unknown
to them; what they can know is redacted: each image's config secrets (ENV values, labels,
history lines that quote a value) and those in the archive's own index documents' annotations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from analyzer.document_scrub import Scrub
from analyzer.limits import Limits
from analyzer.reader import Progress, ReadResult, read_archive
from analyzer.secrets.config import archive_scrubber, scrubber_for
from analyzer.secrets.engine import SecretEngine

ARCHIVE_DOCUMENTS = ("index.json", "manifest.json")
"""The archive's own index documents, which may carry annotations and quote configs."""


@dataclass(frozen=True, slots=True)
class Inspection:
    """A read archive and the redactors for what it shows."""

    read: ReadResult
    scrubs: tuple[Scrub, ...]
    """One per image (in `read.images` order): redacts that image's config secrets."""
    archive_scrub: Scrub
    """Redacts the secrets of the archive's own documents and of every image's config."""


def inspect_archive(
    path: Path,
    *,
    platform: str | None = None,
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> Inspection:
    """Read every selected image of the archive at `path` (verified, merged), with redactors."""
    read = read_archive(path, platform=platform, limits=limits, progress=progress)
    scrubs, archive_scrub = _redactors(read)
    return Inspection(read, tuple(scrubs), archive_scrub)


def _redactors(read: ReadResult) -> tuple[Sequence[Scrub], Scrub]:
    engine = SecretEngine(use_hyperscan=False)  # a few short texts: not worth compiling for
    scrubbers = [
        scrubber_for(
            v.image.config, len(v.image.layers), engine, v.image.raw_config, v.image.raw_manifest
        )
        for v in read.images
    ]
    archive = read.archive
    documents = [archive.read_small(n, n) for n in ARCHIVE_DOCUMENTS if archive.has(n)]
    return scrubbers, archive_scrubber(documents, engine, scrubbers)
