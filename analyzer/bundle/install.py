"""Build the bundle beside DIR and move it into place whole, or leave no trace.

Why this shape (issue 13, issue 15 section 6; what DIR may be is analyzer.bundle.outdir):

- The bundle is built in a fresh private staging directory (mode 0700, random name) made in
  DIR's parent, so on DIR's filesystem: one rename(2) installs it atomically. Every file is
  created with O_CREAT|O_EXCL|O_NOFOLLOW through descriptors of directories this run created
  itself, so no existing file, symlink or folder is ever written through. The bundle root inside
  the staging directory is made with the ordinary (umask) mode it keeps once installed.
- An earlier bundle that --force replaces is renamed into the staging directory, verified again
  there (a file added to it during the scan, or an edit, puts it back and fails), and removed
  with analyzer.bundle.treewalk.remove_tree: at any depth (no recursion: a chain of nested
  folders in it cannot crash the run after the new bundle is in place), never following a
  symlink (a symlinked report.json or image-N folder in it leads nowhere we write). If it
  cannot be removed, the error says where it is: the new bundle is in place all the same.
- An existing DIR's permission bits are copied onto the bundle that replaces it (the rename
  gives DIR a new inode; owner, group and ACLs are not copied).
- Any failure, KeyboardInterrupt included, removes the staging directory and the parents this
  run created; DIR is left exactly as it was. SIGTERM and SIGHUP interrupt the writing as
  Ctrl-C does (analyzer.bundle.interrupts), so they too leave nothing behind. Files and
  folders are fsynced before the rename, so a bundle that is in place is complete on disk.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from analyzer.bundle.interrupts import stopping_signals_interrupt
from analyzer.bundle.outdir import Claim, refuse_unless_intact, shown, why
from analyzer.bundle.readback import is_plain_name
from analyzer.bundle.treewalk import remove_tree
from analyzer.errors import OutputError
from analyzer.text import quoted

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def publish(claimed_dir: Claim, files: Mapping[str, bytes]) -> None:
    """Write `files` (relative name -> bytes, in order) as the bundle DIR, whole or not at all:
    on any failure DIR is left as it was and nothing of this run remains, SIGTERM and SIGHUP
    included (analyzer.bundle.interrupts)."""
    with stopping_signals_interrupt():
        _publish(claimed_dir, files)


def _publish(claimed_dir: Claim, files: Mapping[str, bytes]) -> None:
    created: list[Path] = []
    done = False
    try:
        _make_parents(claimed_dir.out.parent, created)
        parent = os.open(claimed_dir.out.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            _stage_and_install(parent, claimed_dir, files)
        finally:
            os.close(parent)
        done = True
    except OSError as exc:
        raise OutputError(
            f"cannot write the evidence bundle to {shown(claimed_dir.out)}: {why(exc)}; "
            "nothing was written"
        ) from None
    finally:
        if not done:
            for made in created:
                with contextlib.suppress(OSError):  # someone else put something there: keep it
                    os.rmdir(made)


def _make_parents(parent: Path, created: list[Path]) -> None:
    """Create the missing parents of DIR, recording each (deepest first) so a failure can
    remove them again."""
    missing = []
    while not os.path.lexists(parent):
        missing.append(parent)
        parent = parent.parent
    for place in reversed(missing):
        os.mkdir(place)
        created.insert(0, place)


@dataclass(frozen=True, slots=True)
class _Staging:
    """The private directory a bundle is built in, beside DIR."""

    parent: int
    """Descriptor of DIR's parent, where the staging directory is."""
    name: str
    """The staging directory's name in the parent."""
    fd: int
    """Its descriptor."""


def _stage_and_install(parent: int, claimed_dir: Claim, files: Mapping[str, bytes]) -> None:
    name = f".{claimed_dir.out.name[:40]}.image-audit-partial-{secrets.token_hex(8)}"
    os.mkdir(name, 0o700, dir_fd=parent)
    installed = False
    try:
        staging = _Staging(parent, name, os.open(name, _DIR_FLAGS, dir_fd=parent))
        try:
            _write_tree(staging.fd, files)
            _install(staging, claimed_dir)
            installed = True
        finally:
            os.close(staging.fd)
    finally:
        if not installed:
            _discard(parent, name)
    _remove_previous(parent, name, claimed_dir)


