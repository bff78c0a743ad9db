"""`image-audit extract`: the exact bytes of one version of a path, with a custody record.

The archive is read once, verified as any read is. While it streams, every regular file at the
asked path (or below it, for a directory) in every layer is copied into a private staging
directory beside DEST, its sha256 taken on the way; which version was asked for is only known
once the layers are merged (the final one, or the one stored in `--layer N`). Then:

- a file: its staged copy is hashed again, compared with the sha256 the read took, and renamed
  onto DEST. Permission bits are applied without setuid, setgid and sticky; ownership, device
  numbers and extended attributes are never applied: the custody record holds them.
- a directory: DEST is a tar of that subtree as stored (the final tree, or the entries layer N
  stored under it), members named relative to the directory's parent; each file's bytes are
  checked the same way. A tar records modes, owners and links without applying them.

Nothing is written through a symlink (files are created with O_EXCL|O_NOFOLLOW inside a
directory opened once), an existing DEST or DEST.custody.json is refused without `--force`, a
DEST inside the input is refused, and the staging directory is removed whatever happens. DEST
and its custody record are both staged (and flushed to disk) before either is renamed into
place, with the stopping signals held between the two renames: a disk that fills, a file too
large or a Ctrl-C leaves both as they were (an OutputError, or the interrupt), never a DEST
beside the custody record of an earlier one. What
is printed and the custody record pass the image's redactor (the recovered bytes do not: they
are what was asked for).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import posixpath
import secrets
import stat
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer import __version__
from analyzer.bundle.custody import input_facts
from analyzer.bundle.interrupts import signals_held
from analyzer.bundle.outdir import refuse_overlap, shown, why
from analyzer.bundle.outfile import check_parent
from analyzer.clock import utc_now
from analyzer.errors import OutputError, UsageError
from analyzer.filesystem.content import ContentConsumer, PendingFile
from analyzer.filesystem.model import Change, Entry, EntryKind, LayerListing, Version
from analyzer.filesystem.paths import is_within
from analyzer.image.label import image_label
from analyzer.reader import ImageView
from analyzer.text import printable

_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_SPECIAL_BITS = stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX
_LOCK_WAIT = 30
"""Seconds an extract waits for DEST's directory lock (another extract holds it for two renames)."""
_USTAR_DEVICE_LIMIT = 8**7
"""A device number field holds 7 octal digits."""
_TAR_TYPES = {
    EntryKind.FILE: tarfile.REGTYPE,
    EntryKind.DIR: tarfile.DIRTYPE,
    EntryKind.SYMLINK: tarfile.SYMTYPE,
    EntryKind.HARDLINK: tarfile.LNKTYPE,
    EntryKind.CHARDEV: tarfile.CHRTYPE,
    EntryKind.BLOCKDEV: tarfile.BLKTYPE,
    EntryKind.FIFO: tarfile.FIFOTYPE,
}


@dataclass(frozen=True, slots=True)
class Destination:
    """DEST and its custody record, checked before the read."""

    path: Path
    custody: Path
    force: bool


def check_destination(dest: Path, force: bool, source: Path) -> Destination:
    """Refuse a DEST that cannot be written safely; nothing is created yet."""
    target = Path(os.path.abspath(dest))
    if not target.name:
        raise OutputError(f"{shown(target)} is a directory; name a new file")
    custody = target.with_name(target.name + ".custody.json")
    try:  # a name too long for the filesystem (the custody record's is 13 longer), a loop
        _check_place(target, custody, force)
        refuse_overlap(target, source, "the extracted file")
    except OSError as exc:
        raise OutputError(f"cannot write {shown(target)}: {why(exc)}") from None
    return Destination(target, custody, force)


def _check_place(target: Path, custody: Path, force: bool) -> None:
    check_parent(target)
    for path in (target, custody):
        try:
            found = os.lstat(path)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(found.st_mode) or not stat.S_ISREG(found.st_mode):
            raise OutputError(f"{shown(path)} exists and is not a regular file; name a new file")
        if not force:
            raise OutputError(f"{shown(path)} exists; use --force to replace it")


