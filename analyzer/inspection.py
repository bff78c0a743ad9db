"""Read an archive for display (`inspect`, `ls`): its images, and the redactor of each.

These commands examine no file content, so the secrets a scan would find in files are unknown
to them; what they can know is redacted: each image's config and manifest secrets (ENV values,
labels, history lines that quote a value, every other string of the documents), those in its
references and file names (token shapes), and those in the archive's own index documents, from
what every image shows (an image may quote another's secret).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from analyzer.document_scrub import Scrub
from analyzer.filesystem.content import ContentSink
from analyzer.limits import Limits
from analyzer.reader import Progress, ReadResult, read_archive
from analyzer.scan import index_documents, scrubbers
from analyzer.secrets.config import Scrubber, archive_secrets, archive_values
from analyzer.secrets.engine import SecretEngine


@dataclass(frozen=True, slots=True)
class Inspection:
    """A read archive and the redactors for what it shows."""

    read: ReadResult
    scrubs: tuple[Scrub, ...]
    """One per image (in `read.images` order): redacts the secrets of the archive's own
    documents and of every image's config (another image may quote them)."""
    archive_scrub: Scrub
    """Redacts the secrets of the archive's own documents and of every image's config."""


def inspect_archive(
    path: Path,
    *,
    platform: str | None = None,
    image: str | None = None,
    limits: Limits | None = None,
    progress: Progress | None = None,
    sinks: Sequence[ContentSink] = (),
) -> Inspection:
    """Read every selected image of the archive at `path` (verified, merged), with redactors;
    `sinks` see every layer's files on the way (e.g. `ls --history`'s package databases)."""
    read = read_archive(
        path, platform=platform, image=image, limits=limits, sinks=sinks, progress=progress
    )
    scrubs, archive_scrub = _redactors(read)
    return Inspection(read, tuple(scrubs), archive_scrub)


def _redactors(read: ReadResult) -> tuple[Sequence[Scrub], Scrub]:
    # Hyperscan is worth compiling here too: a config may hold 20k labels or megabytes of
    # history, and every file name is looked at for a token shape.
    engine = SecretEngine()
    shared = archive_secrets(index_documents(read), engine)
    union = Scrubber.union(scrubbers(read, engine, shared), archive_values(shared))
    # every image's redactor is the union: image B may quote a secret of image A's config
    return [union] * len(read.images), union
