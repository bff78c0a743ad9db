"""The entry budget bounds memory: long names, big attributes and implied directories count."""

from __future__ import annotations

import io
import sys
import tarfile

import pytest

from analyzer.errors import LimitExceeded
from analyzer.filesystem.budget import Budget
from analyzer.filesystem.walk import walk_layer
from analyzer.limits import Limits
from fixtures.hostile_layers import deep_paths_tar
from tests.bounded import run_bounded


def tar_of(*members: tuple[str, str, dict[str, str]]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, pax in members:
            info = tarfile.TarInfo(name)
            info.type = tarfile.DIRTYPE if kind == "dir" else tarfile.REGTYPE
            info.pax_headers = pax
            tar.addfile(info)
    return out.getvalue()


def entries_charged(data: bytes) -> int:
    budget = Budget(Limits())
    walk_layer(iter([data]), "layer", budget)
    return budget.entries


def test_listed_directories_cost_one_entry_each() -> None:
    assert entries_charged(tar_of(("usr", "dir", {}), ("usr/bin", "dir", {}))) == 2
    assert entries_charged(tar_of(("usr/", "dir", {}), ("usr/x", "file", {}))) == 2


def test_directories_a_layer_implies_but_does_not_list_count_once_each() -> None:
    data = tar_of(("a/b/c/f1", "file", {}), ("a/b/c/f2", "file", {}), ("a/g", "file", {}))
    assert entries_charged(data) == 3 + 3  # the files, and a, a/b, a/b/c


def test_long_names_and_big_attributes_count_as_more_entries() -> None:
    long_name = "d/" * 1000 + "f"
    implied = sum(1 + sys.getsizeof("/d" * depth) // 512 for depth in range(1, 1001))
    expected = 1 + (sys.getsizeof(long_name) + sys.getsizeof("")) // 512 + implied
    assert entries_charged(tar_of((long_name, "file", {}))) == expected
    xattrs = {"SCHILY.xattr.user.blob": "x" * 4096}
    assert entries_charged(tar_of(("f", "file", xattrs))) == 1 + 8


def test_the_entry_limit_names_itself_and_the_flag() -> None:
    data = tar_of(*[(f"f{i}", "file", {}) for i in range(20)])
    with pytest.raises(LimitExceeded, match=r"more than 10 tar entries.*--max-entries"):
        walk_layer(iter([data]), "layer", Budget(Limits(max_entries=10)))


def test_a_layer_of_deep_paths_stops_at_the_limit_inside_1_gib() -> None:
    """1,000 files 2,000 directories deep imply 2 million directories of ~2 KB each: 4 GB."""
    outcome = run_bounded(
        """
        from analyzer.filesystem.budget import Budget
        from analyzer.filesystem.layered import LayeredFS
        from analyzer.filesystem.walk import walk_layer
        from analyzer.limits import Limits
        from fixtures.hostile_layers import deep_paths_tar
        listing = walk_layer(iter([deep_paths_tar(1000)]), "layer", Budget(Limits()))
        LayeredFS.build([listing])
        """,
        timeout=120,
    )
    assert outcome.error == "LimitExceeded"
    assert "tar entries" in outcome.line


def test_a_few_deep_paths_are_read_whole() -> None:
    listing = walk_layer(iter([deep_paths_tar(3)]), "layer", Budget(Limits()))
    assert len(listing.entries) == 3
    assert max(len(e.path) for e in listing.entries) == len("/top000000") + 2 * 1999 + 2
