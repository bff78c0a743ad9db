"""The output directory, checked before the long work: what it is, and what a run may do to it.

Why this shape (issue 13, issue 15 section 6; the writing itself is analyzer.bundle.install):

- One writer per DIR, without a lock file: the bundle is moved into place with rename(2), which
  moves a directory only onto a missing or an empty one, so of two runs into the same empty DIR
  the second finds it taken and fails (exit 2) instead of mixing two bundles. A `Claim` records
  what DIR was before the long work (missing, empty, or an earlier bundle and its inode); the
  install refuses a DIR that changed since.
- `--force` replaces only an earlier image-audit bundle exactly as it was written: one that
  `verify` passes (SHA256SUMS in our format listing every file there and nothing else, each
  with its hash; custody.json and index.json of the shape we write). Any other non-empty
  directory is refused, forced or not: two files named SHA256SUMS and custody.json prove
  nothing, and a file added to a bundle (the examiner's notes.txt) is not ours to delete. A
  bundle whose files no longer match their hashes is refused too: replacing it would destroy
  the evidence that it was altered; whoever means to discard it can move it aside. The check
  runs again when the earlier bundle has been moved aside at install (analyzer.bundle.install),
  so a file added during the long scan is not deleted either.
- DIR may not be the input, lie inside an input directory (an OCI layout) or hold the input:
  compared by device and inode of every ancestor, not by strings. DIR itself may not be a
  symlink (it would redirect the bundle); its parents may: that is where the user chose to write.
- DIR may not be a mount point (a USB disk mounted for the evidence): a rename cannot replace
  it, so the user is asked for a new directory inside it, before the long work.
- Nothing is created here: a scan that fails leaves DIR exactly as it was.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from analyzer.bundle.verify import bundle_problems
from analyzer.errors import OutputError
from analyzer.text import printable

_MARKERS = ("SHA256SUMS", "custody.json")
"""The files every bundle has: a directory without both is not a bundle (nor verified as one)."""
_EFFECTIVE = os.access in os.supports_effective_ids


@dataclass(frozen=True, slots=True)
class Claim:
    """What DIR was when the run began, and so what its install may do."""

    out: Path
    """DIR made absolute (lexically: `--bundle a/../b` is b)."""
    found: tuple[int, int] | None
    """(device, inode) of DIR when claimed; None when it did not exist."""
    replace: bool
    """DIR held an earlier bundle and --force allows replacing it."""


# cli.py checks DIR before the long scan and writes after it: the claim made first is the one
# the install is held to (a run into an empty DIR must not later replace a bundle that a
# concurrent run put there), so it is kept here until the writer takes it.
_CLAIMS: dict[Path, Claim] = {}


def claim(out: Path, force: bool, source: Path | None = None) -> Claim:
    """`check_output`, and keep its answer for `take_claim` (the write after the long work)."""
    result = check_output(out, force, source)
    _CLAIMS[result.out] = result
    return result


def take_claim(out: Path) -> Claim | None:
    """The claim this process made for DIR and has not used yet, if any (it is used up)."""
    return _CLAIMS.pop(Path(os.path.abspath(out)), None)


def check_output(out: Path, force: bool, source: Path | None = None) -> Claim:
    """What DIR is now; refuse a DIR that cannot be used: a file, a symlink, a directory that
    is not empty (without --force) or not an earlier bundle (with it), one that cannot be
    created, and (given the input `source`) the input's own place."""
    path = Path(os.path.abspath(out))
    if not path.name:
        raise OutputError(f"{shown(path)} cannot be an output directory; name a new directory")
    try:
        found, replace = _found(path, force)
        _check_parent(path)
        if source is not None:
            refuse_overlap(path, source)
    except OSError as exc:
        reason = why(exc)
        raise OutputError(f"cannot use {shown(path)} as the output directory: {reason}") from None
    if replace:
        refuse_unless_intact(path, path)
    return Claim(path, found, replace)


