"""The files apk installed and their digests, from ``/lib/apk/db/installed``.

In each package record (Alpine wiki, "Apk spec", "Installed Database V2") ``F:`` names a
directory (relative to the root), each ``R:`` after it a file in that directory, and the ``Z:``
after an ``R:`` the file's checksum: ``Q1`` and base64 of its SHA-1 (``Q2``: SHA-256, from newer
apk-tools). A symlink's checksum is of its target, not of content; only regular files are judged
against it, so that is harmless.
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from dataclasses import dataclass, field

from analyzer.filesystem.paths import normalize
from analyzer.inventory.model import Notices, numbered_lines
from analyzer.inventory.ownership import Owner, Recorded, RecordedFile

_ALGORITHMS = {"Q1": ("sha1", 20), "Q2": ("sha256", 32)}


@dataclass
class _Package:
    """The record being read: its name and the (path, algorithm, digest) of its files."""

    name: str = ""
    directory: str = "/"
    pending: str = ""
    """The last R: file, waiting for its Z: line."""
    files: list[tuple[str, str, bytes]] = field(default_factory=list)

    def owned(self) -> list[RecordedFile]:
        owner = Owner(self.name or "(unnamed)", "apk")
        return [RecordedFile(path, alg, digest, owner) for path, alg, digest in self.files]


def parse_apk_files(data: bytes) -> Recorded:
    """Every file with a checksum in an apk installed database.

    >>> db = b"P:musl\\nF:lib\\nR:libc.musl-x86_64.so.1\\nZ:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\\n"
    >>> [(f.path, f.algorithm, f.owner.package) for f in parse_apk_files(db).files]
    [('/lib/libc.musl-x86_64.so.1', 'sha1', 'musl')]
    """
    notices = Notices()
    files: list[RecordedFile] = []
    package = _Package()
    for line_no, line in numbered_lines(data.decode("utf-8", "surrogateescape")):
        if not line.strip():
            files += package.owned()
            package = _Package()
            continue
        key, value = line[:2], line[2:]
        if key == "P:":
            package.name = value
        elif key == "F:":
            package.directory, package.pending = normalize(value)[0], ""
        elif key == "R:":
            package.pending = f"{package.directory.rstrip('/')}/{value}"
        elif key == "Z:" and package.pending:
            _checksum(package, value, line_no, notices)
    files += package.owned()
    return Recorded(tuple(files), notices.final())


def _checksum(package: _Package, value: str, line_no: int, notices: Notices) -> None:
    algorithm, size = _ALGORITHMS.get(value[:2], ("", 0))
    try:
        digest = b64decode(value[2:], validate=True) if algorithm else b""
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != size or not size:
        notices.bad_line("apk installed", line_no, "not a Q1/Q2 checksum", value)
    else:
        package.files.append((normalize(package.pending)[0], algorithm, digest))
    package.pending = ""