def _discard(parent: int, name: str) -> None:
    """Remove a failed run's staging directory, unless the earlier bundle could not be put back
    out of it (`_put_back` has said where it is). A leftover matters less than the failure
    being raised, so removal errors are not reported over it."""
    try:
        os.stat(f"{name}/previous", dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        with contextlib.suppress(OSError):
            remove_tree(parent, name)


def _remove_previous(parent: int, name: str, claimed_dir: Claim) -> None:
    """Remove the staging directory, which holds the replaced bundle, if any."""
    try:
        remove_tree(parent, name)
    except KeyboardInterrupt:  # the bundle is in place: finish the clean-up, then stop
        with contextlib.suppress(OSError):
            remove_tree(parent, name)
        raise
    except OSError as exc:
        raise OutputError(
            f"the bundle was written to {shown(claimed_dir.out)}, but the earlier one, moved "
            f"aside to {shown(claimed_dir.out.parent / name)}, could not be removed "
            f"({why(exc)}); remove it by hand"
        ) from None


def _write_tree(staging: int, files: Mapping[str, bytes]) -> None:
    os.mkdir("bundle", 0o777, dir_fd=staging)
    folders = {"": os.open("bundle", _DIR_FLAGS, dir_fd=staging)}
    try:
        for name, data in files.items():
            folder, _, base = _checked_name(name).rpartition("/")
            _create(_folder(folders, folder), base, data)
        for descriptor in folders.values():
            os.fsync(descriptor)  # the names are on disk before the rename publishes them
    finally:
        for descriptor in folders.values():
            os.close(descriptor)


def _checked_name(name: str) -> str:
    """Names are ours, but an image folder's name holds part of a digest read from the archive:
    only plain relative names are written."""
    if not is_plain_name(name):
        raise OutputError(f"refusing to write a bundle file named {quoted(name)}")
    return name


def _folder(folders: dict[str, int], folder: str) -> int:
    """The descriptor of a folder of the bundle, created (with its parents) on first use."""
    if folder not in folders:
        above, _, base = folder.rpartition("/")
        parent = _folder(folders, above)
        os.mkdir(base, 0o777, dir_fd=parent)
        folders[folder] = os.open(base, _DIR_FLAGS, dir_fd=parent)
    return folders[folder]


def _create(folder: int, name: str, data: bytes) -> None:
    """A new file, never an existing one or a symlink; flushed to disk."""
    with open(os.open(name, _NEW_FILE, 0o666, dir_fd=folder), "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _install(staging: _Staging, claimed_dir: Claim) -> None:
    """Move the built bundle onto DIR: onto nothing or an empty directory, or (--force) in
    place of the earlier bundle found when the run began, which is moved into the staging
    directory first and put back if the move fails."""
    _keep_mode(staging, claimed_dir)
    moved = installed = False
    try:
        if claimed_dir.replace:
            _check_unchanged(staging.parent, claimed_dir)
            _rename(staging.parent, claimed_dir.out.name, staging.fd, "previous")
            moved = True
            # checked again now that no one else can add to it: the scan may have taken hours
            previous = claimed_dir.out.parent / staging.name / "previous"
            refuse_unless_intact(previous, claimed_dir.out)
        _move_into_place(staging, claimed_dir)
        installed = True
    finally:
        if moved and not installed:
            _put_back(staging, claimed_dir)


def _rename(from_dir: int, name: str, to_dir: int, new_name: str) -> None:
    os.rename(name, new_name, src_dir_fd=from_dir, dst_dir_fd=to_dir)


def _put_back(staging: _Staging, claimed_dir: Claim) -> None:
    """Return the earlier bundle to DIR after a failed install."""
    try:
        _rename(staging.fd, "previous", staging.parent, claimed_dir.out.name)
    except OSError as exc:
        raise OutputError(
            f"the bundle could not be written to {shown(claimed_dir.out)}, and the earlier "
            f"bundle could not be put back ({why(exc)}): it is in "
            f"{shown(claimed_dir.out.parent / staging.name / 'previous')}"
        ) from None


def _check_unchanged(parent: int, claimed_dir: Claim) -> None:
    try:
        now = os.stat(claimed_dir.out.name, dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        now = None
    if now is None or (now.st_dev, now.st_ino) != claimed_dir.found:
        raise OutputError(
            f"{shown(claimed_dir.out)} was replaced while this run scanned (by another "
            "image-audit run?); nothing was written: run again or choose another directory"
        )


def _move_into_place(staging: _Staging, claimed_dir: Claim) -> None:
    try:
        _rename(staging.fd, "bundle", staging.parent, claimed_dir.out.name)
    except OSError as exc:
        if exc.errno in (errno.EBUSY, errno.EXDEV):  # mounted on since it was checked
            raise OutputError(
                f"{shown(claimed_dir.out)} is a mount point; nothing was written: write the "
                "bundle into a new directory inside it"
            ) from None
        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
            raise
        raise OutputError(
            f"{shown(claimed_dir.out)} was filled while this run scanned (by another "
            "image-audit run?); nothing was written: choose another directory"
        ) from None


def _keep_mode(staging: _Staging, claimed_dir: Claim) -> None:
    """The bundle takes the permissions of the DIR it replaces (an examiner may have made it
    group-only for the case): the rename gives DIR a new inode, so they are copied over."""
    try:
        found = os.stat(claimed_dir.out.name, dir_fd=staging.parent, follow_symlinks=False)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(found.st_mode):
        os.chmod("bundle", stat.S_IMODE(found.st_mode), dir_fd=staging.fd)
