"""The entry budget bounds memory: long names, big attributes and implied directories count."""

from __future__ import annotations

import io
import tarfile

import pytest

from analyzer.archive.tarheader import names_cost
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


def entries_charged(data: bytes) -> float:
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
    implied = sum(1 + names_cost("/d" * depth) for depth in range(1, 1001))
    expected = 1 + names_cost(long_name) + implied
    assert entries_charged(tar_of((long_name, "file", {}))) == pytest.approx(expected)
    xattrs = {"SCHILY.xattr.user.blob": "x" * 4096}
    assert entries_charged(tar_of(("f", "file", xattrs))) == 1 + 8


def test_names_up_to_64_characters_cost_one_entry_and_longer_ones_a_share_more() -> None:
    assert names_cost("x" * 64) == 0
    assert names_cost("x" * 65) == pytest.approx(1 / 512)
    assert names_cost("x" * 250) == pytest.approx(186 / 512)
    assert names_cost("x" * 64, "y" * 10) == pytest.approx(10 / 512)  # a link target counts too
    assert names_cost("é" * 64) > names_cost("e" * 64)  # by the bytes a string holds


def test_the_default_limit_admits_fewer_entries_of_long_names() -> None:
    """740,000 entries of 250 characters took 1.1 GB in a scan (MemoryError under 1 GiB); at
    1.36 entries each, the default limit stops them at 550,000 (0.8 GB measured)."""
    names = [f"{'d' * 150}/f{i}_".ljust(250, "x") for i in range(1000)]
    charged = entries_charged(tar_of(*[(name, "file", {}) for name in names]))
    implied = 1 + names_cost("/" + "d" * 150)
    assert charged == pytest.approx(implied + 1000 * (1 + 186 / 512))
    assert Limits().max_entries / (charged / 1000) < 551_000


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
