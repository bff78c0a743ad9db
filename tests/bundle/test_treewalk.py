"""Walking and removing a folder tree: any depth, one descriptor, never through a link."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from analyzer.bundle.treewalk import Folder, Left, remove_tree, walk


def nest(folder: Path, depth: int) -> None:
    """A chain of `depth` nested folders "d/d/d..." in `folder`, each holding a file."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(depth):
        os.close(os.open("f", os.O_CREAT | os.O_WRONLY, dir_fd=fd))
        os.mkdir("d", dir_fd=fd)
        below = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = below
    os.close(fd)


def steps(top: Path) -> Iterator[Folder | Left]:
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        yield from walk(fd)
    finally:
        os.close(fd)


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_tree_deeper_than_pythons_stack_is_walked_holding_one_descriptor(
    tmp_path: Path,
) -> None:
    depth = sys.getrecursionlimit() + 500
    nest(tmp_path, depth)
    try:
        before, most, folders = open_descriptors(), 0, []
        for step in steps(tmp_path):
            most = max(most, open_descriptors())
            if isinstance(step, Folder):
                folders.append(step.path)
        assert folders == ["/".join(["d"] * n) for n in range(depth + 1)]
        assert most <= before + 3 and open_descriptors() == before
    finally:
        remove(tmp_path, "d")  # pytest's own clean-up is recursive


def remove(folder: Path, name: str) -> None:
    parent = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        remove_tree(parent, name)
    finally:
        os.close(parent)


def test_each_folder_is_left_once_after_everything_in_it(tmp_path: Path) -> None:
    for name in ("a/x/deep", "a/y", "b"):
        (tmp_path / name).mkdir(parents=True)
    seen = [
        step.path if isinstance(step, Folder) else f"left {step.name}" for step in steps(tmp_path)
    ]
    left = [f"left {name}" for name in ("a", "x", "deep", "y", "b")]
    assert sorted(seen) == sorted(["", "a", "a/x", "a/x/deep", "a/y", "b", *left])
    assert seen.index("left deep") < seen.index("left x") < seen.index("left a")
    assert seen.index("a/y") < seen.index("left a")
    assert seen.index("a/x/deep") < seen.index("left x")


def test_removal_takes_a_deep_tree_whole(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    nest(tmp_path / "old", sys.getrecursionlimit() + 500)
    try:
        remove(tmp_path, "old")
        assert list(tmp_path.iterdir()) == []
    finally:
        subprocess.run(["rm", "-rf", str(tmp_path / "old")], check=False)


def test_removal_never_follows_a_symlink(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "sub" / "keep.txt").write_text("keep")
    old = tmp_path / "old"
    (old / "folder").mkdir(parents=True)
    (old / "folder" / "to-dir").symlink_to(outside, target_is_directory=True)
    (old / "to-file").symlink_to(outside / "sub" / "keep.txt")
    remove(tmp_path, "old")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outside"]
    assert (outside / "sub" / "keep.txt").read_text() == "keep"


def test_a_folder_moved_during_the_walk_stops_it_instead_of_leading_it_elsewhere(
    tmp_path: Path,
) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(OSError, match="moved while it was being walked"):
        for step in steps(tmp_path):
            if isinstance(step, Folder) and step.path == "a/b":
                (tmp_path / "a" / "b").rename(tmp_path / "elsewhere" / "b")
