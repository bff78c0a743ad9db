"""The layered filesystem against a plain model of the OCI changeset rules, for any sequence of
layers; and paths as deep as the path limit allows, deleted by whiteouts and opaque directories."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.filesystem.layered import LayeredFS
from analyzer.filesystem.model import Entry, EntryKind, LayerListing
from analyzer.filesystem.paths import is_within, parent
from tests.bounded import run_bounded

NAMES = ["a", "b", "c"]


def listing(
    entries: Sequence[Entry], whiteouts: Sequence[str] = (), opaque: Sequence[str] = ()
) -> LayerListing:
    return LayerListing(
        "sha256:x", "sha256:y", "none", 0, 0, tuple(entries), tuple(whiteouts), tuple(opaque),
        (), len(entries),
    )  # fmt: skip


def model(layers: list[LayerListing]) -> dict[str, Entry]:
    """The final view, computed the slow obvious way: a dict of path -> entry."""
    final: dict[str, Entry] = {}

    def drop_below(path: str, itself: bool) -> None:
        for other in [p for p in final if is_within(p, path) and (itself or p != path)]:
            del final[other]

    for layer in layers:
        for directory in layer.opaque_dirs:
            drop_below(directory, itself=False)
        for path in layer.whiteouts:
            drop_below(path, itself=True)
        for entry in layer.entries:
            chain, up = [], parent(entry.path)
            while up != "/":
                chain.append(up)
                up = parent(up)
            for directory in reversed(chain):
                if directory not in final or final[directory].kind is not EntryKind.DIR:
                    final[directory] = Entry(
                        directory, EntryKind.DIR, 0o755, 0, 0, 0, entry.mtime, implicit=True
                    )
            if entry.kind is not EntryKind.DIR:
                drop_below(entry.path, itself=False)
            final[entry.path] = entry
    return final


paths = st.lists(st.sampled_from(NAMES), min_size=1, max_size=4).map(lambda p: "/" + "/".join(p))
entries = st.builds(
    lambda path, kind, mode: Entry(path, kind, mode, 0, 0, 0, 1.0),
    paths,
    st.sampled_from([EntryKind.FILE, EntryKind.DIR, EntryKind.SYMLINK]),
    st.sampled_from([0o644, 0o755]),
)
layers = st.builds(
    listing, st.lists(entries, max_size=6), st.lists(paths, max_size=2), st.lists(paths, max_size=2)
)


@settings(derandomize=True, max_examples=400)
@given(st.lists(layers, min_size=1, max_size=4))
def test_the_final_view_follows_the_oci_changeset_rules(stack: list[LayerListing]) -> None:
    fs = LayeredFS.build(stack)
    expected = model(stack)
    assert fs.paths() == sorted(expected)
    assert {path: fs.get(path) for path in fs.paths()} == expected
    for path in fs.all_paths():  # every path's history ends in its final state
        assert fs.history(path)[-1].entry == expected.get(path)


DEEP = "/" + "/".join(["d"] * 1999)  # 3,998 characters: 1,999 directories
LEAF = DEEP + "/f"


def deep_fs(*upper: LayerListing) -> LayeredFS:
    leaf = Entry(LEAF, EntryKind.FILE, 0o644, 0, 0, 1, 1.0)
    return LayeredFS.build([listing([leaf]), *upper])


def test_a_whiteout_at_the_top_of_a_2000_level_path_deletes_it_all() -> None:
    fs = deep_fs(listing([], whiteouts=["/d"]))
    assert fs.paths() == []
    assert fs.history(LEAF)[-1].cause == "whiteout"


def test_an_opaque_directory_near_the_root_of_a_2000_level_path_hides_it_all() -> None:
    fs = deep_fs(listing([Entry("/d/new", EntryKind.FILE, 0o644, 0, 0, 1, 1.0)], opaque=["/d"]))
    assert fs.paths() == ["/d", "/d/new"]


def test_whiteouts_and_opaque_dirs_at_the_deepest_level_apply_there() -> None:
    fs = deep_fs(listing([], whiteouts=[LEAF], opaque=[DEEP]))
    assert fs.get(LEAF) is None and fs.get(DEEP) is not None
    assert len(fs.paths()) == 1999


def test_a_file_replacing_the_top_of_a_2000_level_tree_removes_it() -> None:
    fs = deep_fs(listing([Entry("/d", EntryKind.FILE, 0o644, 0, 0, 1, 1.0)]))
    assert fs.paths() == ["/d"]


def test_resolving_many_links_through_long_bouncing_targets_stays_fast() -> None:
    outcome = run_bounded(
        """
        from analyzer.filesystem.layered import LayeredFS
        from analyzer.filesystem.model import Entry, EntryKind, LayerListing
        chain = "/".join(["c"] * 800)
        entries = [Entry("/" + chain, EntryKind.DIR, 0o755, 0, 0, 0, 1.0)]
        for i in range(2000):  # l0 -> down the chain, back up, -> l1 -> ... (40 hops each)
            target = chain + "/" + "../" * 800 + f"l{i + 1}"
            entries.append(Entry(f"/l{i}", EntryKind.SYMLINK, 0o777, 0, 0, 0, 1.0, link=target))
        fs = LayeredFS.build([LayerListing("x", "y", "none", 0, 0, tuple(entries), (), (), (), 0)])
        assert all(fs.resolve(f"/l{i}") in (None, f"/l{i + 40}") for i in range(2000))
        """
    )
    assert outcome.line == "OK"


def test_ordinary_symlink_chains_still_resolve() -> None:
    links = [Entry(f"/bin/l{i}", EntryKind.SYMLINK, 0o777, 0, 0, 0, 1.0, link=f"l{i + 1}")
             for i in range(30)]  # fmt: skip
    fs = LayeredFS.build([listing([*links, Entry("/bin/l30", EntryKind.FILE, 0, 0, 0, 0, 1.0)])])
    assert fs.resolve("/bin/l0") == "/bin/l30"
    assert fs.resolve("/usr/../bin/./l29") == "/bin/l30"


def test_a_million_kinds_of_trouble_make_twenty_notices_and_a_count() -> None:
    duplicates = [Entry("/same", EntryKind.FILE, 0o644, 0, 0, 0, 1.0)] * 1000
    dangling = [
        Entry(f"/h{i}", EntryKind.HARDLINK, 0o644, 0, 0, 0, 1.0, link="/nowhere")
        for i in range(500)
    ]
    fs = LayeredFS.build([listing(duplicates + dangling)])
    assert len(fs.notices) == 21
    assert fs.notices[0] == "/same appears 1000 times in layer 0; the last entry wins"
    assert fs.notices[-1] == "... and 481 more notices like these"
