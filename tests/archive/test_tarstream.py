"""The streaming tar reader: every real tar dialect, and every way a tar can be broken."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator

import pytest

from analyzer.archive.tarheader import _byte_sum, checksum_ok
from analyzer.archive.tarstream import TarStream
from analyzer.errors import ArchiveError, LimitExceeded
from fixtures.tarwriter import raw_header


def make_tar(members: list[tuple[tarfile.TarInfo, bytes]], fmt: int = tarfile.PAX_FORMAT) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as tar:
        for info, data in members:
            info.size = len(data) if info.isreg() else 0
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return out.getvalue()


def chunks(data: bytes, size: int = 4096) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def file_info(name: str, mode: int = 0o644) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mode = mode
    return info


def test_reads_names_modes_content_and_end_marker() -> None:
    data = make_tar(
        [
            (file_info("etc/passwd"), b"root:x:0:0::/root:/bin/sh\n"),
            (file_info("bin/su", 0o4755), b"\x7fELF"),
        ]
    )
    stream = TarStream(chunks(data), "t")
    seen = []
    for header in stream:
        seen.append((header.name, oct(header.mode), b"".join(stream.data_chunks())))
    assert seen == [
        ("etc/passwd", "0o644", b"root:x:0:0::/root:/bin/sh\n"),
        ("bin/su", "0o4755", b"\x7fELF"),
    ]
    assert stream.ended_cleanly


@pytest.mark.parametrize("fmt", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_long_names_and_link_targets_survive_gnu_and_pax_encodings(fmt: int) -> None:
    long_name = "usr/share/" + "d" * 150 + "/file.txt"
    link = tarfile.TarInfo("usr/lib/link")
    link.type = tarfile.SYMTYPE
    link.linkname = "../" + "t" * 120
    names = [
        (h.name, h.linkname)
        for h in TarStream(chunks(make_tar([(file_info(long_name), b"x"), (link, b"")], fmt)), "t")
    ]
    assert names == [(long_name, ""), ("usr/lib/link", link.linkname)]


def test_xattrs_such_as_file_capabilities_are_kept_as_bytes() -> None:
    info = file_info("usr/bin/ping", 0o755)
    cap = b"\x01\x00\x00\x02\x00\x20\x00\x00"
    info.pax_headers = {"SCHILY.xattr.security.capability": cap.decode("utf-8", "surrogateescape")}
    data = make_tar([(info, b"ELF")])
    [header] = list(TarStream(chunks(data), "t"))
    assert dict(header.xattrs)["security.capability"] == cap


def test_gnu_base256_numbers_for_huge_uids() -> None:
    info = file_info("x")
    info.uid = 1 << 40
    [header] = list(TarStream(chunks(make_tar([(info, b"")], tarfile.GNU_FORMAT)), "t"))
    assert header.uid == 1 << 40


def test_each_header_keeps_its_own_mode_owner_and_time_beyond_the_parser_caches() -> None:
    """Modes, owners and times are parsed once per raw value and remembered up to a bound;
    more distinct values than the parser remembers are still read exactly."""
    count = 5000  # more than the 4,096 raw values each cache keeps
    written = [(i % 0o7777, i, 7 * i, 1_700_000_000 + i, f"u{i}", f"g{i}") for i in range(count)]
    data = b"".join(
        raw_header(
            b"f%d" % i,
            fields={
                100: b"%07o\0" % mode,
                108: b"%07o\0" % uid,
                116: b"%07o\0" % gid,
                136: b"%011o\0" % mtime,
                265: uname.encode() + b"\0",
                297: gname.encode() + b"\0",
            },
        )
        for i, (mode, uid, gid, mtime, uname, gname) in enumerate(written)
    )
    headers = list(TarStream(chunks(data + bytes(1024)), "t"))
    assert [(h.mode, h.uid, h.gid, h.mtime, h.uname, h.gname) for h in headers] == written


def test_truncated_data_is_an_error_not_a_short_file() -> None:
    data = make_tar([(file_info("big"), b"a" * 5000)])[:3000]
    stream = TarStream(chunks(data), "layer X")
    with pytest.raises(ArchiveError, match="truncated"):
        for _ in stream:
            b"".join(stream.data_chunks())


def test_missing_end_marker_is_reported() -> None:
    data = make_tar([(file_info("a"), b"hello")])
    cut = 512 + 512  # header + one data block, no end-of-archive blocks
    stream = TarStream(chunks(data[:cut]), "t")
    assert [h.name for h in stream] == ["a"]
    assert not stream.ended_cleanly


def test_corrupt_header_is_an_error() -> None:
    data = bytearray(make_tar([(file_info("a"), b"1"), (file_info("b"), b"2")]))
    data[1024 + 10] ^= 0xFF  # inside the second header's name: checksum no longer matches
    with pytest.raises(ArchiveError, match="checksum"):
        list(TarStream(chunks(bytes(data)), "t"))


@pytest.mark.parametrize("seed", range(40))
def test_header_checksums_are_summed_exactly(seed: int) -> None:
    """The header sum comes from Adler-32 halves: it must equal sum() for any block, and a
    header whose stored checksum is off by one must still be rejected."""
    import random  # noqa: PLC0415

    rng = random.Random(seed)
    block = bytes(rng.choice((0, 0x30, 0x7F, 0x80, 0xFF, rng.randrange(256))) for _ in range(512))
    assert _byte_sum(block) == sum(block)
    unsigned = sum(block[:148]) + sum(block[156:]) + 8 * 32
    for stored, ok in ((unsigned, True), (unsigned + 1, False), (unsigned - 1, False)):
        header = block[:148] + f"{stored:06o}\0 ".encode() + block[156:]
        high = sum(1 for b in header[:148] + header[156:] if b > 127)
        assert checksum_ok(header) is (ok or stored == unsigned - 256 * high)


def test_non_tar_data_says_so() -> None:
    with pytest.raises(ArchiveError, match="not a tar archive"):
        list(TarStream(chunks(b"this is a placeholder, not a layer\n"), "layer"))


def test_huge_pax_header_hits_the_limit_before_it_is_read() -> None:
    info = file_info("x")
    info.pax_headers = {"comment": "A" * (3 << 20)}
    data = make_tar([(info, b"")])
    with pytest.raises(LimitExceeded, match="extended tar header"):
        list(TarStream(chunks(data, 1 << 20), "t", max_header_bytes=1 << 20))


def test_unread_data_is_skipped_through_the_skip_callback() -> None:
    data = make_tar([(file_info("a"), b"x" * 100_000), (file_info("b"), b"y")])
    reader = io.BytesIO(data)

    def source() -> Iterator[bytes]:
        while block := reader.read(4096):
            yield block

    def skip(n: int) -> int:
        here = reader.tell()
        reader.seek(min(here + n, len(data)))
        return reader.tell() - here

    stream = TarStream(source(), "t", skip=skip)
    assert [h.name for h in stream] == ["a", "b"]


def test_a_header_summed_with_signed_bytes_is_accepted() -> None:
    """Some old tar writers summed the header as signed chars: a byte over 127 counts 256
    less. Such a header is valid; one off by anything else is not."""
    data = bytearray(make_tar([(file_info("caf\u00e9"), b"x")], fmt=tarfile.GNU_FORMAT))
    header = data[:512]
    high = sum(1 for i, b in enumerate(header) if b > 127 and not 148 <= i < 156)
    assert high  # the UTF-8 name has bytes over 127
    signed = sum(header[:148]) + sum(header[156:]) + 8 * 32 - 256 * high
    for stored, ok in ((signed, True), (signed - 1, False)):
        data[148:156] = f"{stored:06o}\0 ".encode()
        assert checksum_ok(bytes(data[:512])) is ok