def _found(path: Path, force: bool) -> tuple[tuple[int, int] | None, bool]:
    try:
        found = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):  # _check_parent names the missing part
        return None, False
    if stat.S_ISLNK(found.st_mode):
        raise OutputError(
            f"{shown(path)} is a symbolic link; name the directory itself "
            "(a link could send the bundle somewhere else)"
        )
    if not stat.S_ISDIR(found.st_mode):
        raise OutputError(f"{shown(path)} exists and is not a directory")
    if os.path.ismount(path):  # the bundle is renamed into place: a mount point cannot be
        raise OutputError(
            f"{shown(path)} is a mount point; write the bundle into a new directory inside it "
            f"(such as {shown(path / 'evidence')})"
        )
    identity = (found.st_dev, found.st_ino)
    with os.scandir(path) as entries:
        if next(entries, None) is None:
            return identity, False
    if not force:
        raise OutputError(
            f"{shown(path)} is not empty; choose another directory "
            "or pass --force to replace an earlier image-audit bundle"
        )
    if not all(_is_regular(path / name) for name in _MARKERS):
        raise OutputError(
            f"{shown(path)} is not empty and is not an earlier image-audit bundle (no "
            "SHA256SUMS and custody.json); --force replaces only a bundle: choose another directory"
        )
    return identity, True


def refuse_unless_intact(bundle: Path, named: Path) -> None:
    """Refuse to replace `bundle` (shown as `named`, the DIR the user gave) unless `verify`
    passes it: anything else in it would be deleted, or the sign that it was altered."""
    problems = bundle_problems(bundle)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise OutputError(
            f"{shown(named)} is not an earlier image-audit bundle as it was written: "
            f"{problems[0]}{more}; --force replaces only a bundle that `image-audit verify` "
            "passes, so nothing was deleted: choose another directory, or move it aside"
        )


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False


def _check_parent(path: Path) -> None:
    """Fail before the long work when DIR cannot be created: its nearest existing ancestor must
    be a writable directory (os.access also sees a read-only filesystem)."""
    ancestor = path.parent
    while not os.path.lexists(ancestor):
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(
            f"{shown(ancestor)} is not a directory, so {shown(path)} cannot be created there"
        )
    if not os.access(ancestor, os.W_OK | os.X_OK, effective_ids=_EFFECTIVE):
        raise OutputError(
            f"cannot write in {shown(ancestor)} (read-only or no permission); "
            "choose an output directory you can write to"
        )


def refuse_overlap(out: Path, source: Path, what: str = "the bundle") -> None:
    """Refuse an output (`what`: the bundle, the report) that is the input, lies inside an
    input directory or holds the input: writing there, or replacing it, would alter or destroy
    the evidence."""
    input_id, out_id = _identity(source), _identity(out)
    if input_id is None:
        return  # no input there: the scan itself says so
    if input_id == out_id:
        raise OutputError(f"{shown(out)} is the input; write {what} somewhere else")
    if input_id in _ancestry(out):
        raise OutputError(
            f"{shown(out)} is inside the input {shown(source)}; {what} would alter the "
            "evidence: write it outside the input"
        )
    if out_id is not None and out_id in _ancestry(source):
        raise OutputError(
            f"{shown(out)} holds the input {shown(source)}; writing {what} there could "
            "destroy the evidence: choose another directory"
        )


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _ancestry(path: Path) -> set[tuple[int, int]]:
    """(device, inode) of the path and of every existing ancestor, as named and as resolved."""
    named = Path(os.path.abspath(path))
    resolved = Path(os.path.realpath(path))
    places = {named, *named.parents, resolved, *resolved.parents}
    return {found for found in map(_identity, places) if found is not None}


def shown(path: Path) -> str:
    """A path for a one-line message (it may hold any byte)."""
    return printable(str(path))


def why(exc: OSError) -> str:
    """The reason of an OSError for a one-line message."""
    return printable(exc.strerror or str(exc))
