"""Hostile tar headers: every number is checked where it is used, every malformed PAX record is an
ArchiveError, and every header consumes at least one block, so no input makes the reader loop."""

from __future__ import annotations

import contextlib
import io
import tarfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.archive.tarstream import TarHeader, TarStream, parse_pax
from analyzer.errors import ArchiveError, LimitExceeded
from fixtures.tarwriter import base256, padded, pax_record, raw_header
from tests.bounded import run_bounded

END = bytes(1024)


def read_all(data: bytes, max_header_bytes: int = 1 << 20) -> list[TarHeader]:
    """Every header of `data`, reading each member's data as the layer walk does."""
    stream = TarStream(iter([data]), "layer", max_header_bytes=max_header_bytes)
    headers = []
    for header in stream:
        headers.append(header)
        for _ in stream.data_views():
            pass
    return headers


def pax_member(records: bytes, typeflag: bytes = b"x") -> bytes:
    return raw_header(b"PaxHeader", typeflag=typeflag, size=len(records)) + padded(records)


@pytest.mark.parametrize("typeflag", [b"x", b"g", b"L", b"K"])
def test_an_extended_header_with_a_negative_size_is_an_error_not_an_endless_loop(
    typeflag: bytes,
) -> None:
    outcome = run_bounded(
        f"""
        from analyzer.archive.tarstream import TarStream
        from fixtures.tarwriter import base256, raw_header
        meta = raw_header(b"PaxHeader", typeflag={typeflag!r}, size=base256(-1024))
        list(TarStream(iter([meta + raw_header(b"a") + bytes(1024)]), "layer"))
        """
    )
    assert outcome.error == "ArchiveError"
    assert "negative size" in outcome.line


def test_a_member_with_a_negative_size_is_an_error() -> None:
    data = raw_header(b"a", size=base256(-512)) + bytes(512) + END
    with pytest.raises(ArchiveError, match="negative size"):
        read_all(data)


@pytest.mark.parametrize(
    "value", [b"-5", b"+5", b"1_0", b" 5", b"5 ", b"5e3", b"0x10", b"", b"9" * 21, "٣".encode()]
)
def test_pax_sizes_and_ids_must_be_plain_decimal_numbers(value: bytes) -> None:
    for key in ("size", "uid", "gid"):
        data = pax_member(pax_record(key, value)) + raw_header(b"a") + END
        with pytest.raises(ArchiveError, match="not a plain decimal number"):
            read_all(data)


def test_a_negative_pax_size_cannot_move_the_reader_backwards() -> None:
    data = pax_member(pax_record("size", b"-1024")) + raw_header(b"a") + END
    with pytest.raises(ArchiveError):
        read_all(data)


@pytest.mark.parametrize(
    "field", [b"-0000000001\0", b"+0000000001\0", b"0000_000001\0", b"00000000009\0", b"zzz\0"]
)
def test_octal_number_fields_accept_only_octal_digits(field: bytes) -> None:
    with pytest.raises(ArchiveError, match="number field"):
        read_all(raw_header(b"a", size=field) + END)


@pytest.mark.parametrize("offset", [100, 108, 116, 136])  # mode, uid, gid, mtime
@pytest.mark.parametrize("field", [b"-000001\0", b"+000001\0", b"0000009\0", b"zzz\0"])
def test_mode_owner_and_time_fields_accept_only_octal_digits_on_any_entry(
    offset: int, field: bytes
) -> None:
    """These fields repeat on every entry and are parsed once per raw value; a corrupt one is
    an error after valid entries as much as on the first."""
    bad = raw_header(b"b", fields={offset: field})
    for data in (bad + END, raw_header(b"a") + bad + END):
        with pytest.raises(ArchiveError, match="number field"):
            read_all(data)


@pytest.mark.parametrize(
    "records",
    [
        b"0 a=b\n",  # length 0
        b"5 path=x\n",  # length shorter than the record
        b"99 path=x\n",  # length beyond the data
        b"x9 a=bc\n",  # not a number
        b"-9 a=bcd\n",  # a sign
        b" 9 a=bcd\n",  # leading space
        b"16 pathetc/pass\n",  # no "="
        b"10 =value\n",  # empty key
        b"8 a=bcde",  # no newline
        b"18446744073709551616 a=b\n",  # a 64-bit overflow
        b"9" * 5000,  # digits without end
    ],
)
def test_malformed_pax_records_are_archive_errors(records: bytes) -> None:
    with pytest.raises(ArchiveError, match="malformed PAX"):
        parse_pax(records, "layer")
    with pytest.raises(ArchiveError, match="malformed PAX"):
        read_all(pax_member(records) + raw_header(b"a") + END)


