"""PyYAML's rules for scalars, shared by both YAML readers (yamlfast and yamllines).

Which tag a plain scalar resolves to, whether SafeLoader is the stock one, how PyYAML's scanner
reads a block scalar (`|`, `>`, chomping and indentation indicators) out of the lines, and the
line detect-secrets' YAML transformer writes for a string value.
"""

from __future__ import annotations

import re
import sys
from typing import Final

import yaml  # type: ignore[import-untyped]

__all__ = [
    "SCALAR_TAGS",
    "STR",
    "block_scalar",
    "implicit_tag",
    "output_line",
    "stock_safe_loader",
]

STR: Final = "tag:yaml.org,2002:str"
SCALAR_TAGS: Final = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp")
)
"""Tags of plain scalars whose construction depends on their text only (it may fail)."""
_STOCK_TAGS: Final = frozenset(
    [f"tag:yaml.org,2002:{name}" for name in ("binary", "str", "seq", "map", "set", "omap")]
    + ["tag:yaml.org,2002:pairs", *SCALAR_TAGS, None]
)
# detect-secrets' `_yaml_comment_regex()`, applied to the stripped raw line.
_COMMENT: Final = re.compile(r"(\s+#[\S ]*)")
_QUOTE, _ESCAPED_QUOTE = '"', '\\"'


def stock_safe_loader() -> bool:
    """True unless constructors, multi-constructors or path resolvers were added to SafeLoader:
    the values yamlfast and yamllines construct are SafeLoader's stock ones."""
    loader = yaml.SafeLoader
    return (
        not loader.yaml_multi_constructors
        and not loader.yaml_path_resolvers
        and set(loader.yaml_constructors) <= _STOCK_TAGS
    )


def implicit_tag(value: str) -> str:
    """The tag SafeLoader's Resolver gives a plain scalar (`true`, `3`, `~` are not strings)."""
    resolvers = yaml.SafeLoader.yaml_implicit_resolvers
    for tag, regexp in resolvers.get(value[0] if value else "", ()):
        if regexp.match(value):
            return str(tag)
    for tag, regexp in resolvers.get(None, ()):
        if regexp.match(value):
            return str(tag)
    return STR


def block_scalar(
    lines: list[str], start: int, last_break: bool, header: str, min_indent: int
) -> tuple[str, int]:
    """PyYAML's scan_block_scalar from line index `start` (after the header): the value, and
    the index of the first line that is not part of it."""
    folded, digits = header[0] == ">", header.strip("|>+-")
    if digits:
        indent = min_indent + int(digits) - 1
        breaks, index, column, _ = _skip_breaks(lines, start, last_break, indent)
    else:
        breaks, index, column, deepest = _skip_breaks(lines, start, last_break, sys.maxsize)
        indent = max(min_indent, deepest)
    chunks: list[str] = []
    line_break, end = "", len(lines)
    while column == indent and index < end and column < len(lines[index]):
        chunks.append("\n" * breaks)
        leading_non_space = lines[index][indent] != " "
        chunks.append(lines[index][indent:])
        line_break = "\n" if index + 1 < end or last_break else ""
        breaks, index, column, _ = _skip_breaks(lines, index + 1, last_break, indent)
        if column != indent or index == end or column == len(lines[index]):
            break
        if folded and line_break == "\n" and leading_non_space and lines[index][indent] != " ":
            chunks.append("" if breaks else " ")
        else:
            chunks.append(line_break)
    if "-" not in header:
        chunks.append(line_break)
    if "+" in header:
        chunks.append("\n" * breaks)
    return "".join(chunks), index


def _skip_breaks(
    lines: list[str], index: int, last_break: bool, indent: int
) -> tuple[int, int, int, int]:
    """From the start of a line, the scanner skipping up to `indent` spaces per line and the
    line breaks after them: (breaks read, line index, column reached, deepest column)."""
    breaks = deepest = 0
    while index < len(lines):
        line = lines[index]
        column = min(len(line) - len(line.lstrip(" ")), indent)
        deepest = max(deepest, column)
        if column < len(line) or (index + 1 == len(lines) and not last_break):
            return breaks, index, column, deepest
        breaks += 1
        index += 1
    return breaks, index, 0, deepest


def output_line(key: str, value: str, raw: str) -> str:
    """detect-secrets' line for a string value: the key, the value in its own quotes (inner
    quotes escaped), then the comment of the value's raw line, if any."""
    match = _COMMENT.search(raw.strip()) if "#" in raw else None  # the comment needs a "#"
    comment = match.group(0) if match else ""
    return f'{key}: "{value.replace(_QUOTE, _ESCAPED_QUOTE)}"{comment}'
