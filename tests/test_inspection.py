"""`inspect` and `ls` read an archive with a redactor per image, built outside the CLI."""

from __future__ import annotations

from pathlib import Path

from analyzer.inspection import inspect_archive
from fixtures.catalog import build
from fixtures.leaky_image import CONFIG_KEY, FILE_TOKEN, write_leaky_image


def test_each_image_gets_a_redactor_for_its_config_secrets(tmp_path: Path) -> None:
    seen = inspect_archive(write_leaky_image(tmp_path / "leaky.tar"))
    [scrub] = seen.scrubs
    assert len(seen.read.images) == 1
    assert CONFIG_KEY not in scrub(f"key {CONFIG_KEY} here")
    assert CONFIG_KEY not in seen.archive_scrub(f"tag {CONFIG_KEY}")


def test_a_token_in_a_reference_or_a_file_name_is_redacted_without_a_scan(
    tmp_path: Path,
) -> None:
    seen = inspect_archive(write_leaky_image(tmp_path / "leaky.tar"))
    assert FILE_TOKEN not in seen.scrubs[0](f"/app/{FILE_TOKEN}.txt")  # a tag and names hold it
    assert FILE_TOKEN not in seen.archive_scrub(f"leak/app:{FILE_TOKEN}")


def test_a_secret_only_inside_a_file_is_unknown_without_a_scan(tmp_path: Path) -> None:
    """The documented limit: inspect and ls examine no file content."""
    [archive] = build(tmp_path, ["example"])
    seen = inspect_archive(archive)
    assert seen.scrubs[0]("fixture-password-1") == "fixture-password-1"  # in /app/config/.env
