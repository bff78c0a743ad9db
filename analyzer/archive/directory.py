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
from itertools import islice
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
    """Every path below `root`, symlinks not followed; at most limits.max_entries of them.

    Depth first with a stack of its own (os.walk recurses, and a chain of 1,200 nested folders
    exhausted Python's stack); each directory is opened without following a symlink and must be
    the one its parent listed, so a folder swapped for a link while listing is an error.
    """
    listed_count = 0
    pending: list[tuple[str, _Identity | None]] = [("", None)]
    while pending:
        rel, identity = pending.pop()
        below: list[tuple[str, _Identity]] = []
        for found, found_identity in _directory(root, rel, identity, limits, listed_count):
            listed_count += 1
            yield found
            if found.kind == "dir":
                below.append((found.name, found_identity))
        pending.extend(reversed(below))  # popped in name order


_Identity = tuple[int, int]
"""(st_dev, st_ino) of a directory as its parent's listing saw it."""


def _directory(
    root: Path, rel: str, identity: _Identity | None, limits: Limits, listed_count: int
) -> list[tuple[Listed, _Identity]]:
    """The entries of directory `rel` (the root itself when ""), sorted by name."""
    fd = _open_directory(root, rel, identity)
    try:
        with os.scandir(fd) as entries:
            names = sorted(islice((e.name for e in entries), limits.max_entries - listed_count + 1))
        if listed_count + len(names) > limits.max_entries:
            raise LimitExceeded(
                f"{root}: more than {limits.max_entries} files and directories; not an "
                "image layout, or raise --max-entries if it really is one"
            )
        return [_listed(root, fd, f"{rel}/{name}" if rel else name, name, limits) for name in names]
    except OSError as exc:
        raise ArchiveError(f"{_named(root, rel)} cannot be listed ({exc.strerror})") from None
    finally:
        os.close(fd)


def _open_directory(root: Path, rel: str, identity: _Identity | None) -> int:
    """A descriptor of directory `rel`, checked to be the one listed (`identity`)."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC | (os.O_NOFOLLOW if rel else 0)
    try:
        fd = os.open(root / rel if rel else root, flags)
    except OSError as exc:
        raise ArchiveError(f"{_named(root, rel)} cannot be listed ({exc.strerror})") from None
    opened = os.fstat(fd)
    if identity is not None and (opened.st_dev, opened.st_ino) != identity:
        os.close(fd)
        raise ArchiveError(f"{_named(root, rel)} was replaced while the directory was listed")
    return fd


def _named(root: Path, rel: str) -> str:
    """How a message names `rel` below `root` (a path may be thousands of characters long)."""
    return f"{root}: {quoted(rel)}" if rel else f"{root}:"


def _listed(
    root: Path, parent: int, rel: str, name: str, limits: Limits
) -> tuple[Listed, _Identity]:
    if len(rel) > limits.max_path_length:
        raise LimitExceeded(
            f"{root}: a path of {len(rel)} characters ({quoted(rel)}) exceeds the limit of "
            f"{limits.max_path_length}; not an image layout"
        )
    try:
        info = os.stat(name, dir_fd=parent, follow_symlinks=False)
        link = os.readlink(name, dir_fd=parent) if stat.S_ISLNK(info.st_mode) else ""
    except OSError as exc:
        raise ArchiveError(f"{_named(root, rel)} cannot be examined ({exc.strerror})") from None
    identity = (info.st_dev, info.st_ino)
    if stat.S_ISLNK(info.st_mode):
        return Listed(rel, "symlink", 0, link), identity
    if stat.S_ISREG(info.st_mode):
        return Listed(rel, "file", info.st_size, ""), identity
    return Listed(rel, "dir" if stat.S_ISDIR(info.st_mode) else "other", 0, ""), identity


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
