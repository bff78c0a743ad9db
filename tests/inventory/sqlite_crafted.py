"""Hand-made SQLite files that SQLite opens but that make a naive reader work without end.

Page layouts follow the SQLite file format (sqlite.org/fileformat2.html, "B-tree Pages"):
an interior table page is type 0x05 with an 12-byte header (cell count, start of the cell area,
right-most child) and cells of (4-byte child page, varint key); a leaf table page is type 0x0D
with cells of (varint payload size, varint rowid, payload, 4-byte first overflow page when the
payload does not fit).
"""

from __future__ import annotations

import sqlite3
import struct

PAGE = 512
_SCHEMA = "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB)"


def _varint(value: int) -> bytes:
    """SQLite's big-endian base-128 varint (values below 2**56)."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    return bytes(reversed(out))


def _with_page_count(pages: bytes) -> bytes:
    out = bytearray(pages)
    struct.pack_into(">I", out, 28, len(out) // PAGE)  # the header's database size in pages
    return bytes(out)


def _one_row_database(blob: bytes | None) -> bytes:
    connection = sqlite3.connect(":memory:")
    connection.execute(f"PRAGMA page_size = {PAGE}")
    connection.execute(_SCHEMA)
    connection.execute("INSERT INTO Packages VALUES (1, ?)", (blob,))
    data = connection.serialize()
    if len(data) != 2 * PAGE:
        raise ValueError("the row does not fit one leaf page")
    return data


def amplifying_database(levels: int, blob: bytes | None = None) -> bytes:
    """Packages as a chain of `levels` interior pages whose 71 children are all the next page:
    a scan visits the one leaf row 72**levels times, from a file of `levels` + 2 pages."""
    data = _one_row_database(blob)
    cells = (PAGE - 12) // 7  # a 2-byte pointer and a 5-byte cell each
    pages = bytearray(data[:PAGE])
    for level in range(levels):
        child = 3 + level
        page = bytearray(PAGE)
        first = PAGE - 5 * cells
        struct.pack_into(">BHHHBI", page, 0, 0x05, 0, cells, first, 0, child)
        for index in range(cells):
            struct.pack_into(">H", page, 12 + 2 * index, first + 5 * index)
            struct.pack_into(">IB", page, first + 5 * index, child, 1)
        pages += page
    pages += data[PAGE:]
    return _with_page_count(pages)


def looping_overflow_database(blob_size: int) -> bytes:
    """One row declaring a `blob_size`-byte blob whose overflow chain is a page pointing at
    itself: three pages that claim to hold any amount of data."""
    master = _one_row_database(None)[:PAGE]
    serial = _varint(blob_size * 2 + 12)
    header = bytes([2 + len(serial), 0]) + serial
    payload = len(header) + blob_size
    min_local, max_local = (PAGE - 12) * 32 // 255 - 23, PAGE - 35
    local = min_local + (payload - min_local) % (PAGE - 4)
    local = min_local if local > max_local else local
    cell = _varint(payload) + _varint(1) + (header + b"x" * local)[:local] + struct.pack(">I", 3)
    leaf = bytearray(PAGE)
    start = PAGE - len(cell)
    struct.pack_into(">BHHHBH", leaf, 0, 0x0D, 0, 1, start, 0, start)
    leaf[start:] = cell
    overflow = struct.pack(">I", 3) + b"y" * (PAGE - 4)
    return _with_page_count(master + leaf + overflow)