keys = st.text(st.characters(codec="utf-8", exclude_characters="="), min_size=1, max_size=20)


@settings(derandomize=True, max_examples=200)
@given(st.dictionaries(keys, st.binary(max_size=300), max_size=8))
def test_well_formed_pax_records_read_back_exactly(records: dict[str, bytes]) -> None:
    data = b"".join(pax_record(k, v) for k, v in records.items())
    assert parse_pax(data, "layer") == records


@settings(derandomize=True, max_examples=500)
@given(st.binary(max_size=600))
def test_any_pax_data_parses_or_is_an_archive_error(data: bytes) -> None:
    with contextlib.suppress(ArchiveError):
        parse_pax(data, "layer")


def test_extended_headers_before_one_member_are_bounded_together() -> None:
    comment = pax_member(pax_record("comment", b"c" * 400_000))
    data = comment * 3 + raw_header(b"a") + END
    with pytest.raises(LimitExceeded, match="extended tar header of 1200"):
        read_all(data)
    assert [h.name for h in read_all(comment * 2 + raw_header(b"a") + END)] == ["a"]


def test_global_headers_are_checked_and_counted_but_not_applied() -> None:
    """Go's archive/tar (Docker, containerd, podman) does not apply them to later members."""
    records = pax_record("path", b"evil") + pax_record("SCHILY.xattr.user.x", b"1")
    stream = TarStream(iter([pax_member(records, b"g") + raw_header(b"a") + END]), "layer")
    assert [(h.name, h.xattrs) for h in stream] == [("a", ())]
    assert stream.global_headers == 1
    with pytest.raises(ArchiveError, match="malformed PAX"):
        read_all(pax_member(b"3 x\n", b"g") + raw_header(b"a") + END)


def test_non_finite_pax_times_keep_the_ustar_time() -> None:
    for value in (b"nan", b"inf", b"-inf", b"1e999", b"soon"):
        [header] = read_all(pax_member(pax_record("mtime", value)) + raw_header(b"a") + END)
        assert header.mtime == 1700000000


def sample_tar() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in [("etc/" + "n" * 120, b"x" * 700), ("a", b""), ("b", b"y" * 20)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.pax_headers = {"SCHILY.xattr.user.k": "v"}
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


SAMPLE = sample_tar()
HOSTILE_FIELDS = [
    base256(-1),
    base256(-512),
    base256(-1024),
    base256(-(1 << 40)),
    base256(1 << 80),
    b"7" * 11 + b"\0",
    b"-1",
]


@settings(derandomize=True, max_examples=400)
@given(
    st.lists(st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 255)), max_size=6),
    st.lists(st.tuples(st.integers(0, len(SAMPLE) // 512 - 1), st.sampled_from(HOSTILE_FIELDS))),
    st.integers(0, len(SAMPLE)),
)
def test_a_mutated_tar_yields_headers_or_an_archive_error_and_always_advances(
    flips: list[tuple[int, int]], sizes: list[tuple[int, bytes]], cut: int
) -> None:
    data = bytearray(SAMPLE)
    for at, value in flips:
        data[at] = value
    for block, field in sizes:  # a hostile size, with the checksum made valid again
        header = bytearray(data[block * 512 : block * 512 + 512])
        header[124 : 124 + len(field)] = field
        header[148:156] = b" " * 8
        header[148:156] = b"%06o\0 " % sum(header)
        data[block * 512 : block * 512 + 512] = header
    try:
        headers = read_all(bytes(data[:cut]))
    except (ArchiveError, LimitExceeded):
        return
    assert len(headers) <= cut // 512  # each header consumed at least one block of its own


def test_a_tar_arriving_in_one_byte_chunks_is_read_in_linear_time() -> None:
    """A 1 MiB extended header used to be re-copied on every chunk that brought a byte of it:
    0.5 TB of copying per header."""
    outcome = run_bounded(
        """
        from analyzer.archive.tarstream import TarStream
        from fixtures.tarwriter import padded, pax_record, raw_header
        records = pax_record("comment", b"c" * ((1 << 20) - 100))
        member = raw_header(b"P", typeflag=b"x", size=len(records)) + padded(records)
        member += raw_header(b"a", size=3) + padded(b"abc")
        data = member * 4 + bytes(1024)
        stream = TarStream((data[i : i + 1] for i in range(len(data))), "layer")
        assert [(h.name, b"".join(stream.data_chunks())) for h in stream] == [("a", b"abc")] * 4
        """
    )
    assert outcome.line == "OK"
