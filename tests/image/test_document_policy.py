"""The one JSON policy for archive documents: within its limits a document reads exactly as
json.loads reads it; past them, a ManifestError, whatever the shape."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer import ManifestError
from analyzer.image.document import MAX_DEPTH, parse_document

VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=())),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(), kids, max_size=4),
    max_leaves=30,
)


@settings(derandomize=True, max_examples=300)
@given(VALUES)
def test_any_json_within_the_limits_reads_as_json_loads_reads_it(value: object) -> None:
    raw = json.dumps(value).encode()
    assert parse_document(raw, "x").value == json.loads(raw)


def nested_lists(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def nested_mixed(depth: int) -> bytes:
    opening = b"".join(b'{"k":' if i % 2 else b"[1," for i in range(depth))
    closing = b"".join(b"}" if i % 2 else b"]" for i in reversed(range(depth)))
    return opening + b"0" + closing


@pytest.mark.parametrize("nested", [nested_lists, nested_mixed])
def test_nesting_is_accepted_up_to_the_limit_and_refused_past_it(nested: object) -> None:
    parse_document(nested(MAX_DEPTH), "x")  # type: ignore[operator]
    for depth in (MAX_DEPTH + 1, 900, 1100, 200_000):
        with pytest.raises(ManifestError, match="more than 64 levels deep"):
            parse_document(nested(depth), "x")  # type: ignore[operator]


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    raw = json.dumps({"a": "[{" * 10_000}).encode()
    assert parse_document(raw, "x").value == {"a": "[{" * 10_000}


def test_wide_documents_are_not_deep() -> None:
    raw = json.dumps([[{"a": [i]}] for i in range(50_000)]).encode()
    assert len(parse_document(raw, "x").value) == 50_000
