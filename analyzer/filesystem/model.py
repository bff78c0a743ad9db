"""The filesystem data model: entries as layers store them, and their history across layers."""

from __future__ import annotations

import enum
import stat
from dataclasses import dataclass


class EntryKind(enum.Enum):
    """What a path is."""

    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"
    HARDLINK = "hardlink"
    CHARDEV = "chardev"
    BLOCKDEV = "blockdev"
    FIFO = "fifo"
    OTHER = "other"


class Change(enum.Enum):
    """What a layer did to a path."""

    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class Entry:
    """One path as a layer stores it (whiteout markers are not entries)."""

    path: str
    """Normalized absolute POSIX path inside the image ("/etc/passwd")."""
    kind: EntryKind
    mode: int
    """Permission bits including setuid (0o4000), setgid (0o2000) and sticky (0o1000)."""
    uid: int
    gid: int
    size: int
    mtime: float
    uname: str = ""
    gname: str = ""
    link: str = ""
    """Symlink target as stored, or the normalized absolute path a hardlink points to."""
    digest: bytes = b""
    """Raw sha256 of the content (regular files, and hardlinks once resolved); kept as 32
    bytes rather than 64 hex characters because one is held per path of every layer."""
    xattrs: tuple[tuple[str, bytes], ...] = ()
    """Extended attributes from PAX headers, e.g. ("security.capability", b"...")."""
    implicit: bool = False
    """A parent directory the layer did not list but needs."""
    device: tuple[int, int] = (0, 0)
    """(major, minor) for device nodes."""

    @property
    def sha256(self) -> str:
        """Hex sha256 of the content, "" when not a file."""
        return self.digest.hex()

    @property
    def is_setuid(self) -> bool:
        """True when the setuid bit is set."""
        return bool(self.mode & stat.S_ISUID)

    @property
    def is_setgid(self) -> bool:
        """True when the setgid bit is set."""
        return bool(self.mode & stat.S_ISGID)

    @property
    def is_sticky(self) -> bool:
        """True when the sticky bit is set."""
        return bool(self.mode & stat.S_ISVTX)

    @property
    def capability(self) -> bytes | None:
        """The raw `security.capability` xattr (file capabilities), if any."""
        return dict(self.xattrs).get("security.capability")

    @property
    def mode_string(self) -> str:
        """`ls -l` style mode, e.g. "-rwsr-xr-x"."""
        type_bits = {
            EntryKind.DIR: stat.S_IFDIR,
            EntryKind.SYMLINK: stat.S_IFLNK,
            EntryKind.CHARDEV: stat.S_IFCHR,
            EntryKind.BLOCKDEV: stat.S_IFBLK,
            EntryKind.FIFO: stat.S_IFIFO,
        }.get(self.kind, stat.S_IFREG)
        return stat.filemode(type_bits | self.mode)


@dataclass(frozen=True, slots=True)
class Version:
    """What one layer did to one path."""

    layer: int
    change: Change
    entry: Entry | None
    """The path's metadata after this layer; None when the layer deleted it."""
    cause: str = ""
    """For deletions: "whiteout", "opaque" (an opaque directory hid it) or "replaced"."""


@dataclass(frozen=True, slots=True)
class Removed:
    """A version no longer visible in the final filesystem, still inside its layer's bytes."""

    version: Version
    by_layer: int
    """The layer that deleted or replaced it."""
    how: str
    """"deleted" or "shadowed"."""


@dataclass(frozen=True, slots=True)
class LayerListing:
    """Everything one pass over a layer learned."""

    digest: str
    """Digest of the stored blob, in the manifest's algorithm (verified against the manifest)."""
    diff_id: str
    """Digest of the uncompressed tar, in the config's algorithm (verified against the config's
    rootfs.diff_ids)."""
    compression: str
    compressed_size: int
    uncompressed_size: int
    entries: tuple[Entry, ...]
    """Entries in tar order, whiteout markers excluded."""
    whiteouts: tuple[str, ...]
    """Paths this layer deletes from lower layers."""
    opaque_dirs: tuple[str, ...]
    """Directories whose lower-layer contents this layer hides."""
    notices: tuple[str, ...]
    member_count: int
    """Tar members read, whiteout markers included."""
    key: str = ""
    """The name content sinks knew this layer by (the blob's member name in the archive)."""
