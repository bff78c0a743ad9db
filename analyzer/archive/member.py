"""One member of the input archive, and the rule that keeps member names inside it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Member:
    """One file in the input archive (not inside a layer)."""

    name: str
    """Normalized relative POSIX path, e.g. "blobs/sha256/ab12..."."""
    kind: str
    """"file", "dir", "symlink", "hardlink" or "other"."""
    size: int
    offset: int
    """Offset of the data in the (decompressed) tar stream; 0 for directory inputs."""
    link: str = ""


def normalize_member(name: str) -> str | None:
    """Normalize an archive member name; None when it is absolute or climbs out with "..".

    >>> normalize_member("./blobs//sha256/ab/")
    'blobs/sha256/ab'
    >>> normalize_member("../evil") is None
    True
    """
    if name.startswith("/"):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        return None
    return "/".join(parts)
