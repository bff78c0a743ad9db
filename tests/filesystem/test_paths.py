"""Tar member names become absolute paths inside the image root, `..` clamped at the root."""

from __future__ import annotations

import itertools

from analyzer.filesystem.paths import normalize


def by_the_rules(name: str) -> tuple[str, bool]:
    """The rule spelled out: drop empty and "." parts, ".." pops a part (clamped at the root,
    which counts as an escape), an absolute name is an escape too (but "/" alone)."""
    escaped = name.startswith("/") and name.strip("/") != ""
    parts: list[str] = []
    for part in name.split("/"):
        if part == "..":
            escaped |= not parts
            parts = parts[:-1]
        elif part not in ("", "."):
            parts.append(part)
    return "/" + "/".join(parts), escaped


def test_every_short_name_normalizes_by_the_rules() -> None:
    """normalize() takes a shortcut for plain relative names; every combination of a few parts
    (dots, empty parts, leading "./", "/" and "//", trailing slashes) must agree with the
    rules, shortcut or not."""
    checked = 0
    for count in range(1, 5):
        for parts in itertools.product(["a", ".", "..", "", ".x", "x.", "..."], repeat=count):
            for lead, trail in itertools.product(["", "./", "/", "//", "../"], ["", "/", "//"]):
                name = lead + "/".join(parts) + trail
                assert normalize(name) == by_the_rules(name), name
                checked += 1
    assert checked > 40_000


def test_common_names() -> None:
    assert normalize("usr/bin/env") == ("/usr/bin/env", False)
    assert normalize("./etc/ssl/") == ("/etc/ssl", False)
    assert normalize("app/../../etc/shadow") == ("/etc/shadow", True)
    assert normalize("/abs/../x") == ("/x", True)
