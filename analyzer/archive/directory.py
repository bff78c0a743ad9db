"""An image layout given as a directory: listed without following links, read as regular files.

A directory may hold anything a filesystem can: a FIFO (opening it waits for a writer forever), a
device (/dev/zero never ends), a socket, or a file swapped for one of these after it was listed.
So every file is opened without following a symlink and without blocking, checked with fstat, and
read only if it is a regular file, and never beyond the size it had when it was listed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from analyzer.errors import ArchiveError, LimitExceeded
from analyzer.limits import Limits
from analyzer.text import quoted

_READ = 1 << 20


class Listed(NamedTuple):
    """One path below the directory, as lstat saw it."""

    name: str
    """Relative POSIX path."""
    kind: str
    """"file", "dir", "symlink" or "other" (device, FIFO, socket)."""
    size: int
    link: str


def list_directory(root: Path, limits: Limits) -> Iterator[Listed]:
    """Every path below `root`, symlinks not followed; at most limits.max_entries of them."""
    count = 0
    for dirpath, dirnames, filenames in os.walk(root, onerror=_unlistable):
        for name in sorted(dirnames) + sorted(filenames):
            count += 1
            if count > limits.max_entries:
                raise LimitExceeded(
                    f"{root}: more than {limits.max_entries} files and directories; not an "
                    "image layout, or raise --max-entries if it really is one"
                )
            yield _listed(root, Path(dirpath, name), limits)


def _unlistable(error: OSError) -> None:
    raise ArchiveError(f"{error.filename}: cannot be listed ({error.strerror})")


def _listed(root: Path, full: Path, limits: Limits) -> Listed:
    rel = full.relative_to(root).as_posix()
    if len(rel) > limits.max_path_length:
        raise LimitExceeded(
            f"{root}: a path of {len(rel)} characters ({quoted(rel)}) exceeds the limit of "
            f"{limits.max_path_length}; not an image layout"
        )
    try:
        info = full.lstat()
        link = os.readlink(full) if stat.S_ISLNK(info.st_mode) else ""
    except OSError as exc:
        raise ArchiveError(f"{full}: cannot be examined ({exc.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        return Listed(rel, "symlink", 0, link)
    if stat.S_ISREG(info.st_mode):
        return Listed(rel, "file", info.st_size, "")
    return Listed(rel, "dir" if stat.S_ISDIR(info.st_mode) else "other", 0, "")


def regular_file_chunks(path: Path, size: int) -> Iterator[bytes]:
    """Stream the `size` bytes of the regular file at `path` (a last-component symlink, a
    directory, FIFO, device or socket is an ArchiveError, as is a file that shrank)."""
    with os.fdopen(_open_regular(path), "rb") as handle:
        left = size
        while left:
            chunk = handle.read(min(left, _READ))
            if not chunk:
                raise ArchiveError(
                    f"{path}: ends {left} bytes short of the {size} bytes it had when the "
                    "directory was listed; it changed while being read"
                )
            left -= len(chunk)
            yield chunk


def _open_regular(path: Path) -> int:
    try:  # O_NONBLOCK: opening a FIFO must not wait for a writer
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot be read ({exc.strerror})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise ArchiveError(
            f"{path}: is a {describe_mode(mode)}, not a regular file; an image layout holds "
            "only regular files, directories and symlinks"
        )
    return fd


def describe_mode(mode: int) -> str:
    """What kind of file `mode` (from stat) describes, in words.

    >>> describe_mode(stat.S_IFIFO | 0o644), describe_mode(stat.S_IFCHR)
    ('FIFO', 'character device')
    """
    kinds = {
        stat.S_IFDIR: "directory",
        stat.S_IFCHR: "character device",
        stat.S_IFBLK: "block device",
        stat.S_IFIFO: "FIFO",
        stat.S_IFSOCK: "socket",
        stat.S_IFLNK: "symlink",
    }
    return kinds.get(stat.S_IFMT(mode), "special file")
