"""`inspect` and `ls` read an archive with a redactor per image, built outside the CLI."""

from __future__ import annotations

from pathlib import Path

from analyzer.inspection import inspect_archive
from fixtures.leaky_image import CONFIG_KEY, FILE_TOKEN, write_leaky_image


def test_each_image_gets_a_redactor_for_its_config_secrets(tmp_path: Path) -> None:
    seen = inspect_archive(write_leaky_image(tmp_path / "leaky.tar"))
    [scrub] = seen.scrubs
    assert len(seen.read.images) == 1
    assert CONFIG_KEY not in scrub(f"key {CONFIG_KEY} here")
    assert CONFIG_KEY not in seen.archive_scrub(f"tag {CONFIG_KEY}")


def test_a_secret_only_in_a_file_is_unknown_without_a_scan(tmp_path: Path) -> None:
    seen = inspect_archive(write_leaky_image(tmp_path / "leaky.tar"))
    assert seen.scrubs[0](FILE_TOKEN) == FILE_TOKEN  # inspect examines no file content
