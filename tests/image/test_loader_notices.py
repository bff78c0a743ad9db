"""What the loader says about archive members it refuses to use."""

from __future__ import annotations

from pathlib import Path

from analyzer.archive.source import open_archive
from analyzer.image.loader import load_catalog
from fixtures.documents import OciDocuments
from fixtures.example import example_image
from fixtures.outer import write_tar_archive


def test_every_unsafe_member_is_accounted_for_even_beyond_the_twenty_named(
    tmp_path: Path,
) -> None:
    content = OciDocuments.of(example_image()).content()
    for i in range(1000):
        content.add_file(f"../escape{i}", b"x")
    catalog = load_catalog(open_archive(write_tar_archive(content, tmp_path / "a.tar")))
    named = [n for n in catalog.notices if "has an unsafe path" in n]
    assert len(named) == 20 and "'../escape0'" in named[0]
    assert "... and 980 more archive members with unsafe paths were ignored" in catalog.notices
