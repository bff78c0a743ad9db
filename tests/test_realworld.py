"""Every archive under ../shared/realworld/images reads as hand-checked ground truth says.

The expectations (tests/realworld_cases.py) were established from the bytes with tar, hashlib
and each PROVENANCE.txt, not from this reader.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer import (
    AnalyzerError,
    ArchiveError,
    DigestMismatch,
    LimitExceeded,
    ManifestError,
    MissingBlob,
    UnsafeInput,
    UnsupportedFormat,
    read_archive,
)
from analyzer.filesystem.model import Change
from analyzer.filesystem.paths import normalize
from analyzer.reader import ReadResult
from tests.realworld_cases import CASES, Case, PathFact

pytestmark = pytest.mark.realworld  # every test here reads ../shared/realworld

IMAGES = Path("../shared/realworld/images")


def category(error: AnalyzerError) -> str:
    """The ground-truth category an error belongs to."""
    if isinstance(error, UnsupportedFormat):
        return "windows" if "Windows" in str(error) else "unsupported"
    if isinstance(error, DigestMismatch):
        return "digest"
    if isinstance(error, MissingBlob):
        return "missing-blob"
    if isinstance(error, ManifestError):
        return "manifest"
    if isinstance(error, UnsafeInput):
        return "unsafe"
    if isinstance(error, LimitExceeded):
        return "limit"
    if isinstance(error, ArchiveError):
        return "corrupt"
    return type(error).__name__


def params() -> list[object]:
    return [
        pytest.param(case, id=case.path, marks=[pytest.mark.slow] if case.slow else [])
        for case in CASES
    ]


@pytest.mark.parametrize("case", params())
def test_real_archive_reads_as_ground_truth_says(case: Case) -> None:
    path = IMAGES / case.path
    if case.error:
        with pytest.raises(AnalyzerError) as caught:
            read_archive(path)
        assert category(caught.value) in case.error, str(caught.value)
        return
    result = read_archive(path)
    images = [view.image for view in result.images]
    if case.images is not None:
        assert len(images) == case.images
    if case.layers:
        assert tuple(len(i.layers) for i in images) == case.layers
    if case.refs:
        assert [set(i.refs) for i in images] == [set(r) for r in case.refs]
    if case.platforms:
        assert tuple(str(i.platform) for i in images) == case.platforms
    if case.artifacts is not None:
        assert len(result.catalog.artifacts) == case.artifacts
    for fact in case.facts:
        check_fact(result, fact)


def check_fact(result: ReadResult, fact: PathFact) -> None:
    fs = result.images[fact.image].fs
    history = [v for v in fs.history(fact.path) if not (v.entry and v.entry.implicit)]
    steps = [(v.layer, v.change.value) for v in history]
    assert steps == [(s.layer, s.change) for s in fact.steps], fact.path
    for step, version in zip(fact.steps, history, strict=True):
        if step.mode is not None and version.change is not Change.DELETED:
            assert version.entry is not None and version.entry.mode == step.mode, fact.path
    final = fs.get(fact.path)
    assert (final is not None) == fact.final, fact.path
    if final is not None and fact.kind is not None:
        assert final.kind.value == fact.kind, fact.path
    if final is not None and fact.link is not None:
        expected = normalize(fact.link)[0] if fact.kind == "hardlink" else fact.link
        assert final.link == expected, fact.path