class Staging:
    """A private directory beside DEST holding the copies taken during the read."""

    def __init__(self, destination: Destination) -> None:
        self.destination = destination
        self.name = f".{destination.path.name[:40]}.image-audit-extract-{secrets.token_hex(8)}"
        self._parent = os.open(destination.path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.mkdir(self.name, 0o700, dir_fd=self._parent)
            self.fd = os.open(
                self.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=self._parent
            )
        except OSError as exc:
            os.close(self._parent)
            raise OutputError(
                f"cannot write beside {shown(destination.path)}: {why(exc)}"
            ) from None
        self._count = 0

    def new_file(self) -> tuple[str, int]:
        self._count += 1
        name = f"f{self._count}"
        with writing(self.destination):
            return name, os.open(name, _NEW, 0o600, dir_fd=self.fd)

    def install(self, staged: str, custody: str) -> None:
        """Rename the staged DEST and its custody record into place, one after the other with
        the stopping signals held (a rename is whole or not at all; the two are not one), and
        with DEST's directory locked: two extracts to one DEST at once cannot leave one's file
        beside the other's record, and without --force a DEST or record that appeared while
        this run read the archive is refused here, not replaced."""
        with writing(self.destination):
            for name in (staged, custody):
                flushed = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=self.fd)
                try:
                    os.fsync(flushed)  # on disk before a rename replaces an earlier DEST
                finally:
                    os.close(flushed)
            self._lock()
            try:
                self._refuse_newcomers()
                with signals_held():
                    self._rename(staged, self.destination.path)
                    self._rename(custody, self.destination.custody)
            finally:
                fcntl.flock(self._parent, fcntl.LOCK_UN)
            with contextlib.suppress(OSError):  # some filesystems refuse it
                os.fsync(self._parent)

    def _lock(self) -> None:
        """Lock DEST's directory; another extract holds it for two renames, so a lock held
        for seconds is someone else's (never wait forever on it)."""
        deadline = time.monotonic() + _LOCK_WAIT
        while True:
            try:
                fcntl.flock(self._parent, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OutputError(
                        f"{shown(self.destination.path.parent)} stayed locked by another process "
                        f"for {_LOCK_WAIT} s; nothing was written"
                    ) from None
                time.sleep(0.05)

    def _refuse_newcomers(self) -> None:
        if self.destination.force:
            return
        for target in (self.destination.path, self.destination.custody):
            if os.path.lexists(target):
                raise OutputError(
                    f"{shown(target)} appeared while this run read the archive (another run?); "
                    "nothing was written: use --force to replace it"
                )

    def _rename(self, name: str, target: Path) -> None:
        os.rename(name, target.name, src_dir_fd=self.fd, dst_dir_fd=self._parent)

    def close(self) -> None:
        """Remove what is left (a flat directory of regular files) and the directory."""
        for name in os.listdir(self.fd):
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=self.fd)
        os.close(self.fd)
        with contextlib.suppress(OSError):
            os.rmdir(self.name, dir_fd=self._parent)
        os.close(self._parent)


@contextlib.contextmanager
def writing(destination: Destination) -> Iterator[None]:
    """An OSError while writing beside DEST (the disk full, a file too large for the
    filesystem) is an OutputError: one line, exit 2; the staging directory is removed by its
    owner, so nothing was written."""
    try:
        yield
    except OSError as exc:
        raise OutputError(
            f"cannot write {shown(destination.path)}: {why(exc)}; nothing was written"
        ) from None


@dataclass(slots=True)
class _Copy:
    handle: io.BufferedWriter
    name: str
    key: tuple[str, str]
    taken: dict[tuple[str, str, str], str]

    destination: Destination

    def feed(self, chunk: memoryview) -> None:
        with writing(self.destination):
            self.handle.write(chunk)

    def close(self, sha256: str) -> None:
        with writing(self.destination):
            self.handle.close()
        # a path a layer stores twice is two members of its tar: both copies are kept
        self.taken[(*self.key, sha256)] = self.name


@dataclass(slots=True)
class CopySink:
    """Copies every regular file at or below `path`, from every layer, into the staging."""

    staging: Staging
    path: str
    taken: dict[tuple[str, str, str], str] = field(default_factory=dict)
    """(layer key, path, sha256 the read took) -> staged name."""

    def open(self, layer_digest: str, entry: PendingFile) -> ContentConsumer | None:
        if not is_within(entry.path, self.path):
            return None
        name, fd = self.staging.new_file()
        key = (layer_digest, entry.path)
        return _Copy(open(fd, "wb"), name, key, self.taken, self.staging.destination)


@dataclass(frozen=True, slots=True)
class Chosen:
    """The version extracted, and where it lives."""

    version: Version
    entry: Entry
    layer_asked: bool
    """--layer N: a directory is what that layer stored under it, not the final tree."""


