"""The files rpm installed and their digests, from the header blobs of ``rpmdb.sqlite``.

Each package header lists its files in parallel arrays (rpm.org, docs/manual/tags.md, and
lib/rpmtag.h): ``BASENAMES`` with ``DIRINDEXES`` into ``DIRNAMES`` (``OLDFILENAMES`` in headers
older than rpm 4.0.1), and ``FILEDIGESTS``, hex digests of the algorithm ``FILEDIGESTALGO`` names
(OpenPGP hash ids, RFC 4880 9.4: 1 MD5, 2 SHA-1, 8 SHA-256, 9 SHA-384, 10 SHA-512, 11 SHA-224;
absent means MD5). Directories, symlinks and ghost files have an empty digest and are left out.
Each array is read once, bounded by the data store it points into, so a crafted header costs
time linear in its size.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from analyzer.filesystem.paths import normalize
from analyzer.inventory.model import Notices
from analyzer.inventory.ownership import Owner, Recorded, RecordedFile
from analyzer.inventory.rpm import BadHeader, IndexEntry, header_blobs, header_index

NAME, OLDFILENAMES, FILEDIGESTS = 1000, 1027, 1035
DIRINDEXES, BASENAMES, DIRNAMES, FILEDIGESTALGO = 1116, 1117, 1118, 5011
_WANTED = frozenset((NAME, OLDFILENAMES, FILEDIGESTS, DIRINDEXES, BASENAMES, DIRNAMES))
_WANTED |= {FILEDIGESTALGO}
_INT32, _STRING, _STRING_ARRAY = 4, 6, 8
ALGORITHMS = {1: "md5", 2: "sha1", 8: "sha256", 9: "sha384", 10: "sha512", 11: "sha224"}
Array = list[str] | list[int]


def parse_rpmdb_files(data: bytes) -> Recorded:
    """Every file with a digest in an rpmdb.sqlite database (``gpg-pubkey`` has none)."""
    notices = Notices()
    files: list[RecordedFile] = []
    # a database or header that cannot be read is the package inventory's notice
    # (analyzer.inventory.rpm reads the same blobs): said once, not once per reader
    for hnum, blob in header_blobs(data, Notices()):
        try:
            index, store = header_index(blob)
        except BadHeader:
            continue
        try:
            files += _files(index, store)
        except BadHeader as error:
            notices.add(f"rpmdb.sqlite package {hnum}: file list unreadable ({error}); skipped")
    return Recorded(tuple(files), notices.final())


def header_files(blob: bytes) -> list[RecordedFile]:
    """The files with a digest in one package header (``ValueError`` when it is malformed).

    >>> header_files(_example())[0].path, header_files(_example())[0].algorithm
    ('/usr/bin/x', 'sha256')
    """
    return _files(*header_index(blob))


def _files(index: list[IndexEntry], store: bytes) -> list[RecordedFile]:
    arrays = _arrays(index, store)
    name = arrays.get(NAME) or ["(unnamed)"]
    owner = Owner(str(name[0]), "rpm")
    algorithm_id = arrays.get(FILEDIGESTALGO) or [1]
    algorithm = ALGORITHMS.get(int(algorithm_id[0]), f"pgp-hash-{algorithm_id[0]}")
    digests = [str(d) for d in arrays.get(FILEDIGESTS, [])]
    paths = list(_paths(arrays))
    if len(paths) != len(digests):
        raise BadHeader(f"{len(paths)} file names but {len(digests)} digests")
    return [
        RecordedFile(normalize(path)[0], algorithm, _hex(digest), owner)
        for path, digest in zip(paths, digests, strict=True)
        if digest
    ]


def _arrays(index: list[IndexEntry], store: bytes) -> dict[int, Array]:
    """Each wanted tag's array, read once (a repeated tag is ignored, as rpm dedups tags)."""
    arrays: dict[int, Array] = {}
    for tag, kind, offset, count in index:
        if tag in _WANTED and tag not in arrays:
            arrays[tag] = _array(store, kind, offset, count, tag)
    return arrays


def _array(store: bytes, kind: int, offset: int, count: int, tag: int) -> Array:
    if not 0 <= offset <= len(store) or count > len(store) - offset + 1:
        raise BadHeader(f"tag {tag}: {count} values at offset {offset} do not fit the data store")
    if kind == _INT32:
        if offset + 4 * count > len(store):
            raise BadHeader(f"tag {tag} integers run past the data store")
        return list(struct.unpack_from(f">{count}i", store, offset))
    if kind in (_STRING, _STRING_ARRAY):
        wanted = 1 if kind == _STRING else count
        parts = store[offset:].split(b"\x00", wanted)
        if len(parts) <= wanted:
            raise BadHeader(f"tag {tag}: fewer than {wanted} NUL-terminated strings")
        return [part.decode("utf-8", "surrogateescape") for part in parts[:wanted]]
    raise BadHeader(f"tag {tag} has unexpected type {kind}")


def _paths(arrays: dict[int, Array]) -> Iterator[str]:
    """Each file's path: DIRNAMES[DIRINDEXES[i]] + BASENAMES[i], or OLDFILENAMES[i]."""
    if BASENAMES not in arrays:
        yield from (str(p) for p in arrays.get(OLDFILENAMES, []))
        return
    basenames, dirnames = arrays[BASENAMES], arrays.get(DIRNAMES, [])
    indexes = arrays.get(DIRINDEXES, [])
    if len(indexes) != len(basenames):
        raise BadHeader(f"{len(basenames)} base names but {len(indexes)} directory indexes")
    for base, at in zip(basenames, indexes, strict=True):
        if not isinstance(at, int) or not 0 <= at < len(dirnames):
            raise BadHeader(f"directory index {at} outside the {len(dirnames)} directory names")
        yield f"{dirnames[at]}{base}"


def _hex(digest: str) -> bytes:
    try:
        return bytes.fromhex(digest)
    except ValueError:
        raise BadHeader(f"file digest {digest[:20]!r} is not hexadecimal") from None


def _example() -> bytes:
    """A header with one file, for the doctests."""
    store = b"x\x00/usr/bin/\x00" + b"ab" * 32 + bytes(4) + struct.pack(">ii", 0, 8)
    entries = [
        (BASENAMES, _STRING_ARRAY, 0, 1),
        (DIRNAMES, _STRING_ARRAY, 2, 1),
        (FILEDIGESTS, _STRING_ARRAY, 12, 1),
        (DIRINDEXES, _INT32, 80, 1),
        (FILEDIGESTALGO, _INT32, 84, 1),
    ]
    head = struct.pack(">II", len(entries), len(store))
    return head + b"".join(struct.pack(">iIiI", *e) for e in entries) + store
