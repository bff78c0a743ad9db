"""Package inventory and OS identification: pure parsers over file content read from an image.

Each parser takes the bytes of one file (the caller reads them from a layer) and returns frozen
dataclasses; none of them touches the file system or raises on malformed input. What could not
be read is returned as notices, human-readable strings for the report.

- ``dpkg``: ``/var/lib/dpkg/status`` and distroless ``/var/lib/dpkg/status.d/*``
- ``apk``: ``/lib/apk/db/installed``
- ``rpm``: ``rpmdb.sqlite`` (and notices for BerkeleyDB / NDB databases it does not read)
  through ``rpmsqlite``, which reads a hostile SQLite file with bounded work
- ``python``: ``*.dist-info/METADATA``, ``*.egg-info/PKG-INFO``
- ``node``: ``node_modules/**/package.json``
- ``osrelease``: ``/etc/os-release``, ``/etc/alpine-release``, ``/etc/debian_version``
- ``eol``: the offline end-of-life table (``analyzer/data/eol.json``)

Which package each file belongs to (``ownership``: the index and the verdict per file version),
from the digests package managers record: ``dpkgfiles`` (md5sums, conffiles), ``apkfiles``
(``Z:`` checksums), ``rpmfiles`` (header file lists), ``pyrecord`` (``RECORD``).
"""

from analyzer.inventory.apk import parse_apk_installed
from analyzer.inventory.dpkg import parse_dpkg_status
from analyzer.inventory.eol import EolStatus, lookup_eol
from analyzer.inventory.model import OsRelease, Package, Parsed
from analyzer.inventory.node import parse_package_json
from analyzer.inventory.osrelease import (
    parse_alpine_release,
    parse_debian_version,
    parse_os_release,
)
from analyzer.inventory.python import parse_python_metadata
from analyzer.inventory.rpm import describe_rpmdb, parse_rpmdb_sqlite

__all__ = [
    "EolStatus",
    "OsRelease",
    "Package",
    "Parsed",
    "describe_rpmdb",
    "lookup_eol",
    "parse_alpine_release",
    "parse_apk_installed",
    "parse_debian_version",
    "parse_dpkg_status",
    "parse_os_release",
    "parse_package_json",
    "parse_python_metadata",
    "parse_rpmdb_sqlite",
]
