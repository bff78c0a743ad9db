"""The report file of `-o FILE`: checked before the long work, then replaced whole.

The same care as the bundle's directory (analyzer.bundle.outdir, analyzer.bundle.install), for
one file:

- FILE and the --bundle DIR may not overlap: FILE inside DIR (the bundle would replace it), DIR
  inside FILE (the bundle would create FILE as a directory, then the report could not be written
  and the failed run would leave a whole bundle), or the same path. Refused before the long work.
- FILE itself may not be a symlink (it would send the report elsewhere), a directory (before
  --bundle DIR existed, `-o DIR` wrote the evidence bundle: the error says to use --bundle), a
  FIFO or a device, an input, or inside an input directory: every input the command reads (the
  archive, both images of `diff`, the suppression file, the vulnerability database), not only
  the first (`diff OLD NEW -o OLD` replaced the old image with the report). Its parent must
  exist and be writable; the parent may be a symlink: that is where the user chose to write.
- The text is written to a new private file beside FILE (O_CREAT|O_EXCL|O_NOFOLLOW, so nothing
  existing is written through), flushed to disk, then renamed onto FILE: a reader sees the old
  file or the new one, never half of one. Any failure, KeyboardInterrupt, SIGTERM and SIGHUP
  included, removes the new file and leaves FILE as it was.
- A FILE that existed keeps its permission bits (rename gives it a new inode).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from analyzer.bundle.interrupts import stopping_signals_interrupt
from analyzer.bundle.outdir import refuse_overlap, shown, why
from analyzer.errors import OutputError

_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass(frozen=True, slots=True)
class ReportFile:
    """Where -o writes, as found when the run began."""

    path: Path
    """FILE made absolute (lexically)."""
    mode: int | None
    """Permission bits of the FILE it replaces; None when there was none."""


def check_report_file(
    path: Path, sources: Sequence[Path] = (), bundle: Path | None = None
) -> ReportFile:
    """Refuse a FILE that cannot be written safely (see the module docstring): one that is or
    lies in any of the inputs `sources`, or in the `bundle` directory; nothing is created yet."""
    target = Path(os.path.abspath(path))
    if bundle is not None:
        _refuse_inside_bundle(target, bundle)
        _refuse_bundle_inside(target, bundle)
    try:
        mode = _existing_mode(target)
        check_parent(target)
        for source in sources:
            refuse_overlap(target, source, "the report")
    except OSError as exc:
        raise OutputError(f"cannot write the report to {shown(target)}: {why(exc)}") from None
    return ReportFile(target, mode)


def _existing_mode(path: Path) -> int | None:
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(found.st_mode):
        raise OutputError(
            f"{shown(path)} is a symbolic link; name the file itself "
            "(a link could send the report somewhere else)"
        )
    if stat.S_ISDIR(found.st_mode):
        raise OutputError(
            f"{shown(path)} is a directory; -o writes one report file: to write the evidence "
            "bundle into a directory, use --bundle DIR"
        )
    if not stat.S_ISREG(found.st_mode):
        raise OutputError(
            f"{shown(path)} exists and is not a regular file; name a file (to discard the "
            "report, leave out -o and send stdout to /dev/null)"
        )
    return stat.S_IMODE(found.st_mode)


def check_parent(path: Path) -> None:
    """Refuse a file whose directory does not exist or cannot be written in (one line)."""
    parent = path.parent
    if not parent.is_dir():
        raise OutputError(
            f"{shown(parent)} is not an existing directory, so {shown(path)} cannot be written"
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(
            f"cannot write in {shown(parent)} (read-only or no permission); "
            "choose a file you can write"
        )


def write_report_file(target: ReportFile, data: bytes | Iterable[bytes]) -> None:
    """Replace FILE with `data` whole, or leave it as it was (then raise OutputError); SIGTERM
    and SIGHUP interrupt it as Ctrl-C does (analyzer.bundle.interrupts). `data` may come in
    pieces made while they are written (`ls -f json` of a huge image): an error or a signal
    while they are made leaves FILE as it was too."""
    with stopping_signals_interrupt():
        _replace(target, data)


def _replace(target: ReportFile, data: bytes | Iterable[bytes]) -> None:
    temporary = f".{target.path.name[:40]}.image-audit-partial-{secrets.token_hex(8)}"
    try:
        parent = os.open(target.path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise _failed(target, exc) from None
    try:
        _write_and_rename(parent, temporary, target, data)
    finally:
        os.close(parent)


def _write_and_rename(
    parent: int, temporary: str, target: ReportFile, data: bytes | Iterable[bytes]
) -> None:
    renamed = False
    try:
        mode = 0o666 if target.mode is None else target.mode
        fd = os.open(temporary, _NEW_FILE, mode, dir_fd=parent)
        with open(fd, "wb") as handle:
            if target.mode is not None:
                os.fchmod(handle.fileno(), target.mode)  # the umask must not narrow it
            for piece in [data] if isinstance(data, bytes) else data:
                handle.write(piece)
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(temporary, target.path.name, src_dir_fd=parent, dst_dir_fd=parent)
        renamed = True
    except OSError as exc:
        if exc.errno in (errno.EISDIR, errno.ENOTEMPTY, errno.EEXIST):
            raise OutputError(
                f"{shown(target.path)} became a directory while this run worked; "
                "nothing was written: name a file"
            ) from None
        raise _failed(target, exc) from None
    finally:
        if not renamed:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=parent)
    with contextlib.suppress(OSError):  # some filesystems refuse it; the file is whole anyway
        os.fsync(parent)


def _failed(target: ReportFile, exc: OSError) -> OutputError:
    return OutputError(
        f"cannot write the report to {shown(target.path)}: {why(exc)}; nothing was written"
    )


def _refuse_inside_bundle(path: Path, bundle: Path) -> None:
    """Refuse a FILE in the --bundle directory: the bundle is moved into place whole (it
    would replace the file) and must hold only the files SHA256SUMS lists."""
    places = {Path(os.path.abspath(bundle)), Path(os.path.realpath(bundle))}
    named = {path, Path(os.path.realpath(path.parent)) / path.name}
    if any(p == b or b in p.parents for p in named for b in places):
        raise OutputError(
            f"{shown(path)} is inside the bundle directory {shown(bundle)}; write the "
            "report file elsewhere (the bundle already holds every report)"
        )


def _refuse_bundle_inside(path: Path, bundle: Path) -> None:
    """Refuse a --bundle DIR under FILE: the bundle would make FILE a directory, the report
    could then not be written, and the failed run would leave a complete bundle on disk."""
    named = {path, Path(os.path.realpath(path.parent)) / path.name}
    places = {Path(os.path.abspath(bundle)), Path(os.path.realpath(bundle))}
    if any(p in b.parents for p in named for b in places):
        raise OutputError(
            f"the bundle directory {shown(bundle)} is inside the report file {shown(path)}; "
            "write the bundle or the report file elsewhere"
        )
