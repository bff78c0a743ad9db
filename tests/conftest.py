"""Shared pytest fixtures: the fixture archives from fixtures/, built once per test session."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from fixtures.catalog import SCENARIOS, build

# Property tests are part of CI: the same examples on every run (a failure is reproducible, never
# a flake). HYPOTHESIS_PROFILE=explore draws new examples, for hunting bugs locally.
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REALWORLD = Path(__file__).resolve().parents[1].parent / "shared" / "realworld"
SHARED_ABSENT = (
    "../shared/realworld is absent (a public clone): real-world archive and secret-corpus tests "
    "are skipped; CI, which has it, runs them"
)
"""The one reason every test that needs ../shared gives when it is skipped."""


def shared_cases(paths: Sequence[Path], name: Callable[[Path], str]) -> list[Any]:
    """Parameters from files under ../shared (`name` gives each its id). Without ../shared, one
    placeholder skipped for SHARED_ABSENT, so that such a test is skipped for the same reason as
    the others (an empty list would be skipped as "got empty parameter set"); with ../shared, an
    empty list stays empty, and pytest says so."""
    if not paths and not REALWORLD.is_dir():
        return [
            pytest.param(None, id="shared-absent", marks=pytest.mark.skip(reason=SHARED_ABSENT))
        ]
    return [pytest.param(path, id=name(path)) for path in paths]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `realworld` need ../shared/realworld: without it they are skipped, all for
    the same reason (and everything else runs)."""
    if REALWORLD.is_dir():
        return
    skip = pytest.mark.skip(reason=SHARED_ABSENT)
    for item in items:
        if item.get_closest_marker("realworld"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every fixture scenario, written once: name -> archive path."""
    out = tmp_path_factory.mktemp("fixtures")
    names = list(SCENARIOS)
    return dict(zip(names, build(out, names), strict=True))
