"""Installed RPM packages from rpm's SQLite database, ``rpmdb.sqlite``.

Since rpm 4.16 the database can be SQLite: ``/var/lib/rpm/rpmdb.sqlite`` on RHEL 9, UBI 9, Rocky
and Alma 9, Fedora 33+ and Amazon Linux 2023, ``/usr/lib/sysimage/rpm/rpmdb.sqlite`` on newer
Fedora and openSUSE. Its ``Packages`` table holds one row per package, ``(hnum INTEGER, blob
BLOB)``; the other tables are indexes. rpm's ``lib/backend/sqlite.c`` stores each header in its
on-disk form without the 8-byte header magic, so the blob starts with the index entry count (the
fixture built with rpm 4.18 in tests/inventory/data confirms this). Header layout (rpm.org,
"RPM package format", docs/manual/format.md, and LSB "Package File Format"):

- ``il``, ``dl``: big-endian 32-bit index entry count and data store size;
- ``il`` index entries of 16 bytes: tag, type, offset into the data store, count (big-endian);
- the data store: NUL-terminated strings, big-endian integers.

The database is read from memory with bounded work by ``rpmsqlite`` (a hostile file may hold
views, generated columns or damaged pages). A header blob is checked against its own size before
anything is read from it: entry and data sizes within rpm's limits, every offset and count inside
the data store, each wanted tag read once (a header repeating a tag thousands of times would
otherwise scan its data store thousands of times).

Older databases are not parsed: BerkeleyDB ``Packages`` (RHEL/CentOS 7 and 8, Amazon Linux 2) and
NDB ``Packages.db`` (SUSE 15 SP3+); ``describe_rpmdb`` names them so a report can say so.
"""

from __future__ import annotations

import struct

from analyzer.inventory.model import Notices, Package, Parsed, distro_parts, purl
from analyzer.inventory.rpmsqlite import RpmdbUnreadable, packages_rows

RPMDB_DIRS = ("/var/lib/rpm/", "/usr/lib/sysimage/rpm/")
"""Where rpm keeps its database; the SQLite file in either is ``rpmdb.sqlite``."""

NAME, VERSION, RELEASE, EPOCH, LICENSE, ARCH, SOURCERPM = 1000, 1001, 1002, 1003, 1014, 1022, 1044
_WANTED = frozenset((NAME, VERSION, RELEASE, EPOCH, LICENSE, ARCH, SOURCERPM))
_INT32, _STRING, _STRING_ARRAY, _I18NSTRING = 4, 6, 8, 9
_MAX_ENTRIES = 0xFFFF
_MAX_DATA = 256 * 1024 * 1024
"""rpm's own limits (HEADER_TAGS_MAX, HEADER_DATA_MAX in lib/header.c)."""
_HEADER_MAGIC = b"\x8e\xad\xe8\x01"
_NAMESPACES = {"rhel": "redhat"}
"""os-release IDs whose purl namespace differs (purl-spec uses "redhat" for RHEL)."""

HeaderValue = str | int
IndexEntry = tuple[int, int, int, int]
"""(tag, type, offset into the data store, count) of one header index entry."""


class BadHeader(ValueError):
    """A header blob that does not follow the format; becomes a notice."""


def parse_rpmdb_sqlite(data: bytes, distro: str = "rhel") -> Parsed:
    """The packages in an rpmdb.sqlite file, without the ``gpg-pubkey`` pseudo-packages.

    ``distro`` is the os-release ``ID``, optionally with ``-VERSION_ID`` ("rhel-9.3"); it becomes
    the purl namespace (``rhel`` is written ``redhat``) and ``distro`` qualifier.
    """
    notices = Notices()
    packages = []
    for hnum, blob in header_blobs(data, notices):
        try:
            header = parse_header(blob)
        except BadHeader as error:
            notices.add(f"rpmdb.sqlite package {hnum}: unreadable header ({error}); skipped")
            continue
        package = _package(header, distro, hnum, notices)
        if package is not None:
            packages.append(package)
    return Parsed(tuple(packages), notices.final())


def describe_rpmdb(path: str) -> str | None:
    """A notice for an rpm database in a format this module does not read, else None.

    >>> describe_rpmdb("/var/lib/rpm/Packages")
    'rpm database in BerkeleyDB format at /var/lib/rpm/Packages; packages not inventoried'
    >>> describe_rpmdb("/var/lib/rpm/rpmdb.sqlite") is None
    True
    """
    formats = {"Packages": "BerkeleyDB", "Packages.db": "NDB"}
    for directory in RPMDB_DIRS:
        name = path[len(directory) :] if path.startswith(directory) else ""
        if name in formats:
            return f"rpm database in {formats[name]} format at {path}; packages not inventoried"
    return None


