"""Hostile and broken archives: a clear error or a notice, never a crash, never a write."""

from __future__ import annotations

import builtins
import json
import os
from pathlib import Path
from typing import Any

import pytest

from analyzer import (
    AnalyzerError,
    ArchiveError,
    DigestMismatch,
    EntryKind,
    LimitExceeded,
    Limits,
    ManifestError,
    MissingBlob,
    UnsafeInput,
    UnsupportedFormat,
    read_archive,
)
from fixtures.oci import oci_content
from fixtures.outer import write_tar_archive
from fixtures.spec import FileSpec, ImageSpec, LayerSpec
from fixtures.tarwriter import tar_bytes


@pytest.mark.parametrize(
    ("name", "error", "says"),
    [
        ("hostile-truncated", ArchiveError, "truncated"),
        ("hostile-digest-mismatch", DigestMismatch, "expected sha256:"),
        ("hostile-diffid-mismatch", DigestMismatch, "rootfs.diff_ids"),
        ("hostile-missing-blob", MissingBlob, "not present in the archive"),
        ("hostile-bad-manifest-json", ManifestError, "not valid JSON"),
        ("hostile-bad-index-json", ManifestError, "not valid JSON"),
        ("hostile-layer-not-tar", ArchiveError, "not a tar archive"),
        ("hostile-empty-tar", UnsupportedFormat, "empty tar archive"),
        ("hostile-bare-rootfs", UnsupportedFormat, "root filesystem tar"),
        ("hostile-single-layer", UnsupportedFormat, "single image layer"),
        ("hostile-oci-blob-symlink", UnsafeInput, "outside the archive"),
        ("hostile-pax-huge", LimitExceeded, "extended tar header"),
    ],
)
def test_broken_input_gets_a_clear_error(
    name: str, error: type[AnalyzerError], says: str, built: dict[str, Path]
) -> None:
    with pytest.raises(error, match=says):
        read_archive(built[name])


def test_a_manifest_missing_from_an_oci_layout_is_named_by_its_digest_once(
    tmp_path: Path,
) -> None:
    content = oci_content([ImageSpec(layers=(LayerSpec((FileSpec("a", b"1"),)),))])
    index = json.loads(content.data("index.json"))
    missing = "sha256:" + "ab" * 32
    index["manifests"][0]["digest"] = missing
    content.add_file("index.json", json.dumps(index).encode())
    with pytest.raises(MissingBlob) as raised:
        read_archive(write_tar_archive(content, tmp_path / "missing-manifest.tar"))
    assert str(raised.value).startswith(
        f"manifest {missing} (index.json manifests[0]): 'blobs/sha256/{'ab' * 32}' is not in "
        "the archive"
    )


def test_an_archive_whose_every_member_escapes_says_so_not_that_it_is_empty(
    tmp_path: Path,
) -> None:
    # tars made to test extractors: every name is absolute or climbs out with `..`; none
    # is read, and the error must not call a tar of two members empty
    archive = tmp_path / "escapes.tar"
    archive.write_bytes(tar_bytes([FileSpec("../a.txt", b"a\n"), FileSpec("/tmp/b.txt", b"b\n")]))
    with pytest.raises(UnsupportedFormat) as raised:
        read_archive(archive)
    message = str(raised.value)
    assert "empty" not in message
    assert "2 member(s) all have names outside the archive" in message
    assert "'../a.txt'" in message


def test_gzip_bomb_stops_at_the_byte_limit(built: dict[str, Path]) -> None:
    with pytest.raises(LimitExceeded, match="decompression bomb"):
        read_archive(built["hostile-bomb-gzip"], limits=Limits(max_layer_bytes=8 << 20))
    with pytest.raises(LimitExceeded, match="in total"):
        read_archive(built["hostile-bomb-gzip"], limits=Limits(max_total_bytes=8 << 20))


