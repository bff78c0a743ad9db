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

The database is opened from memory (``sqlite3.deserialize``), never written to disk. rpm creates
it in WAL mode, which an in-memory SQLite refuses to open; the copy is switched to a rollback
journal in its header first. Pages still in a ``-wal`` file are not read (rpm checkpoints on close).

Older databases are not parsed: BerkeleyDB ``Packages`` (RHEL/CentOS 7 and 8, Amazon Linux 2) and
NDB ``Packages.db`` (SUSE 15 SP3+); ``describe_rpmdb`` names them so a report can say so.
"""

from __future__ import annotations

import sqlite3
import struct

from analyzer.inventory.model import Notices, Package, Parsed, distro_parts, purl

RPMDB_DIRS = ("/var/lib/rpm/", "/usr/lib/sysimage/rpm/")
"""Where rpm keeps its database; the SQLite file in either is ``rpmdb.sqlite``."""

NAME, VERSION, RELEASE, EPOCH, LICENSE, ARCH, SOURCERPM = 1000, 1001, 1002, 1003, 1014, 1022, 1044
_WANTED = frozenset((NAME, VERSION, RELEASE, EPOCH, LICENSE, ARCH, SOURCERPM))
_INT32, _STRING, _STRING_ARRAY, _I18NSTRING = 4, 6, 8, 9
_MAX_ENTRIES = 0xFFFF
_MAX_DATA = 256 * 1024 * 1024
"""rpm's own limits (HEADER_TAGS_MAX, HEADER_DATA_MAX in lib/header.c)."""
_HEADER_MAGIC = b"\x8e\xad\xe8\x01"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_NAMESPACES = {"rhel": "redhat"}
"""os-release IDs whose purl namespace differs (purl-spec uses "redhat" for RHEL)."""

HeaderValue = str | int


class _BadHeader(ValueError):
    """A header blob that does not follow the format; becomes a notice."""


def parse_rpmdb_sqlite(data: bytes, distro: str = "rhel") -> Parsed:
    """The packages in an rpmdb.sqlite file, without the ``gpg-pubkey`` pseudo-packages.

    ``distro`` is the os-release ``ID``, optionally with ``-VERSION_ID`` ("rhel-9.3"); it becomes
    the purl namespace (``rhel`` is written ``redhat``) and ``distro`` qualifier.
    """
    notices = Notices()
    packages = []
    for hnum, blob in _header_blobs(data, notices):
        try:
            header = parse_header(blob)
        except _BadHeader as error:
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

    Raises ``ValueError`` when the blob is truncated or an entry points outside it.

    >>> store = b"bash\\x00"
    >>> blob = struct.pack(">II", 1, len(store)) + struct.pack(">iIiI", NAME, 6, 0, 1) + store
    >>> parse_header(blob)
    {1000: 'bash'}
    """
    if blob.startswith(_HEADER_MAGIC):
        blob = blob[8:]
    if len(blob) < 8:
        raise _BadHeader(f"{len(blob)} bytes, shorter than the 8-byte preamble")
    entries, size = struct.unpack_from(">II", blob)
    if entries > _MAX_ENTRIES or size > _MAX_DATA:
        raise _BadHeader(f"{entries} entries and {size} data bytes exceed rpm's limits")
    start = 8 + 16 * entries
    if start + size > len(blob):
        raise _BadHeader(f"needs {start + size} bytes, has {len(blob)}")
    store = blob[start : start + size]
    values: dict[int, HeaderValue] = {}
    for index in range(entries):
        tag, kind, offset, _count = struct.unpack_from(">iIiI", blob, 8 + 16 * index)
        if tag in _WANTED:
            values[tag] = _value(store, kind, offset, tag)
    return values


def _value(store: bytes, kind: int, offset: int, tag: int) -> HeaderValue:
    if not 0 <= offset < len(store):
        raise _BadHeader(f"tag {tag} offset {offset} outside the {len(store)}-byte data store")
    if kind == _INT32:
        if offset + 4 > len(store):
            raise _BadHeader(f"tag {tag} integer runs past the data store")
        return int(struct.unpack_from(">i", store, offset)[0])
    if kind in (_STRING, _STRING_ARRAY, _I18NSTRING):
        end = store.find(b"\x00", offset)
        if end < 0:
            raise _BadHeader(f"tag {tag} string is not NUL-terminated")
        return store[offset:end].decode("utf-8", "replace")
    raise _BadHeader(f"tag {tag} has unexpected type {kind}")


def _header_blobs(data: bytes, notices: Notices) -> list[tuple[int, bytes]]:
    if not data.startswith(_SQLITE_MAGIC):
        notices.add("rpmdb.sqlite is not an SQLite database; packages not inventoried")
        return []
    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(_rollback_journal(data))
        rows = connection.execute("SELECT hnum, blob FROM Packages ORDER BY hnum").fetchall()
    except sqlite3.Error as error:
        notices.add(f"rpmdb.sqlite could not be read ({error}); packages not inventoried")
        return []
    finally:
        connection.close()
    blobs = [(hnum, blob) for hnum, blob in rows if isinstance(blob, bytes)]
    if len(blobs) < len(rows):
        notices.add(f"rpmdb.sqlite: {len(rows) - len(blobs)} Packages rows are not blobs")
    return blobs


def _rollback_journal(data: bytes) -> bytes:
    """The database with its header's WAL read/write version bytes (18, 19) set to legacy (1)."""
    if data[18:20] != b"\x02\x02":
        return data
    return data[:18] + b"\x01\x01" + data[20:]


def _package(
    header: dict[int, HeaderValue], distro: str, hnum: int, notices: Notices
) -> Package | None:
    name = str(header.get(NAME, ""))
    if not name:
        notices.add(f"rpmdb.sqlite package {hnum}: header has no NAME; skipped")
        return None
    if name == "gpg-pubkey":
        return None
    version, release = str(header.get(VERSION, "")), str(header.get(RELEASE, ""))
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
