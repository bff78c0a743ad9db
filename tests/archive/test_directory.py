"""An image layout given as a directory is listed without recursion and without following a
symlink, whatever its depth: a hostile tree is read or refused with one clear line."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from analyzer import AnalyzerError, ArchiveError, Limits, read_archive
from analyzer.archive.directory import list_directory
from analyzer.archive.source import open_archive
from analyzer.bundle.custody import input_facts
from fixtures.example import example_image
from fixtures.imageconfig import build_image
from fixtures.oci import oci_content
from fixtures.outer import write_tree


def image_layout(dest: Path) -> Path:
    return write_tree(oci_content([build_image(example_image())]), dest)


@contextmanager
def folder_chain(top: Path, depth: int) -> Iterator[None]:
    """`depth` nested folders named d below `top`, made through descriptors (the whole path
    may be longer than the system takes), removed a level at a time from the top (pytest's
    cleanup, shutil.rmtree, recurses)."""
    fd = os.open(top, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            below = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = below
        yield
    finally:
        os.close(fd)
        while (top / "d" / "d").exists():  # move the chain below d up one level, drop d
            os.rename(top / "d" / "d", top / "up")
            os.rmdir(top / "d")
            os.rename(top / "up", top / "d")
        (top / "d").rmdir()


def test_an_image_layout_holding_a_chain_of_1200_nested_folders_is_read(tmp_path: Path) -> None:
    layout = image_layout(tmp_path / "layout")
    with folder_chain(layout, 1200):
        assert read_archive(layout).images
        assert "d/" * 1199 + "d" in open_archive(layout).members


def test_a_folder_chain_longer_than_a_path_can_be_is_one_clear_error(tmp_path: Path) -> None:
    layout = image_layout(tmp_path / "layout")
    with folder_chain(layout, 2100), pytest.raises(AnalyzerError) as caught:
        open_archive(layout)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400, message


def test_the_listing_goes_depth_first_in_name_order(tmp_path: Path) -> None:
    for name in ("b/y", "a/z", "b/x"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "c").write_bytes(b"12")
    listed = [(found.name, found.kind, found.size) for found in list_directory(tmp_path, Limits())]
    assert listed == [
        ("a", "dir", 0),
        ("b", "dir", 0),
        ("c", "file", 2),
        ("a/z", "file", 0),
        ("b/x", "file", 0),
        ("b/y", "file", 0),
    ]


def test_a_symlink_to_a_folder_is_listed_as_a_link_and_not_entered(tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret").write_bytes(b"")
    (tmp_path / "layout").mkdir()
    (tmp_path / "layout" / "link").symlink_to(tmp_path / "outside")
    listed = list(list_directory(tmp_path / "layout", Limits()))
    assert [(found.name, found.kind) for found in listed] == [("link", "symlink")]
    assert listed[0].link == str(tmp_path / "outside")


def test_a_folder_swapped_for_a_link_while_listing_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside" / "nested").mkdir(parents=True)
    (tmp_path / "outside" / "nested" / "secret").write_bytes(b"")
    (tmp_path / "layout" / "blobs" / "nested").mkdir(parents=True)
    listing = list_directory(tmp_path / "layout", Limits())
    assert [next(listing).name, next(listing).name] == ["blobs", "blobs/nested"]
    (tmp_path / "layout" / "blobs" / "nested").rmdir()  # before blobs/nested is entered
    (tmp_path / "layout" / "blobs").rmdir()
    (tmp_path / "layout" / "blobs").symlink_to(tmp_path / "outside")
    with pytest.raises(ArchiveError, match="'blobs/nested' was replaced while"):
        next(listing)


def test_a_folder_that_became_a_link_is_not_entered(tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "layout" / "blobs").mkdir(parents=True)
    listing = list_directory(tmp_path / "layout", Limits())
    assert next(listing).name == "blobs"
    (tmp_path / "layout" / "blobs").rmdir()
    (tmp_path / "layout" / "blobs").symlink_to(tmp_path / "outside")
    with pytest.raises(ArchiveError, match="'blobs' cannot be listed"):
        next(listing)


def test_a_flat_folder_over_the_entry_limit_is_refused_before_it_is_listed_whole(
    tmp_path: Path,
) -> None:
    for i in range(50):
        (tmp_path / f"f{i:02d}").write_bytes(b"")
    with pytest.raises(AnalyzerError, match="more than 20 files and directories"):
        list(list_directory(tmp_path, Limits(max_entries=20)))
    assert len(list(list_directory(tmp_path, Limits(max_entries=50)))) == 50


def test_the_custody_hash_of_a_layout_holding_a_deep_folder_chain_is_taken(
    tmp_path: Path,
) -> None:
    """scan --bundle and verify hash an input directory as a sorted listing of its files:
    the listing must not recurse either (Path.rglob did)."""
    layout = image_layout(tmp_path / "layout")
    flat = input_facts(layout)
    with folder_chain(layout, 1200):
        assert input_facts(layout) == flat  # empty folders add no line
