"""Real files for the inventory tests, read into memory from the archives in ../shared/realworld."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import SHARED_ABSENT

REALWORLD = Path("../shared/realworld/images")
"""Relative to the repository root, where the tests run."""


Reader = Callable[..., bytes]


def tar_member(archive: Path | bytes, *names: str) -> bytes:
    """The content of ``names[-1]``, following ``names[:-1]`` through nested tars (layer.tar)."""
    source = io.BytesIO(archive) if isinstance(archive, bytes) else archive.open("rb")
    with source, tarfile.open(fileobj=source) as tar:
        extracted = tar.extractfile(names[0])
        if extracted is None:
            raise FileNotFoundError(names[0])
        data = extracted.read()
    return tar_member(data, *names[1:]) if len(names) > 1 else data


@pytest.fixture(scope="session")
def realworld() -> Path:
    """The shared real-world images; tests that need them are skipped when they are absent."""
    if not REALWORLD.is_dir():
        pytest.skip(SHARED_ABSENT)
    return REALWORLD


@pytest.fixture(scope="session")
def member() -> Reader:
    """``member(archive, *names)``: a file's bytes from a tar (through nested tars)."""
    return tar_member
