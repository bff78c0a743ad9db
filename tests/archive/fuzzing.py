"""The fuzz harness shared by the archive fuzz tests: small valid seed archives of every format,
mutations that know the tar format, and a guard that turns a hang or runaway memory into a test
failure instead of a stuck CI run.

Mutations: flip bytes, cut, duplicate or zero a range, set a tar header's size, mode, uid or mtime
field to a hostile value (negative and huge base-256 numbers, signs, non-octal text) with its
checksum made valid again, break PAX records, and wrap the result in gzip, xz, bzip2 or zstd.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import lzma
import resource
import signal
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import zstandard
from hypothesis import strategies as st

from fixtures.docker import write_docker25_archive, write_docker_archive
from fixtures.example import base_layer
from fixtures.hostile_layers import write_archive_with_layer
from fixtures.oci import write_oci_layout
from fixtures.outer import wrap
from fixtures.spec import FileSpec, ImageSpec, LayerSpec
from fixtures.tarwriter import base256

BLOCK = 512
HOSTILE_NUMBERS = [
    base256(-512),
    base256(-1024),
    base256(-1),
    base256(1 << 80),
    base256(1 << 40),
    b"77777777777\0",
    b"-0000000001\0",
    b"+1\0",
    b"9999\0",
    b"\xff" * 12,
    b"\0" * 12,
]
NUMBER_FIELDS = [(124, 12), (100, 8), (108, 8), (136, 12), (329, 8)]  # size, mode, uid, mtime, dev
HOSTILE_RECORDS = [b"0 a=b\n", b"9999 path=x\n", b"12 size=-512\n", b"x path=y\n", b"5 a\n"]
WRAPS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": lambda data: gzip.compress(data, compresslevel=1, mtime=0),
    "xz": lambda data: lzma.compress(data, preset=0),
    "bzip2": lambda data: bz2.compress(data, compresslevel=1),
    "zstd": lambda data: zstandard.ZstdCompressor(level=1).compress(data),
}


def rich_layer_tar() -> bytes:
    """A layer with every kind of member the reader handles: PAX and GNU long names, xattrs,
    links, devices, whiteouts, an opaque directory and file content."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, extra in [
            ("app", tarfile.DIRTYPE, ""),
            ("app/" + "long" * 40 + ".txt", tarfile.REGTYPE, "hello"),
            ("app/link", tarfile.SYMTYPE, "../etc/passwd"),
            ("app/hard", tarfile.LNKTYPE, "app/" + "long" * 40 + ".txt"),
            ("app/.wh.gone", tarfile.REGTYPE, ""),
            ("etc/.wh..wh..opq", tarfile.REGTYPE, ""),
            ("etc/passwd", tarfile.REGTYPE, "root:x:0:0::/root:/bin/sh\n"),
            ("dev/null", tarfile.CHRTYPE, ""),
            ("run/fifo", tarfile.FIFOTYPE, ""),
        ]:
            info = tarfile.TarInfo(name)
            info.type = kind
            if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                info.linkname = extra
            data = extra.encode() if kind == tarfile.REGTYPE else b""
            info.size = len(data)
            info.pax_headers = {"SCHILY.xattr.user.k": "v"} if kind == tarfile.REGTYPE else {}
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


RICH_LAYER = rich_layer_tar()


def build_seeds(out: Path) -> dict[str, bytes]:
    """Small valid archives of every format, read back as bytes."""
    rich = LayerSpec(
        entries=(FileSpec("app", kind="dir"), FileSpec("app/x", b"x" * 700, mode=0o4755)),
        created_by="COPY app /app",
    )
    image = ImageSpec(layers=(base_layer(), rich), repo_tags=("fuzz/seed:1",))
    gz_image = ImageSpec(
        layers=tuple(
            LayerSpec(entries=layer.entries, compression="gzip") for layer in image.layers
        ),
        repo_tags=("fuzz/seed:1",),
    )
    paths = {
        "docker": write_docker_archive([image], out / "docker.tar"),
        "docker25": write_docker25_archive([image], out / "docker25.tar"),
        "oci-gzip": write_oci_layout([gz_image], out / "oci.tar"),
        "rich-zstd": write_archive_with_layer(out / "rich.tar", rich_layer_tar(), "zstd"),
        "rich-xz": write_archive_with_layer(out / "richxz.tar", rich_layer_tar(), "xz"),
    }
    paths["docker.tar.gz"] = wrap(paths["docker"], "gzip")
    return {name: path.read_bytes() for name, path in paths.items()}


