"""Images that share a config (tags of one build, manifests differing only in annotations) cost
one examination of that config, not one per image."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from analyzer.detectors.context import ScanOptions
from analyzer.scan import scan_archive
from analyzer.secrets import config as config_module
from fixtures import big
from tests.bounded import run_cli


def test_a_config_shared_by_many_images_is_examined_for_secrets_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = big.shared_config_layout(tmp_path / "layout", 60, 40)
    calls: list[int] = []
    examine = config_module._examine_config

    def counted(*args: Any) -> Any:
        calls.append(1)
        return examine(*args)

    monkeypatch.setattr(config_module, "_examine_config", counted)
    result = scan_archive(archive, options=ScanOptions(workers=1))
    assert len(result.images) == 60 and len(calls) == 1
    fingerprints = {tuple(f.fingerprint for f in image.findings) for image in result.images}
    assert len(fingerprints) == 1  # the same findings for each image, as before


@pytest.mark.slow
def test_5000_images_sharing_a_config_scan_in_bounded_time(
    tmp_path: Path,
) -> None:
    archive = big.shared_config_layout(tmp_path / "layout", 5000, 100)
    done = run_cli("scan", str(archive), "--format", "json", "-q", "--jobs", "1", timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
