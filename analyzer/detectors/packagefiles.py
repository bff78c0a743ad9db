"""Package provenance of every version of every file of an image, from its package databases.

Every version of every database file that any layer stores (collected during the single pass,
see analyzer.detectors.packages.DATABASE_WANTS) is read into one FileIndex
(analyzer.inventory.ownership): dpkg md5sums and conffiles, distroless status.d, apk's installed
database, rpm's sqlite database, Python RECORD files. A file version is then judged by its
sha256 (which the reader computes for every file) and, for the MD5 (dpkg) and SHA-1 (apk)
records, by the extra digests computed where they can matter (the content store's
`digests`: files under /etc, setuid and setgid files, every file the secrets examiner found
something in, and the subtree `ls --history` asks about).

Recorded paths are also indexed where they really live: dpkg records `/bin/ls`, a merged-/usr
image stores `/usr/bin/ls` with `/bin` a symlink to `usr/bin`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from analyzer.detectors.content import ContentStore
from analyzer.filesystem.layered import LayeredFS
from analyzer.filesystem.model import Entry, EntryKind, Version
from analyzer.filesystem.paths import parent
from analyzer.inventory.apkfiles import parse_apk_files
from analyzer.inventory.dpkgfiles import md5sums_package, parse_conffiles, parse_md5sums
from analyzer.inventory.ownership import Digests, FileIndex, Origin, Recorded
from analyzer.inventory.pyrecord import parse_record
from analyzer.inventory.rpmfiles import parse_rpmdb_files
from analyzer.reader import ImageView

DPKG_STATUS = "/var/lib/dpkg/status"
DPKG_INFO = "/var/lib/dpkg/info/"
STATUS_D = "/var/lib/dpkg/status.d/"
APK_INSTALLED = "/lib/apk/db/installed"
RPMDB_SQLITE = ("/var/lib/rpm/rpmdb.sqlite", "/usr/lib/sysimage/rpm/rpmdb.sqlite")
RPMDB_UNREAD = (
    "/var/lib/rpm/Packages",
    "/var/lib/rpm/Packages.db",
    "/usr/lib/sysimage/rpm/Packages",
    "/usr/lib/sysimage/rpm/Packages.db",
)
"""BerkeleyDB and NDB rpm databases: not read, so no file of such an image is called unowned."""
DATABASE_NAMES = r"[^/]*\.md5sums|RECORD"
"""Base names of the per-package database files (filtered by directory when read)."""

Parser = Callable[[bytes], Recorded]


def database_parser(path: str) -> Parser | None:
    """How to read the database file at `path`; None when it is none.

    >>> database_parser("/var/lib/dpkg/info/bash.md5sums") is not None
    True
    >>> database_parser("/srv/www/site.md5sums") is None
    True
    """
    name = path[path.rfind("/") + 1 :]
    if name.endswith(".md5sums") and path.startswith((DPKG_INFO, STATUS_D)):
        return lambda data: parse_md5sums(data, md5sums_package(path))
    if path == DPKG_STATUS or path.startswith(STATUS_D):
        return parse_conffiles
    if path == APK_INSTALLED:
        return parse_apk_files
    if path in RPMDB_SQLITE:
        return parse_rpmdb_files
    if name == "RECORD" and parent(path).endswith(".dist-info"):
        return lambda data: parse_record(data, path)
    return None


@dataclass(frozen=True, slots=True)
class _Stored:
    layer: int
    path: str
    data: bytes
    truncated: bool
    parse: Parser


def _stored_databases(view: ImageView, store: ContentStore) -> list[_Stored]:
    """Every stored version of a database file in this image's layers, lowest layer first."""
    layers: dict[str, int] = {}
    for index, listing in enumerate(view.listings):
        layers.setdefault(listing.key, index)
    truncated = set(store.truncated)
    found = []
    for (key, path), data in store.items():
        parse = database_parser(path) if key in layers else None
        if parse is not None:
            found.append(_Stored(layers[key], path, data, (key, path) in truncated, parse))
    found.sort(key=lambda stored: (stored.layer, stored.path))
    return found


def build_index(view: ImageView, store: ContentStore) -> FileIndex:
    """The FileIndex of every package database version the image's layers hold."""
    index = FileIndex()
    for item in _stored_databases(view, store):
        recorded = item.parse(item.data)
        index.add(recorded.files, item.path)
        for notice in recorded.notices:
            index.notices.add(f"{item.path} (layer {item.layer}): {notice}")
        if item.truncated:
            index.incomplete(f"{item.path} (layer {item.layer}) is larger than was read")
    for path in RPMDB_UNREAD:
        if view.fs.history(path):
            index.incomplete(f"{path}: the files of its packages are not known")
    _alias_through_symlinks(index, view.fs)
    return index


def _alias_through_symlinks(index: FileIndex, fs: LayeredFS) -> None:
    """Index each recorded path also where the image stores it: its directory resolved
    through the image's symlinks (each directory resolved once)."""
    resolved: dict[str, str | None] = {}
    for path in index.paths():
        directory = parent(path)
        real = resolved.get(directory, "")
        if real == "":
            real = resolved[directory] = fs.resolve(directory)
        if real is not None and real != directory:
            index.add_alias(path, f"{real.rstrip('/')}/{path[len(directory) + 1 :]}")


class FileOrigins:
    """The provenance of any file version of one image."""

    def __init__(self, index: FileIndex, digests: Mapping[bytes, Digests]) -> None:
        self.index = index
        self._digests = digests
        """Extra digests by raw sha256; read at each question, so digests added after the
        index was built (the secrets examiner's) count too."""

    @classmethod
    def of(cls, view: ImageView, store: ContentStore) -> FileOrigins:
        """Read the databases `store` collected for `view`'s layers."""
        return cls(build_index(view, store), store.digests)

    def of_entry(self, entry: Entry) -> Origin | None:
        """The verdict on one stored file (None: not a regular file, or not known)."""
        if entry.kind not in (EntryKind.FILE, EntryKind.HARDLINK) or not entry.digest:
            return None
        return self.index.origin(entry.path, entry.digest, self._digests.get(entry.digest))

    def of_version(self, version: Version) -> Origin | None:
        """The verdict on one version of a path (None for deletions and non-files)."""
        return self.of_entry(version.entry) if version.entry is not None else None

    def summary(self) -> dict[str, object]:
        """How many paths the databases record (aliases included) and whether they were read
        in full (inventory.csv says, per file version, what each is)."""
        return {"recorded_paths": len(self.index), "complete": self.index.complete}
