"""Shared logic of the tool detectors: match program names, skip BusyBox applets, report.

Each tool family (shells, package managers, build tools, ...) is a catalogue of name patterns
mapped to a rule; a real binary reached under several names is one finding listing the names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from analyzer.detectors.context import ImageContext
from analyzer.detectors.executables import Program, busybox_hashes, group_by_binary, programs
from analyzer.findings.model import Finding, Rule


@dataclass(frozen=True, slots=True)
class Family:
    """A family of tools reported under one rule."""

    rule: Rule
    names: re.Pattern[str]
    """Matches the basenames that belong to the family."""
    label: str
    """What to call one of them in evidence ("shell", "package manager")."""


def names(*patterns: str) -> re.Pattern[str]:
    """One anchored pattern from several alternatives.

    >>> bool(names("gcc(?:-\\\\d+)?").match("gcc-12")), bool(names("sh").match("bash"))
    (True, False)
    """
    return re.compile("^(?:" + "|".join(patterns) + ")$")


def any_of(*patterns: re.Pattern[str]) -> re.Pattern[str]:
    """One pattern matching whatever any of `patterns` matches.

    >>> bool(any_of(names("a"), names("b")).match("b"))
    True
    """
    return re.compile("|".join(p.pattern for p in patterns))


def tool_findings(ctx: ImageContext, family: Family) -> Iterator[Finding]:
    """One finding per real binary of the family (BusyBox applets excluded)."""
    busybox = busybox_hashes(ctx)
    found = [p for p in programs(ctx) if family.names.match(p.name) and p.sha256 not in busybox]
    for group in group_by_binary(found):
        yield _finding(ctx, family, group)


def _finding(ctx: ImageContext, family: Family, group: list[Program]) -> Finding:
    first = group[0]
    target = first.target
    reached = ", ".join(p.path for p in group)
    what = (
        "ELF binary"
        if first.file_type.kind == "elf"
        else (f"{first.file_type.interpreter or 'interpreter'} script")
    )
    return ctx.finding(
        family.rule,
        path=target,
        layer=first.version.layer,
        evidence=f"{family.label} {first.name} ({what}), reachable as {reached}",
        key=target,
        details=(("names", reached), ("file_type", first.file_type.description[:120])),
    )