def test_entry_bomb_stops_at_the_entry_limit(built: dict[str, Path]) -> None:
    with pytest.raises(LimitExceeded, match="tar entries"):
        read_archive(built["hostile-bomb-entries"], limits=Limits(max_entries=10_000))


def test_traversal_entries_are_clamped_inside_the_image_and_reported(
    built: dict[str, Path],
) -> None:
    result = read_archive(built["hostile-traversal"])
    fs = result.images[0].fs
    assert fs.get("/etc/cron.d/evil") is not None
    assert all(path.startswith("/") and ".." not in path.split("/") for path in fs.all_paths())
    assert any("'../../etc/cron.d/evil' points outside the image root" in n for n in result.notices)


def test_absolute_entries_are_read_relative_to_the_image_root(built: dict[str, Path]) -> None:
    result = read_archive(built["hostile-absolute"])
    assert result.images[0].fs.get("/root/.ssh/authorized_keys") is not None
    assert any("'/etc/passwd' points outside the image root" in n for n in result.notices)


def test_symlinks_escaping_the_root_resolve_inside_it(built: dict[str, Path]) -> None:
    fs = read_archive(built["hostile-symlink-escape"]).images[0].fs
    links = [p for p in fs.paths() if (e := fs.get(p)) and e.kind is EntryKind.SYMLINK]
    assert links
    for link in links:
        resolved = fs.resolve(link)
        assert resolved is None or resolved.startswith("/")


def test_symlink_loops_do_not_hang(built: dict[str, Path]) -> None:
    fs = read_archive(built["hostile-symlink-loop"]).images[0].fs
    results = {p: fs.resolve(p) for p in fs.paths()}
    assert None in results.values()


def test_hardlinks_outside_or_to_nothing_become_notices(built: dict[str, Path]) -> None:
    notices = read_archive(built["hostile-hardlink"]).notices
    assert any("points outside the image root" in n for n in notices)
    assert any("points to missing" in n for n in notices)


def test_device_nodes_and_fifos_are_listed_not_opened(built: dict[str, Path]) -> None:
    fs = read_archive(built["hostile-devices"]).images[0].fs
    kinds = {e.kind for p in fs.paths() if (e := fs.get(p)) is not None}
    assert {EntryKind.CHARDEV, EntryKind.BLOCKDEV, EntryKind.FIFO} <= kinds


def test_duplicate_entries_in_a_layer_last_one_wins_with_a_notice(built: dict[str, Path]) -> None:
    result = read_archive(built["hostile-duplicate"])
    assert any("appears twice" in n for n in result.notices)


def test_unsafe_outer_member_names_are_ignored_with_a_notice(built: dict[str, Path]) -> None:
    result = read_archive(built["hostile-outer-traversal"])
    assert len(result.images) == 1
    assert any("'../evil' has an unsafe path" in n for n in result.notices)


@pytest.mark.parametrize(
    "name",
    [
        "hostile-traversal",
        "hostile-absolute",
        "hostile-symlink-escape",
        "hostile-hardlink",
        "hostile-outer-traversal",
        "hostile-devices",
        "docker-legacy.tar.gz",
        "oci-dir-zstd",
    ],
)
def test_reading_never_opens_anything_for_writing(
    name: str, built: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open, real_os_open = builtins.open, os.open
    writes: list[str] = []

    def guarded_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(flag in mode for flag in "wax+"):
            writes.append(str(file))
        return real_open(file, mode, *args, **kwargs)

    def guarded_os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            writes.append(str(path))
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)
    read_archive(built[name])
    assert writes == []


def test_a_directory_that_is_no_image_layout_is_called_a_directory(tmp_path: Path) -> None:
    """`image-audit scan some/dir` names what it was given: a directory, not a tar archive."""
    with pytest.raises(UnsupportedFormat, match="it is an empty directory"):
        read_archive(tmp_path)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(UnsupportedFormat, match="it is a directory without manifest"):
        read_archive(tmp_path)
