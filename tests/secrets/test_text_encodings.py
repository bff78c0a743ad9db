"""Text files in other encodings than UTF-8 are read as the text they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.scan import scan_archive
from fixtures.detector_cases import base, clean_image
from fixtures.formats import write_docker_archive
from fixtures.spec import FileSpec

GITHUB_TOKEN = "ghp_" + "Q7xZ4rT2mWk5PlN3vB8cD1eF6gH9jK0LmN2p"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_secret_in_a_utf16_text_with_a_byte_order_mark_is_found(
    tmp_path: Path, encoding: str
) -> None:
    text = f"# written by PowerShell\nTOKEN={GITHUB_TOKEN}\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data  # the codec for one byte order writes no mark itself
    secret = FileSpec("app/settings.env", data)
    archive = write_docker_archive([clean_image(base(secret))], tmp_path / "utf16.tar")
    [report] = scan_archive(archive).images
    found = [f for f in report.findings if f.path == "/app/settings.env"]
    assert [(f.rule_id, f.line) for f in found] == [("IA-SECRET-DOTENV", 2)]
    assert GITHUB_TOKEN not in repr(report)
