"""The example image's bundle, byte for byte: any change to a report shows up as a reviewed diff.

Regenerate after an intended change with
`UPDATE_GOLDEN=1 ./scripts/test tests/bundle/test_golden.py` and review
`git diff tests/bundle/golden/`. custody.json (tool versions, times, paths) and
SHA256SUMS (which covers custody.json) are left out; everything else must match exactly.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analyzer.cli import main

GOLDEN = Path(__file__).parent / "golden" / "example"
VOLATILE = {"custody.json", "SHA256SUMS"}


def test_example_bundle_matches_the_golden_files(built: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    assert main(["scan", str(built["example"]), "--bundle", str(out), "-q"]) == 0
    produced = {p.name: p.read_bytes() for p in out.iterdir() if p.name not in VOLATILE}
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for old in GOLDEN.iterdir():
            old.unlink()
        for name, data in produced.items():
            (GOLDEN / name).write_bytes(data)
        pytest.skip("golden files rewritten; review the diff")
    expected = {p.name: p.read_bytes() for p in GOLDEN.iterdir()}
    assert sorted(produced) == sorted(expected)
    for name, data in produced.items():
        assert data == expected[name], f"{name} differs from tests/bundle/golden/example/{name}"
