"""Documents written while they are made (`ls -f json` of a huge image): the bytes are those
json.dumps writes for the whole document, whatever the document holds."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.streamed import Streamed, has_items, json_chunks

_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=8) | st.sampled_from(
    ["\udcff", "\x1b[2J\r\n", "é", "\u2028", ""]
)
_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | _TEXT


def _documents() -> st.SearchStrategy[Any]:
    return st.recursive(
        _SCALARS,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(_TEXT, inner, max_size=4)
            | st.tuples(st.just("streamed"), st.lists(inner, max_size=4))
        ),
        max_leaves=30,
    )


def _whole(doc: Any) -> Any:
    """The document as json.dumps gets it: every streamed list made whole."""
    if isinstance(doc, tuple):
        return [_whole(item) for item in doc[1]]
    if isinstance(doc, list):
        return [_whole(item) for item in doc]
    if isinstance(doc, dict):
        return {key: _whole(value) for key, value in doc.items()}
    return doc


def _streamed(doc: Any) -> Any:
    """The document with each marked list Streamed (its items made whole: they are plain)."""
    if isinstance(doc, tuple):
        items = [_whole(item) for item in doc[1]]
        return Streamed(lambda: iter(items))
    if isinstance(doc, list):
        return [_streamed(item) for item in doc]
    if isinstance(doc, dict):
        return {key: _streamed(value) for key, value in doc.items()}
    return doc


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_documents())
def test_a_streamed_document_is_written_byte_for_byte_as_the_whole_document(doc: Any) -> None:
    expected = json.dumps(_whole(doc), indent=2, ensure_ascii=True) + "\n"
    assert "".join(json_chunks(_streamed(doc))) == expected


def test_each_item_of_a_streamed_list_is_made_when_it_is_written() -> None:
    made: list[int] = []

    def items() -> Any:
        for n in range(3):
            made.append(n)
            yield {"n": n}

    chunks = json_chunks({"images": [{"refs": [], "entries": Streamed(items)}]})
    written = ""
    for chunk in chunks:
        written += chunk
        assert len(made) <= written.count('"n"') + 1  # never more than one item ahead
    assert made == [0, 1, 2]
    assert json.loads(written) == {"images": [{"refs": [], "entries": [{"n": n} for n in made]}]}


def test_a_streamed_list_is_made_anew_each_time_it_is_read() -> None:
    calls: list[int] = []
    listed = Streamed(lambda: calls.append(1) or iter([1, 2]))
    assert list(listed) == list(listed) == [1, 2] and len(calls) == 2
    assert has_items(listed) and not has_items(Streamed(list))