def choose(view: ImageView, path: str, layer: int | None) -> Chosen:
    """The final version of `path`, or the one layer `layer` stored; a clear error listing the
    layers that hold versions of it otherwise."""
    history = view.fs.history(path)
    if layer is not None and not 0 <= layer < len(view.listings):
        raise UsageError(f"--layer {layer}: the image has layers 0 to {len(view.listings) - 1}")
    if path == "/":  # the root is no entry of any layer: the whole tree, as a tar
        top = len(view.listings) - 1 if layer is None else layer
        root = Entry("/", EntryKind.DIR, 0o755, 0, 0, 0, 0.0)
        return Chosen(Version(top, Change.ADDED, root), root, layer is not None)
    if layer is not None:
        stored = [v for v in history if v.layer == layer and v.entry is not None]
        version = stored[-1] if stored else None
    else:
        version = view.fs.final_version(path)
    if version is None or version.entry is None:
        where = "in layer" if layer is not None else "in the final filesystem"
        raise UsageError(f"{printable(path)} is not {where}{_at(layer)}; {_versions(history)}")
    return Chosen(version, version.entry, layer is not None)


def _at(layer: int | None) -> str:
    return f" {layer}" if layer is not None else ""


def _versions(history: tuple[Version, ...]) -> str:
    if not history:
        return "no layer of the image holds it"
    steps = ", ".join(f"layer {v.layer} ({v.change.value})" for v in history)
    return f"its versions: {steps} (choose one with --layer N)"


@dataclass(frozen=True, slots=True)
class Staged:
    """DEST's content, ready in the staging directory."""

    name: str
    written: tuple[int, str]
    """(bytes, their sha256)."""


def extract(view: ImageView, chosen: Chosen, sink: CopySink) -> Staged:
    """Stage what DEST will hold: the chosen file, or a tar of the chosen directory."""
    entry = chosen.entry
    if entry.kind is EntryKind.FILE:
        return _stage_file(view, chosen, sink)
    if entry.kind is EntryKind.DIR:
        with writing(sink.staging.destination):
            return _stage_tar(view, chosen, sink)
    if entry.kind is EntryKind.HARDLINK:
        raise UsageError(
            f"{printable(entry.path)} in layer {chosen.version.layer} is a hard link to "
            f"{printable(entry.link)}; extract that path (with --layer {chosen.version.layer})"
        )
    what = "a symbolic link to " + printable(entry.link) if entry.link else entry.kind.value
    raise UsageError(f"{printable(entry.path)} is {what}: it holds no bytes to extract")


def _staged(view: ImageView, layer: int, entry: Entry, sink: CopySink) -> str:
    """The staged copy of `entry` as layer `layer` stored it, checked against the read's
    sha256 (the bytes on disk are hashed again)."""
    name = sink.taken.get((view.listings[layer].key, entry.path, entry.sha256), "")
    if not name:
        raise OutputError(f"{printable(entry.path)}: its bytes were not captured during the read")
    if _digest_of(sink.staging, name)[1] != entry.sha256:
        raise OutputError(
            f"{printable(entry.path)}: the copy on disk does not match the sha256 taken while "
            "reading; nothing was written"
        )
    return name


def _stage_file(view: ImageView, chosen: Chosen, sink: CopySink) -> Staged:
    entry = chosen.entry
    name = _staged(view, chosen.version.layer, entry, sink)
    os.chmod(name, stat.S_IMODE(entry.mode) & ~_SPECIAL_BITS & 0o777, dir_fd=sink.staging.fd)
    return Staged(name, (entry.size, entry.sha256))


def _tar_members(view: ImageView, chosen: Chosen) -> list[tuple[int, Entry]]:
    """The entries the tar holds, hard links last: a tar reader resolves a hard link against
    the members before it, and its target may come later (sorted paths, a lower layer)."""
    root = chosen.entry.path
    if chosen.layer_asked:
        layer = chosen.version.layer
        listing = view.listings[layer]
        members = [(layer, e) for e in listing.entries if is_within(e.path, root)]
    else:
        members = [(v.layer, v.entry) for v in view.fs.entries(root) if v.entry is not None]
    links = [member for member in members if member[1].kind is EntryKind.HARDLINK]
    return [member for member in members if member[1].kind is not EntryKind.HARDLINK] + links


