"""Fuzzing the whole read: mutated archives of every format, and random bytes, must give a
result or an AnalyzerError, never another exception, a hang or runaway memory.

The CI variants run a bounded number of examples from a fixed seed (derandomized); the slow
variant runs thousands. Run it longer locally to hunt bugs:
    FUZZ_EXAMPLES=20000 python -m pytest -m slow tests/archive/test_fuzz_reader.py
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer import AnalyzerError, read_archive
from fixtures.hostile_layers import Packing, write_archive_with_layer
from tests.archive.fuzzing import build_seeds, guard, mutated_archives, mutated_layers

_WORKDIR = tempfile.TemporaryDirectory(prefix="fuzz-reader-")  # removed at exit
_WORK = Path(_WORKDIR.name)
SEEDS = build_seeds(_WORK)
_INPUT = _WORK / "input.tar"
LONG_RUN = int(os.environ.get("FUZZ_EXAMPLES", "3000"))
_SETTINGS = {
    "derandomize": True,
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


def read_or_clear_error(data: bytes) -> None:
    """The property: read_archive ends with a result or an AnalyzerError, in bounded time and
    memory; any other outcome fails the example (and hypothesis shrinks it)."""
    _INPUT.write_bytes(data)
    with guard(seconds=30), contextlib.suppress(AnalyzerError):
        read_archive(_INPUT)


def test_every_seed_is_read_cleanly() -> None:
    for name, data in SEEDS.items():
        _INPUT.write_bytes(data)
        assert read_archive(_INPUT).images, name


@settings(max_examples=500, **_SETTINGS)  # type: ignore[arg-type]
@given(mutated_archives(SEEDS))
def test_mutated_archives_are_read_or_refused_clearly(data: bytes) -> None:
    read_or_clear_error(data)


@settings(max_examples=400, **_SETTINGS)  # type: ignore[arg-type]
@given(mutated_layers())
def test_mutated_layers_in_consistent_archives_are_read_or_refused_clearly(
    layer: tuple[bytes, Packing],
) -> None:
    tar, packing = layer
    read_or_clear_error(write_archive_with_layer(_WORK / "layer.tar", tar, packing).read_bytes())


@settings(max_examples=200, **_SETTINGS)  # type: ignore[arg-type]
@given(st.binary(max_size=4096) | st.binary(min_size=512, max_size=1024).map(lambda b: b * 8))
def test_random_bytes_are_refused_clearly(data: bytes) -> None:
    read_or_clear_error(data)


@pytest.mark.slow
@settings(max_examples=LONG_RUN, **_SETTINGS)  # type: ignore[arg-type]
@given(mutated_archives(SEEDS))
def test_mutated_archives_long_run(data: bytes) -> None:
    read_or_clear_error(data)


@pytest.mark.slow
@settings(max_examples=LONG_RUN, **_SETTINGS)  # type: ignore[arg-type]
@given(mutated_layers())
def test_mutated_layers_long_run(layer: tuple[bytes, Packing]) -> None:
    tar, packing = layer
    read_or_clear_error(write_archive_with_layer(_WORK / "layer.tar", tar, packing).read_bytes())
