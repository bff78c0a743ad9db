"""Text from an archive is shown, encoded and hashed without crashing and without raw controls."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.text import escaped_bytes, exact_bytes, json_bytes, printable

any_text = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF))


@settings(max_examples=500, derandomize=True)
@given(any_text)
def test_printable_output_is_one_line_a_terminal_cannot_misread(text: str) -> None:
    shown = printable(text)
    assert shown.isprintable()  # no escape sequence, CR, LF, bell, NUL, C1 or bidi control
    shown.encode("utf-8")  # and it can always be written to a UTF-8 terminal


@settings(max_examples=500, derandomize=True)
@given(any_text)
def test_json_bytes_are_ascii_and_read_back_to_the_same_string(text: str) -> None:
    data = json_bytes(json.dumps({"v": text}, ensure_ascii=False))
    assert data.isascii() and data == json.dumps({"v": text}).encode()
    assert json.loads(data)["v"] == text


@settings(max_examples=500, derandomize=True)
@given(any_text)
def test_escaped_bytes_are_valid_utf8(text: str) -> None:
    escaped_bytes(text).decode("utf-8")


def test_a_name_that_was_not_utf8_hashes_as_its_original_bytes() -> None:
    raw = b"etc/\xff\xfepasswd"
    name = raw.decode("utf-8", "surrogateescape")
    assert exact_bytes(name) == raw
    assert printable(name) == "etc/\\xff\\xfepasswd"
