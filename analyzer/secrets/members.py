"""The files inside an archive file of the image, for the secrets examiner.

A Spring Boot jar carries `BOOT-INF/classes/application.properties`, a backup `.tar.gz` an SSH
key, a `creds.env.gz` an AWS key: the file itself is compressed bytes, and the credential is
in a member. So the members of zip-family archives (zip, jar, war, ear, whl, apk...), of tar
archives (plain or gzip, xz, bzip2 or zstd compressed) and of single compressed files (`.gz`,
`.xz`, `.bz2`, `.zst`) are examined as files of their own, recognised by their first bytes
(never by name).

One level deep: a member that is itself an archive (a jar inside a fat jar's `BOOT-INF/lib`,
most often a third-party library) is examined as stored. Compressed documentation under
/usr/share/man, /usr/share/doc and /usr/share/info (packaging tools compress every manual page
and changelog) is examined as stored too: opening those thousands of files would cost a Debian
image a tenth of its scan for text nobody writes a credential into. Hostile archives are
bounded: at most `MAX_MEMBERS` members and `MAX_BYTES` decompressed bytes per archive, each
member read up to `MAX_MEMBER_BYTES`; what is left unread, and an archive that cannot be read
(corrupt, encrypted members, an unknown compression), is counted, never an error.
"""

from __future__ import annotations

import bz2
import io
import lzma
import re
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import zstandard

MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 16 << 20
MAX_BYTES = 256 << 20
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_GZIP = b"\x1f\x8b"
_XZ = b"\xfd7zXZ\x00"
_BZIP2 = b"BZh"
_ZSTD = b"\x28\xb5\x2f\xfd"
_DOCUMENTATION = re.compile(r"^/usr/share/(?:man|doc|info)/")
_READ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    tarfile.TarError,
    NotImplementedError,  # a zip compression method Python has not
    RuntimeError,  # an encrypted zip member
    ValueError,
    OSError,  # also bz2's and gzip's "invalid data"
    EOFError,
    zlib.error,
    lzma.LZMAError,
    zstandard.ZstdError,
    UnicodeDecodeError,
)


@dataclass
class Unread:
    """What one archive's members were not examined: how many, and why (the first reason)."""

    members: int = 0
    why: str = ""

    def add(self, count: int, why: str) -> None:
        self.members += count
        self.why = self.why or why


@dataclass
class _Budget:
    left: int
    """Decompressed bytes the archive may still give (MAX_BYTES, read when the budget is made)."""
    members: int = 0
    unread: Unread = field(default_factory=Unread)


def is_archive(path: str, data: bytes) -> bool:
    """True when `members` would open the file: an archive or a compressed file, by its first
    bytes, outside the compressed documentation trees.

    >>> is_archive("/app/app.jar", b"PK\\x03\\x04..."), is_archive("/app/a.txt", b"PK")
    (True, False)
    >>> is_archive("/usr/share/man/man1/ls.1.gz", b"\\x1f\\x8b\\x08")
    False
    """
    head = data[:6]
    if head.startswith(_ZIP) or data[257:262] == b"ustar":
        return True
    compressed = head.startswith((_GZIP, _XZ, _BZIP2, _ZSTD))
    return compressed and not _DOCUMENTATION.match(path)


def members(path: str, data: bytes, unread: Unread) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of each regular member of the archive or compressed file `data` (see the
    module), within the bounds; `unread` counts what was left.

    >>> import gzip
    >>> list(members("/app/creds.env.gz", gzip.compress(b"A=1\\n"), Unread()))
    [('creds.env', b'A=1\\n')]
    """
    budget = _Budget(left=MAX_BYTES, unread=unread)
    try:
        if data.startswith(_ZIP):
            yield from _zip_members(data, budget)
        elif data[257:262] == b"ustar":
            yield from _tar_members(data, budget)
        else:
            inner = _decompressed(data, budget)
            if inner is None:
                return
            if inner[257:262] == b"ustar":
                yield from _tar_members(inner, budget)
            else:
                yield _single_name(path), inner
    except _READ_ERRORS as exc:
        unread.add(1, f"the archive cannot be read to its end ({type(exc).__name__})")


def _zip_members(data: bytes, budget: _Budget) -> Iterator[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            if not _admit(budget, info.file_size):
                return
            try:
                with archive.open(info) as member:
                    content = member.read(MAX_MEMBER_BYTES + 1)
            except _READ_ERRORS as exc:
                budget.unread.add(1, f"a member cannot be read ({type(exc).__name__})")
                continue
            yield info.filename, _bounded(content, budget)


def _tar_members(data: bytes, budget: _Budget) -> Iterator[tuple[str, bytes]]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
        for info in archive:
            if not info.isreg():
                continue
            if not _admit(budget, info.size):
                return
            member = archive.extractfile(info)
            if member is not None:
                yield info.name, _bounded(member.read(MAX_MEMBER_BYTES + 1), budget)


def _admit(budget: _Budget, size: int) -> bool:
    """Whether one more member (of `size` bytes, as its header says) is read."""
    if budget.members >= MAX_MEMBERS or budget.left <= 0:
        budget.unread.add(1, f"over {MAX_MEMBERS:,} members or {MAX_BYTES >> 20} MiB")
        return False
    budget.members += 1
    if size > MAX_MEMBER_BYTES:
        budget.unread.add(1, f"a member over {MAX_MEMBER_BYTES >> 20} MiB is read in part")
    return True


def _bounded(content: bytes, budget: _Budget) -> bytes:
    content = content[:MAX_MEMBER_BYTES]
    budget.left -= len(content)
    return content


def _decompressed(data: bytes, budget: _Budget) -> bytes | None:
    """A single compressed file's content, up to the archive's bound of bytes."""
    limit = budget.left
    ended = True
    if data.startswith(_GZIP):
        gzip = zlib.decompressobj(16 + zlib.MAX_WBITS)
        content, ended = gzip.decompress(data, limit), gzip.eof
    elif data.startswith(_XZ):
        xz = lzma.LZMADecompressor()
        content, ended = xz.decompress(data, limit), xz.eof
    elif data.startswith(_BZIP2):
        bzip2 = bz2.BZ2Decompressor()
        content, ended = bzip2.decompress(data, limit), bzip2.eof
    else:
        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data))
        content = reader.read(limit)
    if len(content) >= limit:
        budget.unread.add(1, f"its content is read up to {MAX_BYTES >> 20} MiB")
    elif not ended:
        budget.unread.add(1, "its compressed stream is cut short (what it holds is examined)")
    budget.left -= len(content)
    return content


def _single_name(path: str) -> str:
    """The name a single compressed file's content had: its own without the compression's
    suffix.

    >>> _single_name("/app/creds.env.gz"), _single_name("/srv/dump.sql.zst"), _single_name("/x")
    ('creds.env', 'dump.sql', 'x')
    """
    name = path.rpartition("/")[2]
    for suffix in (".gz", ".xz", ".bz2", ".zst", ".tgz", ".z", ".Z"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name