def parse_header(blob: bytes) -> dict[int, HeaderValue]:
    """The NAME, VERSION, RELEASE, EPOCH, LICENSE, ARCH and SOURCERPM tags of a header blob.

    Raises ``ValueError`` when the blob is truncated or an entry points outside it. A tag that
    appears again is ignored: rpm sorts and deduplicates tags, and reading each wanted tag once
    keeps the work linear in the blob.

    >>> store = b"bash\\x00"
    >>> blob = struct.pack(">II", 1, len(store)) + struct.pack(">iIiI", NAME, 6, 0, 1) + store
    >>> parse_header(blob)
    {1000: 'bash'}
    """
    index, store = header_index(blob)
    values: dict[int, HeaderValue] = {}
    for tag, kind, offset, count in index:
        if tag in _WANTED and tag not in values:
            values[tag] = _value(store, kind, offset, count, tag)
    return values


def header_index(blob: bytes) -> tuple[list[IndexEntry], bytes]:
    """The index entries (tag, type, offset, count) and the data store of a header blob, checked
    against rpm's limits and the blob's own size (``ValueError`` when they do not fit)."""
    if blob.startswith(_HEADER_MAGIC):
        blob = blob[8:]
    if len(blob) < 8:
        raise BadHeader(f"{len(blob)} bytes, shorter than the 8-byte preamble")
    entries, size = struct.unpack_from(">II", blob)
    if entries > _MAX_ENTRIES or size > _MAX_DATA:
        raise BadHeader(f"{entries} entries and {size} data bytes exceed rpm's limits")
    start = 8 + 16 * entries
    if start + size > len(blob):
        raise BadHeader(f"needs {start + size} bytes, has {len(blob)}")
    return list(struct.iter_unpack(">iIiI", blob[8:start])), blob[start : start + size]


def _value(store: bytes, kind: int, offset: int, count: int, tag: int) -> HeaderValue:
    if not 0 <= offset < len(store):
        raise BadHeader(f"tag {tag} offset {offset} outside the {len(store)}-byte data store")
    if not 1 <= count <= len(store) - offset:
        raise BadHeader(f"tag {tag} count {count} does not fit the data store")
    if kind == _INT32:
        if offset + 4 * count > len(store):
            raise BadHeader(f"tag {tag} integer runs past the data store")
        return int(struct.unpack_from(">i", store, offset)[0])
    if kind in (_STRING, _STRING_ARRAY, _I18NSTRING):
        end = store.find(b"\x00", offset)
        if end < 0:
            raise BadHeader(f"tag {tag} string is not NUL-terminated")
        return store[offset:end].decode("utf-8", "surrogateescape")
    raise BadHeader(f"tag {tag} has unexpected type {kind}")


def header_blobs(data: bytes, notices: Notices) -> list[tuple[int, bytes]]:
    """The (hnum, blob) rows of the Packages table in hnum order."""
    try:
        rows = packages_rows(data)
    except RpmdbUnreadable as error:
        notices.add(f"rpmdb.sqlite could not be read ({error}); packages not inventoried")
        return []
    blobs = [(h, b) for h, b in rows if isinstance(h, int) and isinstance(b, bytes)]
    if len(blobs) < len(rows):
        skipped = len(rows) - len(blobs)
        notices.add(f"rpmdb.sqlite: {skipped} Packages rows are not (integer, blob); skipped")
    return sorted(blobs, key=lambda row: row[0])


def _package(
    header: dict[int, HeaderValue], distro: str, hnum: int, notices: Notices
) -> Package | None:
    name, version = str(header.get(NAME, "")), str(header.get(VERSION, ""))
    if not name or not version:
        missing = "NAME" if not name else "VERSION"
        notices.add(f"rpmdb.sqlite package {hnum}: header has no {missing}; skipped")
        return None
    if name == "gpg-pubkey":
        return None
    release = str(header.get(RELEASE, ""))
    epoch = str(header.get(EPOCH, ""))
    arch = str(header.get(ARCH, ""))
    namespace, qualifier = distro_parts(distro)
    vr = f"{version}-{release}" if release else version
    return Package(
        name=name,
        version=f"{epoch}:{vr}" if epoch else vr,
        kind="rpm",
        arch=arch,
        source=str(header.get(SOURCERPM, "")),
        license=str(header.get(LICENSE, "")),
        purl=purl(
            "rpm",
            name,
            vr,
            _NAMESPACES.get(namespace, namespace),
            {"arch": arch, "epoch": epoch, "distro": qualifier},
        ),
    )
