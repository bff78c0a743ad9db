"""Shared fixtures of the secrets engine's tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def synthetic_texts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """The secrets benchmark's synthetic corpus (scripts/bench_secrets.py, its default size
    and seed), as texts per format directory ("ini", "yaml", ...)."""
    script = Path(__file__).resolve().parents[2] / "scripts" / "bench_secrets.py"
    spec = importlib.util.spec_from_file_location("bench_secrets_for_tests", script)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    saved_path = list(sys.path)  # the script puts its own directory first
    sys.modules[spec.name] = bench  # its dataclasses look their module up
    try:
        spec.loader.exec_module(bench)
        root = tmp_path_factory.mktemp("synthetic").resolve()
        corpus = bench.write_synthetic(root, 300, 20240601)
    finally:
        del sys.modules[spec.name]
        sys.path[:] = saved_path
    texts: dict[str, list[str]] = {}
    for name in corpus.files:
        path = Path(name)
        fmt = path.relative_to(root).parts[0]  # py/..., ini/..., env/<name>/.env
        texts.setdefault(fmt, []).append(path.read_text("utf-8"))
    return texts
