"""Walk a directory tree, and remove one, through descriptors, at any depth.

A bundle may hold anything by the time it is verified or replaced (a chain of 16,000 nested
folders is a few commands away), so neither recursion (Python's stack ends near 1,000 levels:
shutil.rmtree raised RecursionError) nor reopening each folder from the top (depth d costs
d^2/2 opens) will do. The walk holds one descriptor: it goes down with openat(name,
O_NOFOLLOW) and back up with openat(".."), checking that ".." is the very folder it came from
(device and inode), so a folder moved meanwhile stops the walk with an error instead of
leading it elsewhere. Nothing is followed: a symlink is an entry like a file (removed, never
entered), and a folder on another filesystem (a mount point) is not entered either.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable, Generator
from dataclasses import dataclass

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass(frozen=True, slots=True)
class Folder:
    """A folder reached by the walk (before the folders in it)."""

    path: str
    """Relative to the top: "" for the top itself, else names joined with "/"."""
    fd: int
    """Its descriptor, valid until the walk takes its next step."""
    entries: tuple[tuple[str, int | None], ...]
    """(name, st_mode of the entry itself) of every entry; None for one gone since listed."""


@dataclass(frozen=True, slots=True)
class Left:
    """A folder the walk is done with (everything under it was reached)."""

    parent: int
    """Its parent's descriptor, valid until the walk takes its next step."""
    name: str
    """Its name in the parent."""


@dataclass(slots=True)
class _Level:
    name: str
    """Its name in its parent ("" for the top)."""
    identity: tuple[int, int]
    pending: list[str]
    """Its folders not yet entered."""


def walk(
    top: int, enter: Callable[[str], bool] | None = None
) -> Generator[Folder | Left, None, None]:
    """Every folder under the open folder `top`, top first, depth first; a `Left` after the
    last of a folder's subfolders (none for the top). `enter(path)` may keep the walk out of a
    folder (it is still listed in its parent's entries). Raises OSError (its filename the
    folder's path from the top) when a folder cannot be listed or entered, or moved during
    the walk."""
    fd = os.dup(top)
    path = ""
    above: list[_Level] = []
    try:
        while True:
            entries = _listed(fd, path)
            yield Folder(path, fd, entries)
            here = os.fstat(fd)
            folders = [name for name, mode in entries if mode and stat.S_ISDIR(mode)]
            if enter is not None:
                folders = [name for name in folders if enter(path_of(path, name))]
            above.append(_Level(path.rpartition("/")[2], (here.st_dev, here.st_ino), folders))
            while not above[-1].pending:
                done = above.pop()
                if not above:
                    return
                path = path.rpartition("/")[0]
                fd = _moved(fd, _up(fd, above[-1], path))
                yield Left(fd, done.name)
            name = above[-1].pending.pop()
            path = path_of(path, name)
            fd = _moved(fd, _down(fd, name, path, above[-1].identity[0]))
    finally:
        os.close(fd)


def _moved(old: int, new: int) -> int:
    """The walk's one descriptor is now `new`."""
    os.close(old)
    return new


def path_of(folder: str, name: str) -> str:
    """The relative name of entry `name` of the walk's folder `folder`."""
    return f"{folder}/{name}" if folder else name


def _listed(fd: int, path: str) -> tuple[tuple[str, int | None], ...]:
    try:
        with os.scandir(fd) as entries:
            return tuple((entry.name, _mode(entry)) for entry in entries)
    except OSError as exc:
        raise _at(exc, path) from None


def _mode(entry: os.DirEntry[str]) -> int | None:
    try:
        return entry.stat(follow_symlinks=False).st_mode
    except FileNotFoundError:  # gone since the listing
        return None


def _down(fd: int, name: str, path: str, device: int) -> int:
    """A descriptor of subfolder `name`: never a link, never another filesystem."""
    try:
        below = os.open(name, _DIR, dir_fd=fd)
    except OSError as exc:
        raise _at(exc, path) from None
    if os.fstat(below).st_dev != device:
        os.close(below)
        raise OSError(errno.EXDEV, "a mount point, not entered", path)
    return below


def _up(fd: int, parent: _Level, path: str) -> int:
    """A descriptor of `parent` (at `path`), reached by "..": it must be the folder the walk
    came from."""
    try:
        up = os.open("..", _DIR, dir_fd=fd)
    except OSError as exc:
        raise _at(exc, path) from None
    found = os.fstat(up)
    if (found.st_dev, found.st_ino) != parent.identity:
        os.close(up)
        raise OSError(errno.ESTALE, "moved while it was being walked", path or ".")
    return up


def _at(exc: OSError, path: str) -> OSError:
    """The same error, naming the folder by its path from the top."""
    return OSError(exc.errno, exc.strerror or str(exc), path or ".")


def remove_tree(parent: int, name: str) -> None:
    """Remove entry `name` of the open folder `parent` and, if it is a folder, everything in
    it, at any depth, following no link. Raises OSError if anything cannot be removed."""
    try:
        found = os.stat(name, dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(found.st_mode):
        os.unlink(name, dir_fd=parent)
        return
    top = os.open(name, _DIR, dir_fd=parent)
    try:
        for step in walk(top):
            if isinstance(step, Left):
                os.rmdir(step.name, dir_fd=step.parent)
                continue
            for entry, mode in step.entries:
                if not (mode and stat.S_ISDIR(mode)):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry, dir_fd=step.fd)
    finally:
        os.close(top)
    os.rmdir(name, dir_fd=parent)
