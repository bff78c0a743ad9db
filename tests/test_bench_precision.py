"""scripts/bench_precision.py: a host tree becomes a one-layer image holding exactly its files,
and the measurement counts secret findings by severity and names the files at medium or above."""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

import pytest

from analyzer.filesystem.model import EntryKind
from analyzer.reader import read_archive
from tests.scripts import load_script


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_script("bench_precision")


def host_tree(root: Path) -> Path:
    (root / "share/doc").mkdir(parents=True)
    (root / "share/doc/README").write_text("nothing secret here\n")
    (root / "share/app.ini").write_text("[db]\npassword = Kp9-mXt2Lq7Zr\n")
    (root / "share/tool").write_bytes(b"\x7fELF")
    os.chmod(root / "share/tool", 0o4755)
    (root / "share/link").symlink_to("doc/README")
    return root


def test_a_host_tree_becomes_a_one_layer_image_with_its_files_modes_and_links(
    bench: ModuleType, tmp_path: Path
) -> None:
    tree = host_tree(tmp_path / "host")
    archive = tmp_path / "image.tar"
    files, size = bench.write_image(archive, [(tree / "share", "usr/share")])
    assert (files, size) == (3, len("nothing secret here\n") + 30 + 4)
    [view] = read_archive(archive).images
    assert len(view.listings) == 1
    fs = view.fs
    assert fs.get("/usr") is not None and fs.get("/usr/share/doc/README") is not None
    tool, link = fs.get("/usr/share/tool"), fs.get("/usr/share/link")
    assert tool is not None and tool.is_setuid and tool.mtime == 1700000000
    assert link is not None and link.kind is EntryKind.SYMLINK and link.link == "doc/README"


def test_the_measure_counts_secret_findings_and_names_medium_or_above_files(
    bench: ModuleType, tmp_path: Path
) -> None:
    tree = host_tree(tmp_path / "host")
    archive = tmp_path / "image.tar"
    files, size = bench.write_image(archive, [(tree / "share", "usr/share")])
    measured = bench.measure("host", archive, files, size, 1)
    assert measured.medium_plus == 1 and measured.vendor == 0
    assert [f["path"] for f in measured.flagged] == ["/usr/share/app.ini"]
    assert measured.per_100mb(1) == pytest.approx(100 / measured.megabytes)
