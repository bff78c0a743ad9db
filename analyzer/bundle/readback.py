"""Read a bundle back for `verify` without trusting anything in it.

A bundle may have been edited by anyone since it was written. So every file is reached from the
bundle directory one name at a time with O_NOFOLLOW (a symlink anywhere on the way is refused,
never followed: nothing outside the bundle is read), must be a regular file before it is opened
(a FIFO would block the open or the read, a device could act on being opened) and again after
(on the descriptor, so a swap in between is caught), and is read in chunks up to a limit. The
tree is listed with one walk (analyzer.bundle.treewalk: iterative, one descriptor, no link
followed), so a chain of thousands of nested folders costs one open each. Every problem is a
BundleDamaged naming the file, which `verify` shows as a FAILED line.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from analyzer.bundle.treewalk import Folder, Left, path_of, walk
from analyzer.errors import BundleDamaged, UsageError
from analyzer.limits import GiB, MiB
from analyzer.text import printable, quoted

MAX_DOCUMENT_BYTES = 64 * MiB
"""SHA256SUMS, custody.json, index.json: real ones are kilobytes; these are parsed in memory."""
MAX_FILE_BYTES = 16 * GiB
"""Any file that is hashed: far above the largest report (an inventory of 5 million paths)."""
MAX_ENTRIES = 100_000
"""Entries in the bundle's tree: a bundle holds about a dozen files per image."""

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def open_bundle(path: Path) -> int:
    """A descriptor of the bundle directory (the path the user gave may pass through links)."""
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        reason = printable(exc.strerror or str(exc))
        raise UsageError(f"{printable(str(path))} is not a bundle directory: {reason}") from None


def is_plain_name(name: str) -> bool:
    """A relative name that stays inside the bundle: no absolute path, no `..`, no `.`."""
    parts = name.split("/")
    return all(part not in ("", ".", "..") and "\0" not in part for part in parts)


def read_document(root: int, name: str) -> bytes:
    """The whole of a small file of the bundle (SHA256SUMS, custody.json, index.json)."""
    return b"".join(_chunks(root, name, MAX_DOCUMENT_BYTES))


def file_sha256(root: int, name: str) -> str:
    """sha256 of a file of the bundle, read in chunks."""
    digest = hashlib.sha256()
    for chunk in _chunks(root, name, MAX_FILE_BYTES):
        digest.update(chunk)
    return digest.hexdigest()


def _chunks(root: int, name: str, limit: int) -> Iterator[bytes]:
    fd = _open_file(root, name)
    try:
        if os.fstat(fd).st_size > limit:
            raise _damaged(name, "larger than any file image-audit writes")
        while chunk := _read(fd, name):
            limit -= len(chunk)
            if limit < 0:  # it grew while being read
                raise _damaged(name, "larger than any file image-audit writes")
            yield chunk
    finally:
        os.close(fd)


def _read(fd: int, name: str) -> bytes:
    try:
        return os.read(fd, 1 << 20)
    except OSError as exc:
        raise _damaged(name, f"cannot be read ({_why(exc)})") from None


def _open_file(root: int, name: str) -> int:
    """A descriptor of the regular file `name`, reached without following any link."""
    if not is_plain_name(name):
        raise _damaged(name, "not a plain path inside the bundle")
    folder, _, base = name.rpartition("/")
    parent = _open_folder(root, folder, name)
    try:
        before = _lstat(parent, base, name)
        fd = os.open(base, _FILE, dir_fd=parent)
    except OSError as exc:
        raise _damaged(name, f"cannot be opened ({_why(exc)})") from None
    finally:
        if parent != root:
            os.close(parent)
    after = os.fstat(fd)
    if (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
        os.close(fd)
        raise _damaged(name, "was replaced while being checked")
    return fd


def _lstat(parent: int, base: str, name: str) -> os.stat_result:
    """The entry itself (not what a link points to); a regular file or damage."""
    try:
        found = os.stat(base, dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        raise _damaged(name, "missing") from None
    kind = _kind(found.st_mode)
    if kind:
        raise _damaged(name, f"{kind}, not a regular file")
    return found


def _kind(mode: int) -> str:
    """What an entry is when it is not a regular file ("" when it is)."""
    return next((kind for test, kind in _KINDS if test(mode)), "")


def _open_folder(root: int, folder: str, name: str) -> int:
    """A descriptor of a folder of the bundle (root itself for ""), one name at a time."""
    current = root
    for part in folder.split("/") if folder else ():
        try:
            following = os.open(part, _DIR, dir_fd=current)
        except FileNotFoundError:
            raise _damaged(name, "missing") from None
        except OSError as exc:  # ELOOP: a symlink; ENOTDIR: not a folder
            raise _damaged(
                name, f"{quoted(part)} on its path is not a folder ({_why(exc)})"
            ) from None
        finally:
            if current != root:
                os.close(current)
        current = following
    return current


@dataclass(frozen=True, slots=True)
class BundleTree:
    """What a bundle directory holds, by relative name; nothing in it was followed."""

    files: list[str]
    """Every regular file."""
    folders: list[str]
    """Every folder (of those walked into)."""
    others: list[tuple[str, str]]
    """Every other entry, and what it is (a symbolic link, a FIFO...)."""


def bundle_tree(root: int, enter: Callable[[str], bool]) -> BundleTree:
    """Every entry of the bundle, sorted, walked once with one descriptor at any depth
    (analyzer.bundle.treewalk) but only into the folders `enter` accepts (the others are
    named, not walked)."""
    tree = BundleTree([], [], [])
    seen = 0
    try:
        with contextlib.closing(walk(root, enter)) as steps:
            for step in steps:
                if isinstance(step, Left):
                    continue
                seen += len(step.entries)
                if seen > MAX_ENTRIES:
                    raise _damaged(".", f"holds more than {MAX_ENTRIES} entries")
                _sort_out(tree, step)
    except OSError as exc:
        raise _damaged(exc.filename or ".", f"cannot be listed ({_why(exc)})") from None
    return BundleTree(sorted(tree.files), sorted(tree.folders), sorted(tree.others))


def _sort_out(tree: BundleTree, folder: Folder) -> None:
    for base, mode in folder.entries:
        name = path_of(folder.path, base)
        kind = "an entry that cannot be examined" if mode is None else _kind(mode)
        if kind == "a directory":
            tree.folders.append(name)
        elif kind:
            tree.others.append((name, kind))
        else:
            tree.files.append(name)


def _damaged(name: str, reason: str) -> BundleDamaged:
    return BundleDamaged(f"{printable(name)}: {reason}")


def _why(exc: OSError) -> str:
    return printable(exc.strerror or str(exc))
