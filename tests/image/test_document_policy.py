"""The one JSON policy for archive documents: within its limits a document reads exactly as
json.loads reads it; past them, a ManifestError (a LimitExceeded for too many arrays and
objects), whatever the shape."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer import LimitExceeded, ManifestError
from analyzer.image.document import MAX_CONTAINERS, MAX_DEPTH, parse_document

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


def test_a_document_of_millions_of_empty_objects_is_refused_before_it_is_read_further() -> None:
    many = b"[" + b",".join([b"{}"] * (MAX_CONTAINERS + 1)) + b"]"
    with pytest.raises(LimitExceeded, match=r"holds 1,000,002 arrays and objects, over the limit"):
        parse_document(many, "config x")


def test_a_document_of_as_many_arrays_and_objects_as_allowed_is_read() -> None:
    allowed = b"[" + b",".join([b"[]"] * (MAX_CONTAINERS - 1)) + b"]"
    assert len(parse_document(allowed, "x").value) == MAX_CONTAINERS - 1
