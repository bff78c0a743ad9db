"""Fuzzing the JSON documents of real-shaped archives: any value replaced by any other JSON
value, any key or item dropped, any document cut or corrupted. Reading must give a result or
an AnalyzerError with a one-line, bounded message: never another exception, never a hang.

Deterministic and bounded for CI; hunt for bugs locally with more examples, e.g.
`IMAGE_AUDIT_FUZZ_EXAMPLES=5000 pytest tests/image/test_documents_fuzz.py`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer import AnalyzerError, read_archive
from fixtures.docker import docker25_content
from fixtures.documents import LegacyDocuments, OciDocuments, dumps
from fixtures.example import example_image
from fixtures.outer import ArchiveContent, write_tar_archive

EXAMPLES = int(os.environ.get("IMAGE_AUDIT_FUZZ_EXAMPLES", "120"))
OCI = OciDocuments.of(example_image(compression="gzip"))
LEGACY = LegacyDocuments.of(example_image())
DOCKER25 = docker25_content([example_image()])


def docker25_with(name: str) -> Callable[[bytes], ArchiveContent]:
    """A Docker 25+ archive with member `name` (index.json, manifest.json) replaced."""

    def build(data: bytes) -> ArchiveContent:
        content = ArchiveContent()
        for member in DOCKER25.names():
            content.add_file(member, data if member == name else DOCKER25.data(member))
        return content

    return build


TARGETS: dict[str, tuple[bytes, Callable[[bytes], ArchiveContent]]] = {
    "oci index": (OCI.index, lambda d: OCI.with_documents(index=d).content()),
    "oci manifest": (OCI.manifest, lambda d: OCI.with_documents(manifest=d).content()),
    "oci config": (OCI.config, lambda d: OCI.with_documents(config=d).content()),
    "legacy manifest.json": (
        LEGACY.manifest,
        lambda d: LEGACY.with_documents(manifest=d).content(),
    ),
    "legacy config": (LEGACY.config, lambda d: LEGACY.with_documents(config=d).content()),
    "docker25 index": (DOCKER25.data("index.json"), docker25_with("index.json")),
    "docker25 manifest.json": (DOCKER25.data("manifest.json"), docker25_with("manifest.json")),
}
INTERESTING: list[Any] = [
    "",
    "windows",
    "unknown",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.layer.v1.tar+foreign",
    "sha512:" + "0" * 128,
    "blake3:" + "0" * 64,
    "../../etc/passwd",
    "sha256:\n" + "a" * 5000,
    -1,
    1 << 63,
    OCI.layers[0].digest,
    LEGACY.layers[0].diff_id,
]

LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(-(1 << 70), 1 << 70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=()), max_size=12)
    | st.sampled_from(INTERESTING)
)
VALUES = st.recursive(
    LEAVES,
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3)
    ),
    max_leaves=6,
)


def locations(document: Any) -> list[tuple[Any, ...]]:
    """The path (keys and indexes) of every value in `document`, the root included."""
    found: list[tuple[Any, ...]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), document)]
    while stack:
        path, value = stack.pop()
        found.append(path)
        if isinstance(value, dict):
            stack.extend(((*path, key), item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, index), item) for index, item in enumerate(value))
    return sorted(found, key=repr)


SPLICE = "\x00splice\x00"
"""Stands for a raw JSON token json.dumps cannot write (see RAW_TOKENS)."""
RAW_TOKENS = [
    b"[" * 5000 + b"]" * 5000,
    b'{"a":' * 70 + b"1" + b"}" * 70,
    b"9" * 5000,
    b"NaN",
    b"-Infinity",
    b"1e999",
    b'"\\ud800\\udfff"',
    b'"\\u0000"',
]


def serialized(document: Any, data: st.DataObject) -> bytes:
    """`document` as JSON, each SPLICE replaced by a raw token."""
    raw = dumps(document)
    marker = dumps(SPLICE)
    while marker in raw:
        token = data.draw(st.sampled_from(RAW_TOKENS), label="token")
        raw = raw.replace(marker, token, 1)
    return raw


def mutated(document: Any, data: st.DataObject) -> Any:
    """`document` with one value replaced (maybe by a raw token), dropped or wrapped."""
    path = data.draw(st.sampled_from(locations(document)), label="path")
    action = data.draw(st.sampled_from(["replace", "splice", "drop", "wrap"]), label="action")
    if not path:
        return data.draw(VALUES) if action == "replace" else [document]
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if action == "drop":
        del parent[key]
    elif action == "wrap":
        parent[key] = [parent[key]]
    elif action == "splice":
        parent[key] = SPLICE
    else:
        parent[key] = data.draw(VALUES, label="value")
    return document


def corrupted(raw: bytes, data: st.DataObject) -> bytes:
    """`raw` cut short, or with one byte changed."""
    at = data.draw(st.integers(0, len(raw) - 1), label="offset")
    if data.draw(st.booleans(), label="cut"):
        return raw[:at]
    return raw[:at] + bytes([data.draw(st.integers(0, 255), label="byte")]) + raw[at + 1 :]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "image.tar"


@settings(
    derandomize=True,
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(target=st.sampled_from(sorted(TARGETS)), data=st.data())
def test_any_mutated_document_reads_or_gets_a_clear_one_line_error(
    target: str, data: st.DataObject, scratch: Path
) -> None:
    original, build = TARGETS[target]
    if data.draw(st.integers(0, 4), label="raw?") == 0:
        changed = corrupted(original, data)
    else:
        changed = serialized(mutated(json.loads(original), data), data)
    content = build(changed)
    try:
        result = read_archive(write_tar_archive(content, scratch))
    except AnalyzerError as error:
        message = str(error)
        assert "\n" not in message and "\r" not in message, message
        assert len(message) < 1000, message
    else:
        assert result.images