def _headers(data: bytearray) -> list[int]:
    """Offsets of the 512-byte blocks that look like tar headers (outer or inner tar)."""
    return [
        at
        for at in range(0, len(data) - BLOCK + 1, BLOCK)
        if data[at + 257 : at + 262] == b"ustar" or data[at + 156 : at + 157] in (b"x", b"L")
    ]


def _fix_checksum(data: bytearray, at: int) -> None:
    data[at + 148 : at + 156] = b" " * 8
    data[at + 148 : at + 156] = b"%06o\0 " % sum(data[at : at + BLOCK])


TYPEFLAGS = [b"0", b"1", b"2", b"3", b"5", b"6", b"7", b"x", b"g", b"L", b"K", b"S", b"Z", b"\0"]
TEXT_FIELDS = [(0, 100), (157, 100), (345, 155), (265, 32)]  # name, linkname, prefix, uname
HOSTILE_TEXT = [
    b"../../etc/passwd",
    b"/",
    b"a/.wh..wh..opq",
    b".wh.x",
    b"a" * 100,
    b"\xff\xfe",
    b"",
]


@st.composite
def mutation(draw: st.DrawFn, data: bytearray) -> None:
    """Apply one mutation to `data` in place, most of them inside or next to a tar header."""
    headers = _headers(data)
    op = draw(st.sampled_from(["flip", "cut", "dup", "zero", "number", "text", "type", "pax"]))
    if op in ("number", "text", "type", "pax") and headers:
        _header_mutation(draw, data, op, draw(st.sampled_from(headers)))
        return
    near = draw(st.booleans()) and headers
    base = draw(st.sampled_from(headers)) if near else 0
    at = min(base + draw(st.integers(0, BLOCK if near else max(len(data) - 1, 0))), len(data))
    if op == "flip":
        data[at : at + 1] = bytes([draw(st.integers(0, 255))])
    elif op == "cut":
        del data[at:]
    else:
        span = draw(st.integers(1, 4096))
        piece = data[at : at + span]
        data[at : at + span] = piece + piece if op == "dup" else bytes(len(piece))


def _header_mutation(draw: st.DrawFn, data: bytearray, op: str, at: int) -> None:
    """Rewrite one field of the header at `at` (checksum made valid again), or its PAX data."""
    if op == "pax":
        if data[at + 156 : at + 157] != b"x":
            return
        record = draw(st.sampled_from(HOSTILE_RECORDS))
        data[at + BLOCK : at + BLOCK + len(record)] = record
        data[at + 124 : at + 136] = b"%011o\0" % len(record)
    else:
        offset, width = {
            "number": lambda: draw(st.sampled_from(NUMBER_FIELDS)),
            "text": lambda: draw(st.sampled_from(TEXT_FIELDS)),
            "type": lambda: (156, 1),
        }[op]()
        values = {"number": HOSTILE_NUMBERS, "text": HOSTILE_TEXT, "type": TYPEFLAGS}[op]
        value = draw(st.sampled_from(values))[:width].ljust(width, b"\0")
        data[at + offset : at + offset + width] = value
    _fix_checksum(data, at)


@st.composite
def mutated_archives(draw: st.DrawFn, seeds: dict[str, bytes]) -> bytes:
    """A seed archive after 1-4 mutations, sometimes compressed (rarely twice) afterwards."""
    data = bytearray(seeds[draw(st.sampled_from(sorted(seeds)))])
    for _ in range(draw(st.integers(1, 4))):
        draw(mutation(data))
    for _ in range(draw(st.sampled_from([0] * 14 + [1] * 5 + [2]))):
        data = bytearray(WRAPS[draw(st.sampled_from(sorted(WRAPS)))](bytes(data)))
    return bytes(data)


@st.composite
def mutated_layers(draw: st.DrawFn) -> tuple[bytes, str]:
    """A mutated rich layer tar and how to store it; the archive around it is built with the
    right digests, so the whole read (tar, filesystem merge, verification) runs on it."""
    data = bytearray(RICH_LAYER)
    for _ in range(draw(st.integers(1, 4))):
        draw(mutation(data))
    return bytes(data), draw(st.sampled_from(["none", "gzip", "zstd", "xz", "bzip2"]))


class Hang(Exception):
    """The work under the guard ran past its time."""


@contextlib.contextmanager
def guard(seconds: float, memory: int = 1 << 30) -> Iterator[None]:
    """Fail with Hang after `seconds`, and with MemoryError past `memory` more bytes of
    address space than the process has now (RLIMIT_AS soft limit, restored afterwards)."""

    def timeout(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"no result after {seconds} s")

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    used = int(Path("/proc/self/statm").read_text().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (used + memory, hard))
    previous = signal.signal(signal.SIGALRM, timeout)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
