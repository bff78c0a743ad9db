"""The layered filesystem: OCI whiteout rules, and what every layer did to every path."""

from __future__ import annotations

import hashlib

from analyzer.filesystem.layered import LayeredFS
from analyzer.filesystem.model import Change, Entry, EntryKind, LayerListing


def f(
    path: str, mode: int = 0o644, sha: str = "", kind: EntryKind = EntryKind.FILE, link: str = ""
) -> Entry:
    return Entry(path, kind, mode, 0, 0, 5, 0.0, link=link, digest=digest_of(sha) if sha else b"")


def digest_of(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


def d(path: str) -> Entry:
    return Entry(path, EntryKind.DIR, 0o755, 0, 0, 0, 0.0)


def layer(
    *entries: Entry, whiteouts: tuple[str, ...] = (), opaque: tuple[str, ...] = ()
) -> LayerListing:
    return LayerListing(
        "sha256:x", "sha256:y", "none", 0, 0, entries, whiteouts, opaque, (), len(entries)
    )


def test_file_deleted_in_a_later_layer_is_gone_but_recoverable_from_its_layer() -> None:
    fs = LayeredFS.build(
        [layer(d("/app"), f("/app/id_rsa", sha="k")), layer(whiteouts=("/app/id_rsa",))]
    )
    assert fs.get("/app/id_rsa") is None
    [removed] = [
        r for r in fs.removed() if r.version.entry and r.version.entry.path == "/app/id_rsa"
    ]
    assert (removed.version.layer, removed.how, removed.by_layer) == (0, "deleted", 1)
    assert [v.change for v in fs.history("/app/id_rsa")] == [Change.ADDED, Change.DELETED]
    assert fs.history("/app/id_rsa")[1].cause == "whiteout"


def test_whiteout_of_a_directory_deletes_everything_below_it() -> None:
    fs = LayeredFS.build([layer(f("/a/b/c"), f("/a/x")), layer(whiteouts=("/a",))])
    assert fs.paths() == []
    assert {r.version.entry.path for r in fs.removed() if r.version.entry} >= {"/a/b/c", "/a/x"}


def test_opaque_directory_hides_lower_children_but_keeps_its_own() -> None:
    fs = LayeredFS.build(
        [
            layer(f("/cache/old1"), f("/cache/old2"), f("/other")),
            layer(d("/cache"), f("/cache/new"), opaque=("/cache",)),
        ]
    )
    assert fs.listdir("/cache") == ["new"]
    assert fs.get("/other") is not None
    assert fs.history("/cache/old1")[-1].cause == "opaque"


def test_file_shadowed_by_a_later_layer_keeps_the_old_version_recoverable() -> None:
    fs = LayeredFS.build([layer(f("/etc/app.conf", sha="v1")), layer(f("/etc/app.conf", sha="v2"))])
    final = fs.get("/etc/app.conf")
    assert final is not None and final.sha256 == digest_of("v2").hex()
    shadowed = [
        r for r in fs.removed() if r.version.entry and r.version.entry.digest == digest_of("v1")
    ]
    assert shadowed and shadowed[0].how == "shadowed" and shadowed[0].by_layer == 1
    assert [v.change for v in fs.history("/etc/app.conf")] == [Change.ADDED, Change.MODIFIED]


def test_setuid_bit_set_then_cleared_shows_in_history() -> None:
    fs = LayeredFS.build([layer(f("/x", 0o644)), layer(f("/x", 0o4644)), layer(f("/x", 0o644))])
    modes = [v.entry.mode for v in fs.history("/x") if v.entry]
    assert modes == [0o644, 0o4644, 0o644]
    final = fs.get("/x")
    assert final is not None and not final.is_setuid


def test_missing_parents_are_created_implicitly() -> None:
    fs = LayeredFS.build([layer(f("/usr/local/bin/tool"))])
    usr = fs.get("/usr/local")
    assert usr is not None and usr.kind is EntryKind.DIR and usr.implicit


def test_later_duplicate_in_the_same_layer_wins() -> None:
    fs = LayeredFS.build([layer(f("/x", sha="first"), f("/x", sha="second"))])
    assert [v.change for v in fs.history("/x")] == [Change.ADDED]
    final = fs.get("/x")
    assert final is not None and final.digest == digest_of("second")


def test_a_path_stored_again_in_one_layer_is_one_notice_saying_how_many_times() -> None:
    # /a as a file, a file again, then a directory (the hostile dups.tar): one notice, not two
    fs = LayeredFS.build([layer(f("/a", sha="1"), f("/a", sha="2"), d("/a"), f("/a/b"))])
    assert fs.notices == ["/a appears 3 times in layer 0; the last entry wins"]
    fs = LayeredFS.build([layer(f("/x"), f("/x")), layer(f("/x"), f("/x"), f("/y"), f("/y"))])
    assert fs.notices == [
        "/x appears twice in layer 0; the last entry wins",
        "/x appears twice in layer 1; the last entry wins",
        "/y appears twice in layer 1; the last entry wins",
    ]


def test_file_replacing_a_directory_removes_its_contents() -> None:
    fs = LayeredFS.build([layer(f("/opt/a/b")), layer(f("/opt/a"))])
    assert fs.get("/opt/a/b") is None
    assert fs.history("/opt/a/b")[-1].cause == "replaced"


def test_directory_entry_over_a_lower_symlink_replaces_the_symlink() -> None:
    fs = LayeredFS.build(
        [layer(f("/lib", kind=EntryKind.SYMLINK, link="usr/lib")), layer(f("/lib/libx.so"))]
    )
    lib = fs.get("/lib")
    assert lib is not None and lib.kind is EntryKind.DIR


def test_hardlink_takes_content_of_its_target_in_a_lower_layer() -> None:
    fs = LayeredFS.build(
        [
            layer(f("/bin/busybox", 0o755, sha="bb")),
            layer(f("/bin/sh", kind=EntryKind.HARDLINK, link="/bin/busybox")),
        ]
    )
    sh = fs.get("/bin/sh")
    assert sh is not None and sh.kind is EntryKind.HARDLINK and sh.digest == digest_of("bb")


def test_hardlink_to_a_missing_target_is_a_notice() -> None:
    fs = LayeredFS.build([layer(f("/a", kind=EntryKind.HARDLINK, link="/nowhere"))])
    assert any("missing /nowhere" in n for n in fs.notices)


def test_symlinks_resolve_inside_the_image_root_only() -> None:
    fs = LayeredFS.build(
        [
            layer(
                f("/etc/evil", kind=EntryKind.SYMLINK, link="../../../../etc/shadow"),
                f("/etc/shadow"),
                f("/abs", kind=EntryKind.SYMLINK, link="/etc/shadow"),
                f("/bin", kind=EntryKind.SYMLINK, link="usr/bin"),
                f("/usr/bin/sh"),
            )
        ]
    )
    assert fs.resolve("/etc/evil") == "/etc/shadow"
    assert fs.resolve("/abs") == "/etc/shadow"
    assert fs.resolve("/bin/sh") == "/usr/bin/sh"
    assert fs.resolve("/bin", follow_last=False) == "/bin"


def test_symlink_loops_and_long_chains_do_not_resolve() -> None:
    loop = layer(
        f("/a", kind=EntryKind.SYMLINK, link="b"), f("/b", kind=EntryKind.SYMLINK, link="a")
    )
    assert LayeredFS.build([loop]).resolve("/a") is None
    chain = [f(f"/l{i}", kind=EntryKind.SYMLINK, link=f"l{i + 1}") for i in range(60)]
    assert LayeredFS.build([layer(*chain)], max_symlink_hops=40).resolve("/l0") is None


def test_a_hard_link_is_another_name_of_its_target_s_file_after_the_target_is_deleted() -> None:
    fs = LayeredFS.build(
        [
            layer(
                d("/a"),
                f("/a/orig", sha="k"),
                f("/a/alias", kind=EntryKind.HARDLINK, link="/a/orig"),
            ),
            layer(whiteouts=("/a/orig",)),
        ]
    )
    [(name, version)] = fs.hard_links(0, "/a/orig", digest_of("k"))
    assert name == "/a/alias" and fs.final_version("/a/alias") == version
    [(name, version)] = fs.hard_links(0, "/a/alias", digest_of("k"))
    assert name == "/a/orig" and version.layer == 0 and fs.get("/a/orig") is None


def test_hard_links_chain_to_one_file_across_layers() -> None:
    fs = LayeredFS.build(
        [
            layer(f("/x", sha="k"), f("/y", kind=EntryKind.HARDLINK, link="/x")),
            layer(f("/z", kind=EntryKind.HARDLINK, link="/y")),
        ]
    )
    assert [name for name, _ in fs.hard_links(1, "/z", digest_of("k"))] == ["/x", "/y"]
    assert [name for name, _ in fs.hard_links(0, "/x", digest_of("k"))] == ["/y", "/z"]


def test_a_file_written_again_in_the_same_layer_is_not_the_file_an_earlier_link_names() -> None:
    fs = LayeredFS.build(
        [layer(f("/x", sha="old"), f("/y", kind=EntryKind.HARDLINK, link="/x"), f("/x", sha="new"))]
    )
    assert [name for name, _ in fs.hard_links(0, "/x", digest_of("old"))] == ["/y"]
    assert fs.hard_links(0, "/x", digest_of("new")) == []
    assert fs.hard_links(0, "/lone", b"") == []
