"""A small, bounded reader of DER (ASN.1 distinguished encoding) for hostile bytes.

Only what recognising keys and key stores needs: one tag-length-value at a time, the children of
a constructed value, and an object identifier's encoding. Every length is checked against the
bytes it claims to cover, so a forged length can never make a reader look past its input. No
maintained library exposes this without also parsing (and trusting) the whole structure.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

SEQUENCE = 0x30
INTEGER = 0x02
OCTET_STRING = 0x04
OBJECT_IDENTIFIER = 0x06
CONTEXT_0 = 0xA0
"""[0] EXPLICIT, constructed: PKCS#7 content, certificate version..."""

_MAX_LENGTH_BYTES = 4
"""Lengths of up to 4 GiB: more than any file examined (the examiner's limit is far lower)."""


@dataclass(frozen=True, slots=True)
class Tlv:
    """One DER value: its tag and where its content lies in the bytes it was read from."""

    tag: int
    """The identifier octet (low-tag-number form only, which is all keys and stores use)."""
    start: int
    """Offset of the first content byte."""
    end: int
    """Offset just past the content."""

    @property
    def size(self) -> int:
        """The content's length."""
        return self.end - self.start


def read_tlv(data: bytes, pos: int = 0, limit: int | None = None) -> Tlv | None:
    """The value starting at `pos`, or None when its header is malformed or its length runs
    past `limit` (default: the end of `data`).

    >>> read_tlv(bytes.fromhex("020101"))
    Tlv(tag=2, start=2, end=3)
    >>> read_tlv(bytes.fromhex("3082ffff00")) is None  # claims 65535 bytes, has 1
    True
    """
    limit = len(data) if limit is None else min(limit, len(data))
    if pos + 2 > limit or data[pos] & 0x1F == 0x1F:  # high-tag-number form: not used here
        return None
    first = data[pos + 1]
    start = pos + 2
    if first & 0x80:
        count = first & 0x7F
        if not 1 <= count <= _MAX_LENGTH_BYTES or start + count > limit:
            return None  # 0x80 is BER's indefinite length, never DER
        length = int.from_bytes(data[start : start + count], "big")
        start += count
    else:
        length = first
    if start + length > limit:
        return None
    return Tlv(data[pos], start, start + length)


def children(data: bytes, parent: Tlv, most: int = 1 << 16) -> Iterator[Tlv]:
    """The values inside a constructed value, in order, at most `most` of them. Iteration
    stops at the first malformed child (the caller sees fewer children than it expects).

    >>> [c.tag for c in children(bytes.fromhex("3006020100040100"), Tlv(0x30, 2, 8))]
    [2, 4]
    """
    pos = parent.start
    for _ in range(most):
        if pos >= parent.end:
            return
        child = read_tlv(data, pos, parent.end)
        if child is None:
            return
        yield child
        pos = child.end


def whole(data: bytes, tag: int) -> Tlv | None:
    """The value that makes up all of `data`, if it has this tag.

    >>> whole(bytes.fromhex("3003020100"), SEQUENCE), whole(bytes.fromhex("300302010000"), SEQUENCE)
    (Tlv(tag=48, start=2, end=5), None)
    """
    tlv = read_tlv(data)
    return tlv if tlv is not None and tlv.tag == tag and tlv.end == len(data) else None


def oid(dotted: str) -> bytes:
    """The DER encoding (tag and length included) of an object identifier.

    >>> oid("1.2.840.113549.1.7.1").hex()
    '06092a864886f70d010701'
    """
    numbers = [int(part) for part in dotted.split(".")]
    body = bytearray([40 * numbers[0] + numbers[1]])
    for number in numbers[2:]:
        chunk = [number & 0x7F]
        while number := number >> 7:
            chunk.append(0x80 | (number & 0x7F))
        body += bytes(reversed(chunk))
    return bytes([OBJECT_IDENTIFIER, len(body)]) + bytes(body)