def _stage_tar(view: ImageView, chosen: Chosen, sink: CopySink) -> Staged:
    root = chosen.entry.path
    base = root.rsplit("/", 1)[0]
    staging = sink.staging
    name, fd = staging.new_file()
    with (
        open(fd, "wb") as raw,
        tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for layer, entry in _tar_members(view, chosen):
            if entry.path == "/":
                continue
            info = _tar_info(entry, base)
            if entry.kind is not EntryKind.FILE:
                tar.addfile(info)
                continue
            staged = _staged(view, layer, entry, sink)
            with open(os.open(staged, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=staging.fd), "rb") as f:
                tar.addfile(info, f)
    return Staged(name, _digest_of(staging, name))


def _digest_of(staging: Staging, name: str) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with open(os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=staging.fd), "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _tar_info(entry: Entry, base: str) -> tarfile.TarInfo:
    """The member for `entry`, named relative to `base` (the extracted directory's parent).

    A hard link names its target the same way (posixpath.relpath): every member's name starts
    with the directory's own name, so a target outside the directory (`../etc/passwd`,
    `bin/sh`) names no member, never another one. A device number too large for the header
    goes in the PAX records star and libarchive read (SCHILY.devmajor, SCHILY.devminor)."""
    info = tarfile.TarInfo(entry.path[len(base) :].lstrip("/") or ".")
    info.type = _TAR_TYPES.get(entry.kind, tarfile.REGTYPE)
    info.mode = entry.mode & 0o7777
    info.uid, info.gid = entry.uid, entry.gid
    info.uname, info.gname = entry.uname, entry.gname
    info.mtime = int(entry.mtime)
    info.size = entry.size if entry.kind is EntryKind.FILE else 0
    if entry.kind is EntryKind.HARDLINK:
        info.linkname = posixpath.relpath(entry.link, base or "/")
    elif entry.kind is EntryKind.SYMLINK:
        info.linkname = entry.link
    records: dict[str, str] = {}
    for field_name, number in zip(("devmajor", "devminor"), entry.device, strict=True):
        if 0 <= number < _USTAR_DEVICE_LIMIT:
            setattr(info, field_name, number)
        else:
            records[f"SCHILY.{field_name}"] = str(number)
    info.pax_headers = records
    return info


def custody_document(
    archive: Path,
    view: ImageView,
    chosen: Chosen,
    written: tuple[int, str],
    scrub: Callable[[str], str],
) -> dict[str, Any]:
    """What DEST.custody.json records: where the bytes came from, what they are, who wrote them."""
    entry, layer = chosen.entry, chosen.version.layer
    listing = view.listings[layer]
    image = view.image
    return {
        "tool": {"name": "image-audit", "version": __version__},
        "written_utc": utc_now().isoformat(),
        "archive": {**input_facts(archive), "name": scrub(archive.name)},
        "image": {
            "label": scrub(image_label(image.refs, image.config_digest)),
            "refs": [scrub(ref) for ref in image.refs],
            "config_digest": image.config_digest,
        },
        "layer": {
            "index": layer,
            "digest": listing.digest,
            "diff_id": listing.diff_id,
            "created_by": scrub(image.layers[layer].created_by),
        },
        "path": {
            "path": scrub(entry.path),
            "type": entry.kind.value,
            "mode": f"{entry.mode:04o}",
            "uid": entry.uid,
            "gid": entry.gid,
            "uname": scrub(entry.uname),
            "gname": scrub(entry.gname),
            "mtime": entry.mtime,
            "size": entry.size,
            "sha256": entry.sha256,
            "xattrs": sorted(scrub(name) for name, _ in entry.xattrs),
            "present_in_final": view.fs.final_version(entry.path) is chosen.version,
        },
        "written": {
            "form": "tar" if entry.kind is EntryKind.DIR else "file",
            "size": written[0],
            "sha256": written[1],
            "not_applied": _not_applied(entry),
            **_deletions(listing, chosen, scrub),
        },
    }


def _deletions(
    listing: LayerListing, chosen: Chosen, scrub: Callable[[str], str]
) -> dict[str, Any]:
    """For one layer's directory (`--layer N`): what the layer deleted under it, which its tar
    cannot hold (whiteouts, and directories it made opaque)."""
    root = chosen.entry.path
    if chosen.entry.kind is not EntryKind.DIR or not chosen.layer_asked:
        return {}
    return {
        "layer_deletes": {
            "whiteouts": sorted(scrub(p) for p in listing.whiteouts if is_within(p, root)),
            "opaque_dirs": sorted(scrub(p) for p in listing.opaque_dirs if is_within(p, root)),
        }
    }


def _not_applied(entry: Entry) -> list[str]:
    """What the host file does not carry of the stored entry (the custody record does)."""
    if entry.kind is EntryKind.DIR:
        return []  # the tar records every member's metadata
    left = ["ownership"]
    bits = {stat.S_ISUID: "setuid", stat.S_ISGID: "setgid", stat.S_ISVTX: "sticky"}
    left += [name for bit, name in bits.items() if entry.mode & bit]
    if entry.xattrs:
        left.append("xattrs")
    return left


def stage_custody(staging: Staging, document: dict[str, Any]) -> str:
    """DEST.custody.json, staged like DEST (Staging.install renames both into place)."""
    name, fd = staging.new_file()
    with writing(staging.destination), open(fd, "wb") as handle:
        handle.write(json.dumps(document, indent=2, sort_keys=True).encode() + b"\n")
        os.fchmod(handle.fileno(), 0o644)
    return name
