"""tomlsafe: tomllib's answer for every TOML file a person writes, a refusal in bounded time for
the ones built to make it recurse or crawl."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.findings import tomlsafe
from analyzer.findings.tomlsafe import MAX_KEY_PARTS, TomlRefused

_WORDS = st.text(st.sampled_from("ab.-_ /*\\\"'#=[]{}\n\t\u00e9"), max_size=30)


def basic(text: str) -> str:
    """A TOML basic string (a JSON string is one)."""
    return json.dumps(text)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    """A TOML text with dotted keys of at most MAX_KEY_PARTS - 1 parts and values full of dots,
    quotes and hashes in every string form, and the document it means."""
    lines, expected = [], {}
    for index in range(draw(st.integers(0, 6))):
        parts = [f"k{index}", *draw(st.lists(_WORDS, max_size=MAX_KEY_PARTS - 2))]
        value = draw(_WORDS)
        form = draw(st.sampled_from(["basic", "literal", "multiline", "array"]))
        if form == "literal" and ("'" in value or "\n" in value):
            form = "basic"
        if form == "multiline" and ('"' in value or "\\" in value or value.startswith("\n")):
            form = "basic"
        written = {
            "basic": basic(value),
            "literal": f"'{value}'",
            "multiline": f'"""{value}"""',
            "array": f"[{basic(value)}, {basic(value)}]",
        }[form]
        lines.append(" . ".join(map(basic, parts)) + f" = {written}  # {value[:5]!r}")
        node = expected
        for part in parts[:-1]:
            node = node.setdefault(part, {})  # type: ignore[assignment]
        node[parts[-1]] = [value, value] if form == "array" else value
    return "\n".join(lines) + "\n", expected


@settings(derandomize=True, max_examples=300, deadline=None)
@given(documents())
def test_any_file_without_a_long_dotted_key_reads_as_tomllib_reads_it(
    document: tuple[str, dict[str, object]],
) -> None:
    text, expected = document
    assert tomlsafe.loads(text) == tomllib.loads(text) == expected


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.text(st.sampled_from("ab.\"' =\n#[]{}\\,1"), max_size=80))
def test_any_text_is_tomllibs_document_or_a_refusal(text: str) -> None:
    try:
        expected: object = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        expected = TomlRefused
    try:
        found: object = tomlsafe.loads(text)
    except TomlRefused:
        found = TomlRefused
    assert found == expected or (found is TomlRefused and text.count(".") >= MAX_KEY_PARTS)


@pytest.mark.parametrize(
    "key",
    ["a." * MAX_KEY_PARTS + "b", '"a".' * MAX_KEY_PARTS + "b", "a . " * MAX_KEY_PARTS + "b"],
)
def test_a_dotted_key_of_more_parts_is_refused_wherever_it_is(key: str) -> None:
    for text in (f"{key} = 1", f"[{key}]", f"[[{key}]]", f"x = {{ {key} = 1 }}"):
        with pytest.raises(TomlRefused, match="line 1: a dotted key of more than 16 parts"):
            tomlsafe.loads(text)


def test_the_key_check_is_linear_in_the_text_whatever_its_shape() -> None:
    # Each shape defeats a naive pattern: restarting inside a string, or at every part of a run.
    script = "\n".join(
        [
            "from analyzer.findings.tomlsafe import _UNTIL_LONG_KEY",
            "n, q, b = 4 << 20, chr(34), chr(92)",
            "shapes = [q + (b + q) * (n // 2), ('a.' * 15 + '=' + chr(10)) * (n // 32), q * n,",
            "    (q + 'a') * (n // 2), chr(39) * n, q * 3 * (n // 3), q + 'a' * n,",
            "    'a' + ' .' * (n // 2), 'a' * n, q * 3 + (b + q) * (n // 2)]",
            "print(all(_UNTIL_LONG_KEY.match(text).end() == len(text) for text in shapes))",
        ]
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert run.stdout.split() == ["True"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("a = " + "[" * 5000 + "]" * 5000, "TOML arrays or tables nested too deeply to read"),
        ("a = " + "9" * 5000, "a TOML value that cannot be read: Exceeds the limit (4300 digits)"),
        ("a = [", "not valid TOML: "),
    ],
)
def test_other_refusals_say_why_on_one_line(text: str, says: str) -> None:
    with pytest.raises(TomlRefused, match=f"^{re.escape(says)}") as caught:
        tomlsafe.loads(text)
    assert "\n" not in str(caught.value)
