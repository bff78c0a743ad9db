"""The outer archive obeys the limits too: only regular files are read, a compressed archive
cannot unpack past --max-bytes, and its members count against --max-entries."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from analyzer import ArchiveError, LimitExceeded, Limits, read_archive
from analyzer.archive.source import open_archive
from fixtures.hostile_outer import (
    write_layout_with_special_layer,
    write_many_members,
    write_outer_bomb,
)
from fixtures.outer import wrap
from tests.bounded import run_bounded


def test_a_layer_that_is_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    layout = write_layout_with_special_layer(tmp_path / "layout", "fifo")
    outcome = run_bounded(
        f"from pathlib import Path; from analyzer import read_archive\n"
        f"read_archive(Path({str(layout)!r}))"
    )
    assert outcome.error == "ArchiveError"
    assert "not a regular file" in outcome.line


def test_a_layer_that_is_a_character_device_is_refused_unread(tmp_path: Path) -> None:
    try:
        layout = write_layout_with_special_layer(tmp_path / "layout", "chardev")
    except PermissionError:
        pytest.skip("creating a device node needs CAP_MKNOD")
    limits = "Limits(max_total_bytes=1 << 40, max_layer_bytes=1 << 40)"  # /dev/zero never ends
    outcome = run_bounded(
        "from pathlib import Path; from analyzer import Limits, read_archive; "
        f"read_archive(Path({str(layout)!r}), limits={limits})"
    )
    assert outcome.error == "ArchiveError"
    assert "not a regular file" in outcome.line


def test_a_layer_that_is_a_directory_is_a_clear_error(tmp_path: Path) -> None:
    layout = write_layout_with_special_layer(tmp_path / "layout", "dir")
    with pytest.raises(ArchiveError, match="is a directory, not a regular file"):
        read_archive(layout)


def test_a_layer_member_that_is_a_directory_in_a_tar_is_a_clear_error(tmp_path: Path) -> None:
    layout = write_layout_with_special_layer(tmp_path / "layout", "dir")
    packed = tmp_path / "layout.tar"
    with tarfile.open(packed, "w") as tar:
        tar.add(layout, arcname=".")
    with pytest.raises(ArchiveError, match="is a directory, not a regular file"):
        read_archive(packed)


@pytest.mark.parametrize("kind", ["gzip", "bzip2", "zstd"])
def test_a_compressed_archive_stops_unpacking_at_the_byte_limit(kind: str, tmp_path: Path) -> None:
    bomb = write_outer_bomb(tmp_path / f"bomb.{kind}", kind, 64 << 20)  # type: ignore[arg-type]
    with pytest.raises(LimitExceeded, match="unpacks to more than 8388608 bytes"):
        open_archive(bomb, Limits(max_total_bytes=8 << 20))


def test_an_8_gib_outer_bzip2_bomb_ends_early_inside_1_gib(tmp_path: Path) -> None:
    bomb = write_outer_bomb(tmp_path / "bomb.tar.bz2", "bzip2", 8 << 30)
    outcome = run_bounded(
        f"""
        from pathlib import Path
        from analyzer import Limits, read_archive
        read_archive(Path({str(bomb)!r}), limits=Limits(max_total_bytes=64 << 20))
        """
    )
    assert outcome.error == "LimitExceeded"


def test_outer_members_count_against_the_entry_limit(tmp_path: Path) -> None:
    many = write_many_members(tmp_path / "many.tar", 20_000)
    with pytest.raises(LimitExceeded, match="more than 1000 members in the archive"):
        open_archive(many, Limits(max_entries=1000))
    packed = wrap(many, "gzip")
    with pytest.raises(LimitExceeded, match="more than 1000 members in the archive"):
        open_archive(packed, Limits(max_entries=1000))
    assert len(open_archive(many).members) == 20_000


def test_a_directory_input_counts_against_the_entry_limit(tmp_path: Path) -> None:
    for i in range(30):
        (tmp_path / f"f{i}").write_bytes(b"")
    with pytest.raises(LimitExceeded, match="more than 20 files and directories"):
        open_archive(tmp_path, Limits(max_entries=20))


def test_an_outer_member_name_over_the_path_limit_is_refused(tmp_path: Path) -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(tarfile.TarInfo("d/" + "x" * 5000))
    path = tmp_path / "long.tar"
    path.write_bytes(out.getvalue())
    with pytest.raises(LimitExceeded, match="5002 characters"):
        open_archive(path)
    path.write_bytes(gzip.compress(out.getvalue()))
    with pytest.raises(LimitExceeded, match="5002 characters"):
        open_archive(path)


def test_many_small_members_of_a_compressed_archive_are_read_in_linear_time(
    tmp_path: Path,
) -> None:
    """Taking a member used to copy the rest of the decompressed chunk."""
    outcome = run_bounded(
        """
        from analyzer.archive.source import _Forward
        chunk = bytes(64 << 20)
        forward = _Forward(iter([chunk]), "archive")
        for offset in range(0, len(chunk), 1024):
            forward.skip_to(offset)
            assert sum(len(piece) for piece in forward.take(100)) == 100
        """
    )
    assert outcome.line == "OK"


def tar_named(names: list[str]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in names:
            tar.addfile(tarfile.TarInfo(name))
    return out.getvalue()


def test_outer_members_with_long_names_count_as_more_entries(tmp_path: Path) -> None:
    path = tmp_path / "long.tar"
    path.write_bytes(tar_named([f"{i:03d}/" + "n" * 3000 for i in range(100)]))
    assert len(open_archive(path, Limits(max_entries=800)).members) == 100
    with pytest.raises(LimitExceeded, match="more than 500 members"):
        open_archive(path, Limits(max_entries=500))  # each counts 1 + 6


def test_unsafe_member_names_are_kept_up_to_twenty_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "unsafe.tar"
    path.write_bytes(tar_named(["index.json"] + [f"../escape{i}" for i in range(1000)]))
    archive = open_archive(path)
    assert archive.unsafe_names[:2] == ["../escape0", "../escape1"]
    assert (len(archive.unsafe_names), archive.unsafe_dropped) == (20, 980)


def test_an_input_replaced_while_it_is_read_is_named_as_changed_not_truncated(
    tmp_path: Path,
) -> None:
    """The input is opened again for each pass: a file moved over it, or written to, after it
    was indexed is refused as changed (it was reported as truncated, or read as another)."""
    from fixtures.detector_cases import clean_image  # noqa: PLC0415
    from fixtures.formats import write_docker_archive  # noqa: PLC0415

    path = write_docker_archive([clean_image()], tmp_path / "in.tar")
    archive = open_archive(path)
    member = next(m for m in archive.members.values() if m.kind == "file" and m.size)
    other = tmp_path / "other.tar"
    other.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    other.replace(path)
    with pytest.raises(ArchiveError, match="the input changed while it was being read"):
        b"".join(archive.chunks(member))
