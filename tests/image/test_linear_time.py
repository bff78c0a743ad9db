"""Whatever a user can make big (references, images, tags, history) is read in linear time.

Tests never measure time: the big cases run in a subprocess with a timeout far above what the
linear reader needs (seconds) and far below what the old quadratic one took (many minutes);
the rest count operations.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from analyzer import LimitExceeded
from analyzer.archive.source import Archive, open_archive
from analyzer.image import names
from analyzer.image.loader import load_catalog
from fixtures.big import (
    many_tags_legacy,
    nested_names_layout,
    shared_config_layout,
)

ROOT = Path(__file__).resolve().parents[2]


def run_reader(build: str, tmp_path: Path, timeout: float = 120) -> str:
    """Build an input with `build` (code using `big` and `dest`) and list its catalog, in a
    subprocess."""
    code = textwrap.dedent(f"""
        from pathlib import Path
        from fixtures import big
        from analyzer.archive.source import open_archive
        from analyzer.image.loader import load_catalog
        dest = Path({str(tmp_path / "input")!r})
        {build}
        catalog = load_catalog(open_archive(dest))
        print(len(catalog.images), sum(len(image.refs) for image in catalog.images))
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return done.stdout.strip()


def test_index_listing_one_manifest_under_30000_tags_reads_in_linear_time(
    tmp_path: Path,
) -> None:
    # two names per entry (containerd's image name and the ref name)
    assert run_reader("big.many_names_layout(dest, 30_000)", tmp_path) == "1 60000"


def test_manifest_json_with_20000_entries_of_one_image_reads_in_linear_time(
    tmp_path: Path,
) -> None:
    assert run_reader("big.many_tags_legacy(dest, 20_000, 5)", tmp_path) == "1 100000"


@pytest.mark.slow
def test_5000_images_sharing_a_config_with_10000_history_steps_read_in_linear_time(
    tmp_path: Path,
) -> None:
    assert run_reader("big.shared_config_layout(dest, 5000, 10_000)", tmp_path) == "5000 0"


def counted_reads(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count the archive's reads of small members (documents), by member name."""
    reads: Counter[str] = Counter()
    real_read = archive.read_small

    def counting(name: str, what: str) -> bytes:
        reads[name] += 1
        return real_read(name, what)

    monkeypatch.setattr(archive, "read_small", counting)
    return reads


def test_config_shared_by_many_images_is_read_and_verified_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = open_archive(shared_config_layout(tmp_path / "a", 200, 50))
    reads = counted_reads(archive, monkeypatch)
    catalog = load_catalog(archive)
    assert len(catalog.images) == 200
    [config] = {image.config_member for image in catalog.images}
    assert reads[config] == 1
    assert max(reads.values()) == 1  # every manifest, and index.json, read once too
    assert Counter(digest for _, digest in catalog.verified)[catalog.images[0].config_digest] == 1


def test_legacy_config_listed_by_many_entries_is_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = open_archive(many_tags_legacy(tmp_path / "a", 300, 2))
    reads = counted_reads(archive, monkeypatch)
    [image] = load_catalog(archive).images
    assert len(image.refs) == 600
    assert reads[image.config_member] == 1


def test_tags_of_a_nested_index_name_every_image_below_it(tmp_path: Path) -> None:
    catalog = load_catalog(open_archive(nested_names_layout(tmp_path / "a", 30, 20)))
    assert len(catalog.images) == 30
    assert {len(image.refs) for image in catalog.images} == {40}


def test_tags_multiplied_by_images_beyond_the_limit_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(names, "MAX_IMAGE_NAMES", 1000)
    with pytest.raises(LimitExceeded, match="more than 1000 times"):
        load_catalog(open_archive(nested_names_layout(tmp_path / "a", 30, 20)))
