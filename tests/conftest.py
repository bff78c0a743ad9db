"""Shared pytest fixtures: the fixture archives from fixtures/, built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.catalog import SCENARIOS, build

REALWORLD = Path(__file__).resolve().parents[1].parent / "shared" / "realworld"


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every fixture scenario, written once: name -> archive path."""
    out = tmp_path_factory.mktemp("fixtures")
    names = list(SCENARIOS)
    return dict(zip(names, build(out, names), strict=True))
