"""Hostile and unusual archive members (review 2): no reader's failure stops a scan, a bomb
costs bounded memory, every part of a compressed file is read, the bounds are charged once and
every member left unread is counted with its real reason."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable

import pytest
import zstandard

from analyzer.secrets import members as archive
from analyzer.secrets.engine import SecretEngine
from analyzer.secrets.members import MAX_MEMBER_BYTES, Unread, members
from analyzer.secrets.sink import Examiner
from fixtures.secret_image import AWS_KEY_ID, AWS_SECRET, DB_PASSWORD

DOTENV = f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n".encode()
PROPERTIES = f"spring.datasource.password={DB_PASSWORD}\n".encode()


def zipped(files: dict[str, bytes], *, encrypted: bool = False) -> bytes:
    """A zip; `encrypted` sets the encryption flag of every member (as `zip -P` does; the
    content is left as it is: zipfile refuses to read it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in files.items():
            out.writestr(name, data)
    data = bytearray(buffer.getvalue())
    for signature, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while encrypted and at >= 0:
            data[at + flags] |= 1
            at = data.find(signature, at + 4)
    return bytes(data)


def stored_zip(files: dict[str, bytes]) -> bytes:
    """A zip of stored members written by hand (zipfile refuses to write an empty name)."""
    local, central = b"", b""
    for name, data in files.items():
        raw, crc = name.encode(), zlib.crc32(data)
        sizes = struct.pack("<IIIHH", crc, len(data), len(data), len(raw), 0)
        central += b"PK\x01\x02" + struct.pack("<HHHHHH", 20, 20, 0, 0, 0, 0) + sizes
        central += struct.pack("<HHHII", 0, 0, 0, 0, len(local)) + raw
        local += b"PK\x03\x04" + struct.pack("<HHHHH", 20, 0, 0, 0, 0) + sizes + raw + data
    count = len(files)
    end = struct.pack("<HHHHIIH", 0, 0, count, count, len(central), len(local), 0)
    return local + central + b"PK\x05\x06" + end


def tarred(files: dict[str, bytes | None]) -> bytes:
    """A tar of regular files, and of directories where the content is None."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as out:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            if data is None:
                info.type = tarfile.DIRTYPE
                out.addfile(info)
            else:
                info.size = len(data)
                out.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zstd(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


COMPRESSIONS: list[Callable[[bytes], bytes]] = [gzip.compress, bz2.compress, lzma.compress, zstd]
IDS = ["gzip", "bzip2", "xz", "zstd"]


@pytest.fixture(scope="module")
def examiner() -> Examiner:
    return Examiner(SecretEngine())


def read(path: str, data: bytes) -> tuple[list[tuple[str, bytes]], Unread]:
    unread = Unread()
    return list(members(path, data, unread)), unread


def test_a_member_with_an_empty_name_does_not_stop_the_other_members(
    examiner: Examiner,
) -> None:
    """zipfile's ZipInfo.is_dir() fails on an empty name (IndexError: the scan died, exit 3)."""
    jar = stored_zip({"": b"x=1\n", "creds.env": DOTENV})
    hits, counts = examiner.examine("/app/lib.jar", jar)
    assert {h.kind for h in hits} >= {"AWS Access Key"}
    assert counts.members == 2


def test_any_failure_of_a_member_reader_is_counted_and_the_next_member_read(
    examiner: Examiner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MemoryError while a member is decompressed, or any other exception, leaves that
    member unread and counted; the scan goes on."""
    real_open = zipfile.ZipFile.open

    def failing_open(self: zipfile.ZipFile, name: object, *args: object, **kw: object) -> object:
        if getattr(name, "filename", name) == "big.bin":
            raise MemoryError
        return real_open(self, name, *args, **kw)  # type: ignore[arg-type]

    jar = zipped({"big.bin": b"\0" * 100, "creds.env": DOTENV})
    monkeypatch.setattr(zipfile.ZipFile, "open", failing_open)
    hits, counts = examiner.examine("/app/lib.jar", jar)
    assert "AWS Access Key" in {h.kind for h in hits}
    assert (counts.members, counts.unread_members) == (1, 1)
    assert counts.unread_archives == ["'/app/lib.jar': a member cannot be read (MemoryError)"]


def test_an_archive_that_no_reader_expects_to_fail_is_counted_never_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object) -> object:
        raise IndexError("string index out of range")

    monkeypatch.setattr(archive, "_zip_members", broken)
    found, unread = read("/app/lib.jar", zipped({"a": b"1"}))
    assert found == [] and unread.members == 1
    assert unread.why == "the archive cannot be read to its end (IndexError)"


def test_an_xz_member_declaring_a_huge_dictionary_is_not_decoded() -> None:
    """A 1.5 GiB xz dictionary is refused before it is allocated (MemoryError before), as the
    layer reader refuses it."""
    filters = [{"id": lzma.FILTER_LZMA2, "dict_size": 1536 << 20}]
    bomb = lzma.compress(DOTENV, format=lzma.FORMAT_XZ, filters=filters)
    found, unread = read("/app/creds.env.xz", bomb)
    assert [content for _, content in found] == [b""]
    assert unread.members == 1
    assert unread.why.startswith("its compressed data needs a dictionary or window over 128 MiB")


@pytest.mark.parametrize("kind", ["xz", "zstd"])
def test_xz_and_zstd_members_are_decoded_within_the_window_limit(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "MAX_WINDOW", 1 << 20)
    data = DOTENV * 100
    packed = (
        lzma.compress(data, preset=6)  # an 8 MiB dictionary
        if kind == "xz"
        else zstandard.ZstdCompressor(level=19).compress(data + bytes(8 << 20))
    )
    found, unread = read("/app/creds.env.x", packed)
    assert unread.members == 1 and "window over 1 MiB" in unread.why
    assert len(found) == 1 and len(found[0][1]) < len(data) + 1


def test_a_single_compressed_file_is_read_up_to_the_member_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not one 256 MiB buffer: a .gz of 40 MiB costs what a 16 MiB member costs."""
    monkeypatch.setattr(archive, "MAX_RATIO", 1 << 20)  # zeros: a ratio no real file has
    found, unread = read("/var/log/app.log.gz", gzip.compress(DOTENV + bytes(40 << 20)))
    [(name, content)] = found
    assert name == "app.log" and len(content) == MAX_MEMBER_BYTES
    assert content.startswith(DOTENV)
    assert (unread.members, unread.why) == (1, "its content is read up to 16 MiB")


@pytest.mark.parametrize("compress", COMPRESSIONS, ids=IDS)
def test_every_part_of_a_multi_part_compressed_file_is_read(
    compress: Callable[[bytes], bytes], examiner: Examiner
) -> None:
    """`cat a.gz b.gz`, pigz, pbzip2, multi-stream xz, several zstd frames: zcat, bzcat, xzcat
    and zstdcat output every part, so the examiner reads every part."""
    data = compress(b"# settings\n") + compress(DOTENV)
    hits, counts = examiner.examine("/app/creds.env.x", data)
    assert "AWS Access Key" in {h.kind for h in hits}
    assert (counts.members, counts.unread_members) == (1, 0)


@pytest.mark.parametrize("compress", COMPRESSIONS, ids=IDS)
def test_a_compressed_file_cut_short_is_examined_as_far_as_it_goes_and_counted(
    compress: Callable[[bytes], bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "MAX_RATIO", 1 << 20)  # a repeated pattern packs tight
    whole = compress(DOTENV) + compress(bytes(range(256)) * 2000)
    found, unread = read("/app/creds.env.x", whole[: len(whole) - 40])
    [(_, content)] = found
    assert content.startswith(DOTENV)
    assert unread.members == 1
    assert unread.why == "its compressed stream is cut short (what it holds is examined)"


def test_a_compressed_tar_is_charged_once_against_the_byte_bound(
    examiner: Examiner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A .tar.gz's decoded bytes were charged, then its members' bytes again: the bound was
    spent at half its size, and the notice said "over 10,000 members or 256 MiB"."""
    monkeypatch.setattr(archive, "MAX_BYTES", 4 << 20)
    monkeypatch.setattr(archive, "MAX_RATIO", 1 << 20)
    logs: dict[str, bytes | None] = {f"logs/{i}.log": b"." * (900 << 10) for i in range(3)}
    backup = gzip.compress(tarred({**logs, "conf/creds.env": DOTENV}))
    hits, counts = examiner.examine("/backup/site.tar.gz", backup)
    assert "AWS Access Key" in {h.kind for h in hits}
    assert (counts.members, counts.unread_members) == (4, 0)


def test_past_the_byte_bound_the_notice_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_BYTES", 1 << 20)
    monkeypatch.setattr(archive, "MAX_RATIO", 1 << 20)
    logs: dict[str, bytes | None] = {f"logs/{i}.log": b"." * (400 << 10) for i in range(4)}
    found, unread = read("/backup/site.tar.gz", gzip.compress(tarred(logs)))
    assert len(found) == 2 and unread.members == 1
    assert "over 1 MiB of decompressed content" in unread.why


@pytest.mark.parametrize("compress", COMPRESSIONS, ids=IDS)
def test_a_small_bomb_is_read_only_up_to_a_hundred_times_its_size(
    compress: Callable[[bytes], bytes],
) -> None:
    """16 MiB of zeros packs into a few KiB or bytes: read whole, a layer of 10,000 such
    files cost 160 GiB of decoding. A compressed file gives at most 100 times its own size
    (64 KiB at least); the rest is counted unread, with the reason."""
    bomb = compress(DOTENV + bytes(16 << 20))
    assert len(bomb) * archive.MAX_RATIO < 8 << 20
    found, unread = read("/app/creds.env.x", bomb)
    [(_, content)] = found
    assert content.startswith(DOTENV)  # what was read is examined
    assert len(content) <= max(archive.MIN_BYTES, archive.MAX_RATIO * len(bomb))
    assert unread.members == 1
    assert unread.why == (
        "it decompresses to over 100 times its size (a decompression bomb?): the rest is not read"
    )


def test_a_zip_bomb_member_is_decoded_only_within_the_ratio() -> None:
    """zipfile decodes what it is asked for: a member is read up to what the archive may
    still give, not up to the 16 MiB a member may be."""
    bomb = zipped({"a.env": DOTENV + bytes(8 << 20), "b.env": DOTENV})
    found, unread = read("/app/bomb.zip", bomb)
    assert [name for name, _ in found] == ["a.env"]
    assert len(found[0][1]) <= archive.MAX_RATIO * len(bomb)
    assert unread.members == 2 and "over 100 times its size" in unread.why


def test_a_zip_member_over_the_member_bound_is_counted_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(archive, "MAX_RATIO", 1 << 20)  # zeros: a ratio no real file has
    found, unread = read("/app/big.zip", zipped({"a.env": DOTENV + bytes(17 << 20)}))
    assert [len(content) for _, content in found] == [MAX_MEMBER_BYTES]
    assert (unread.members, unread.why) == (1, "a member over 16 MiB is read in part: 'a.env'")


def test_real_archives_are_far_below_the_ratio() -> None:
    """Text packs 3-10 times (a Debian system's 536 compressed files: 7 at most)."""
    text = b"".join(b"key%d = value %d for the service\n" % (i, i * 7919) for i in range(20000))
    found, unread = read("/app/settings.conf.gz", gzip.compress(text))
    assert found == [("settings.conf", text)] and unread.members == 0


def test_directory_entries_count_against_the_member_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """400,000 directory entries cost 446 MB of TarInfo before: entries are counted (and none
    is kept); the regular members after the bound are counted unread."""
    monkeypatch.setattr(archive, "MAX_MEMBERS", 3)
    entries: dict[str, bytes | None] = {f"d{i}/": None for i in range(5)}
    for compress in (bytes, gzip.compress):
        data = compress(tarred({**entries, "creds.env": DOTENV, "b.env": b"B=1\n"}))
        found, unread = read("/backup/dirs.tar.gz", data)
        assert found == [] and unread.members == 2
        assert unread.why == "over 3 members (2 members)"


def test_an_executable_jar_with_a_launch_script_first_is_opened(examiner: Examiner) -> None:
    """Spring Boot's "fully executable" jar: a shell script, then the zip (found by its end
    record, as unzip and zipfile find it), for a file named like a zip archive."""
    jar = zipped({"BOOT-INF/classes/application.properties": PROPERTIES})
    launcher = b'#!/bin/bash\n# launch script\nexec java -jar $0 "$@"\nexit 0\n' + jar
    hits, counts = examiner.examine("/app/app.jar", launcher)
    assert [h.kind for h in hits] == ["keyword"] and counts.members == 1
    assert examiner.examine("/app/run.sh", launcher)[1].members == 0


def test_encrypted_members_are_counted_as_encrypted() -> None:
    found, unread = read(
        "/app/secret.zip", zipped({"a.env": DOTENV, "b.env": DOTENV}, encrypted=True)
    )
    assert found == []
    assert unread.members == 2
    assert unread.why == "a member is encrypted (2 members), the first 'a.env'"


def test_nested_archive_names_are_printable_in_the_notice_count() -> None:
    data = zipped({"lib/\x1b[2Jdep.jar": zipped({"x": b"1"}), "e.env": DOTENV})
    examiner = Examiner(SecretEngine())
    _, counts = examiner.examine("/app/app.jar", data)
    assert counts.nested_named == ["'/app/app.jar' ('lib/\\x1b[2Jdep.jar')"]


def test_the_notice_counts_one_member_in_the_singular(tmp_path: object) -> None:
    from pathlib import Path  # noqa: PLC0415

    from analyzer.detectors.context import ScanOptions  # noqa: PLC0415
    from analyzer.scan import scan_archive  # noqa: PLC0415
    from fixtures.detector_cases import base, clean_image  # noqa: PLC0415
    from fixtures.formats import write_docker_archive  # noqa: PLC0415
    from fixtures.spec import FileSpec  # noqa: PLC0415

    jar = zipped({"a.env": DOTENV}, encrypted=True)
    image = clean_image(base(FileSpec("app", kind="dir"), FileSpec("app/x.jar", jar)))
    where = Path(str(tmp_path)) / "one.tar"
    result = scan_archive(write_docker_archive([image], where), options=ScanOptions(workers=1))
    [notice] = [n for n in result.notices if "of archive files" in n]
    assert ": 1 member of archive files was not examined for secrets" in notice
    assert notice.endswith("'/app/x.jar': a member is encrypted: 'a.env'")
