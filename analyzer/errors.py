"""One exception hierarchy for everything a user can cause.

Every error carries a message that tells the user what is wrong and what to do. The CLI catches
`AnalyzerError` once and turns it into one line on stderr with exit code 2; any other exception
escaping is a bug (exit 3). A message may quote the archive: the CLI prints it printable and with
every secret the engine finds in it redacted (`document_scrub.redacted_message`), so a string of
the archive is quoted with `text.quoted`: a guess such as a keyword's value is only trusted there.
"""

from __future__ import annotations


class AnalyzerError(Exception):
    """Base class: a problem with the input or the request, explained for the user."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(AnalyzerError):
    """The command line asks for something impossible (unknown platform, bad path...)."""


class ArchiveError(AnalyzerError):
    """The input cannot be read as an archive: truncated, corrupt, unreadable."""


class UnsupportedFormat(AnalyzerError):
    """The input is readable but is not an image archive we support."""


class ManifestError(AnalyzerError):
    """An index, manifest or config is missing, not JSON, or does not follow its schema."""


class MissingBlob(ArchiveError):
    """A descriptor points to a blob that is not in the archive."""


class CorruptStream(ArchiveError):
    """Compressed data (gzip, zstd, xz or bzip2: `compression`) that cannot be decoded."""

    def __init__(self, message: str, compression: str) -> None:
        super().__init__(message)
        self.compression = compression


class StreamEndsEarly(CorruptStream):
    """Compressed data that ends before its end-of-stream marker. A decoder cannot tell a
    stream cut short from one damaged so that its end is never found; for a layer, the blob's
    declared size and digest can."""


class DamagedLayer(ArchiveError):
    """A layer blob read to its end that could not be decompressed or read as a tar (`cause`).

    It carries the digest and size of the blob's stored bytes, so that the reader can name the
    root cause: a blob that is not the one its manifest names, or one damaged before its
    manifest was written. Its message is the cause's."""

    def __init__(self, cause: ArchiveError, digest: str, size: int) -> None:
        super().__init__(cause.message)
        self.cause = cause
        self.digest = digest
        self.size = size


class DigestMismatch(ArchiveError):
    """A blob's content does not hash to the digest that names it."""

    def __init__(self, what: str, expected: str, actual: str, also: str = "") -> None:
        super().__init__(
            f"{what}: expected {expected} but the content hashes to {actual}; "
            "the archive was modified or corrupted after it was written"
            + (f"; {also}" if also else "")
        )
        self.what = what
        self.expected = expected
        self.actual = actual


class LimitExceeded(AnalyzerError):
    """A safety limit (bytes, entries, header size, link depth) was hit."""


class UnsafeInput(AnalyzerError):
    """The input tries to escape its root (path traversal, symlink outside the archive)."""


class OutputError(AnalyzerError):
    """The output directory cannot be used: not a directory, taken by another run, inside or
    holding the input, not writable, or the disk is full. Nothing was written."""


class BundleDamaged(AnalyzerError):
    """A bundle under verification is damaged: a file is missing, not a regular file, too large
    or malformed. `verify` reports it as a failed check (exit 1), never as a crash."""

    exit_code = 1
