"""Whole archives from the adversarial campaign's classes, run as a user runs the tool: each ends
with exit 2 and one line naming the problem, inside 1 GiB and well within a minute; never a hang,
a traceback or exit 3."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from analyzer import read_archive
from fixtures.documents import LegacyDocuments
from fixtures.example import example_image
from fixtures.hostile_layers import (
    Packing,
    deep_paths_tar,
    pax_entry,
    write_archive_with_layer,
    write_archive_with_layers,
)
from fixtures.hostile_outer import write_many_members, write_outer_bomb
from fixtures.hostile_streams import xz_declaring_dictionary
from fixtures.outer import ArchiveContent, write_tar_archive
from fixtures.tarwriter import END_OF_ARCHIVE, base256, raw_header
from tests.bounded import run_cli

NEGATIVE_PAX = raw_header(b"PaxHeader", typeflag=b"x", size=base256(-512)) + raw_header(b"a")


def assert_clear_error(done: subprocess.CompletedProcess[str], says: str) -> None:
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], done.stderr[-2000:]


def test_a_layer_pax_header_with_a_negative_size_ends_with_a_clear_error(tmp_path: Path) -> None:
    archive = write_archive_with_layer(tmp_path / "a.tar", NEGATIVE_PAX + END_OF_ARCHIVE)
    assert_clear_error(run_cli("inspect", "-q", str(archive)), "negative size")


def test_an_outer_pax_header_with_a_negative_size_ends_with_a_clear_error(tmp_path: Path) -> None:
    archive = tmp_path / "outer.tar"
    archive.write_bytes(raw_header(b"index.json", size=2) + b"{}".ljust(512, b"\0") + NEGATIVE_PAX)
    assert_clear_error(run_cli("inspect", "-q", str(archive)), "negative size")


def test_an_xz_layer_declaring_a_4_gib_dictionary_is_a_limit_not_a_memory_error(
    tmp_path: Path,
) -> None:
    content = ArchiveContent()
    content.add_file("layer.tar", xz_declaring_dictionary(bytes(4096)))
    packed = write_tar_archive(content, tmp_path / "x.tar")
    xz_outer = tmp_path / "x.tar.xz"
    xz_outer.write_bytes(xz_declaring_dictionary(packed.read_bytes()))
    assert_clear_error(run_cli("inspect", "-q", str(xz_outer)), "dictionary")


def test_an_outer_bzip2_bomb_stops_at_max_bytes(tmp_path: Path) -> None:
    bomb = write_outer_bomb(tmp_path / "bomb.tar.bz2", "bzip2", 8 << 30)
    done = run_cli("inspect", "-q", "--max-bytes", "64M", str(bomb))
    assert_clear_error(done, "raise --max-bytes")


def test_three_million_outer_members_stop_at_max_entries(tmp_path: Path) -> None:
    many = write_many_members(tmp_path / "many.tar", 3_000_000)
    assert_clear_error(run_cli("inspect", "-q", "--max-entries", "1000", str(many)), "1000")


@pytest.mark.parametrize("packing", ["none", "gzip"])
def test_a_4000_character_path_is_deleted_by_whiteouts_and_opaque_dirs_above_and_below(
    tmp_path: Path, packing: Packing
) -> None:
    deep = b"top000000/" + b"/".join([b"d"] * 1999)
    deletions = [
        pax_entry(deep + b"/.wh.f") + pax_entry(deep + b"/.wh..wh..opq"),  # at the deepest level
        pax_entry(b"top000000/.wh..wh..opq"),  # an opaque dir above it all
        pax_entry(b".wh.top000000"),  # a whiteout of the top
    ]
    for upper in deletions:
        tars = [deep_paths_tar(1), upper + END_OF_ARCHIVE]
        archive = write_archive_with_layers(tmp_path / "deep.tar", tars, packing)
        fs = read_archive(archive).images[0].fs
        assert fs.get("/" + deep.decode() + "/f") is None
    assert not any(path.startswith("/top000000") for path in fs.paths())


@pytest.mark.slow
@pytest.mark.parametrize("command", ["inspect", "scan"])
def test_a_16_mb_config_of_4_million_empty_history_steps_is_refused_inside_1_gib(
    tmp_path: Path, command: str
) -> None:
    docs = LegacyDocuments.of(example_image())
    steps = b"[" + b"{}," * 4_000_000 + b'{"created_by":"x"}]'
    config = docs.config.replace(b'"history":[', b'"history":' + steps + b',"was":[', 1)
    archive = write_tar_archive(docs.with_documents(config=config).content(), tmp_path / "h.tar")
    assert_clear_error(run_cli(command, "-q", str(archive)), "arrays and objects, over the limit")


def long_names_layer(count: int) -> bytes:
    """`count` empty files of 250-character names (ustar prefix + name, no extended header)."""
    prefix = b"d" * 150
    head = raw_header(prefix, typeflag=b"5")
    files = (
        raw_header(f"f{i}_".ljust(99, "x").encode(), fields={345: prefix}) for i in range(count)
    )
    return head + b"".join(files) + END_OF_ARCHIVE


@pytest.mark.slow
def test_740000_entries_of_250_character_names_stop_at_the_entry_limit_inside_1_gib(
    tmp_path: Path,
) -> None:
    """Names up to 256 characters used to cost one entry each: these took 1.1 GB and ended in
    MemoryError; each now counts as 1.36 entries and the default limit stops them."""
    archive = write_archive_with_layer(tmp_path / "long.tar", long_names_layer(740_000), "none")
    assert_clear_error(run_cli("inspect", "-q", str(archive), timeout=300), "tar entries")
