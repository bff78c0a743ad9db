"""image-audit: offline forensic analysis of container image archives.

The public API: read an archive into verified images and layered filesystems.
"""

from analyzer.errors import (
    AnalyzerError,
    ArchiveError,
    DigestMismatch,
    LimitExceeded,
    ManifestError,
    MissingBlob,
    UnsafeInput,
    UnsupportedFormat,
    UsageError,
)
from analyzer.filesystem.layered import LayeredFS
from analyzer.filesystem.model import Change, Entry, EntryKind, LayerListing, Removed, Version
from analyzer.limits import Limits
from analyzer.reader import ImageView, ReadResult, read_archive

__version__ = "0.1.0"

__all__ = [
    "AnalyzerError",
    "ArchiveError",
    "Change",
    "DigestMismatch",
    "Entry",
    "EntryKind",
    "ImageView",
    "LayerListing",
    "LayeredFS",
    "LimitExceeded",
    "Limits",
    "ManifestError",
    "MissingBlob",
    "ReadResult",
    "Removed",
    "UnsafeInput",
    "UnsupportedFormat",
    "UsageError",
    "Version",
    "__version__",
    "read_archive",
]
