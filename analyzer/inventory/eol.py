"""Whether the distribution an image is built on still gets security updates.

The dates live in ``analyzer/data/eol.json``, an offline table (the analyzer never goes online)
with its sources and the day it was generated: endoflife.date's data and the distributions' own
lifecycle pages. ``eol`` there is the last day of *free* security updates from the publisher;
paid extended support (Ubuntu Pro ESM, RHEL ELS, SUSE LTSS, Debian ELTS) is ignored, because an
image cannot show whether its owner pays for it. The table's ``meaning`` and per-distribution
``basis`` fields say exactly which support phase each date ends.

A release is looked up by os-release ``ID`` (``distroless`` is an alias of ``debian``; real
distroless images already say ``ID=debian``) and by the first ``version_parts`` numbers of
``VERSION_ID``: Debian ``12.4`` -> ``12``, Alpine ``3.20.3`` -> ``3.20``, RHEL ``9.3`` -> ``9``,
Ubuntu ``22.04`` as is. CentOS Stream shares ``ID=centos`` with CentOS Linux and is told apart by
``NAME``. The result says "unknown" when the table has no row, e.g. a release newer than the
table, a rolling release without ``VERSION_ID``, or a distribution it does not cover.
"""

from __future__ import annotations

import datetime
import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

from analyzer.inventory.model import OsRelease
from analyzer.text import quoted

EolState = Literal["supported", "eol", "unknown"]


@dataclass(frozen=True, slots=True)
class EolStatus:
    """The support state of one distribution release on a given day."""

    distro: str
    """The table's distribution id ("debian" for distroless)."""
    version: str
    """The version key looked up ("12", "3.20", "22.04", "stream9"); empty when there is none."""
    eol_date: datetime.date | None
    """The last day of free security updates, when the table knows the release."""
    status: EolState
    source: str
    """Which support phase the date ends and where it comes from, or why it is unknown."""


@dataclass(frozen=True, slots=True)
class EolRow:
    """One release in the table."""

    distro: str
    version: str
    name: str
    eol: datetime.date
    support_end: datetime.date | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class EolTable:
    """The packaged end-of-life table."""

    generated: str
    aliases: dict[str, str]
    version_parts: dict[str, int]
    basis: dict[str, str]
    sources: dict[str, str]
    rows: dict[tuple[str, str], EolRow]


def lookup_eol(os: OsRelease, today: datetime.date) -> EolStatus:
    """The support state of ``os`` on ``today`` according to the offline table.

    >>> status = lookup_eol(OsRelease("alpine", "3.20.3"), datetime.date(2026, 11, 24))
    >>> (status.version, status.eol_date, status.status)
    ('3.20', datetime.date(2026, 4, 1), 'eol')
    >>> lookup_eol(OsRelease("debian", "12"), datetime.date(2026, 11, 24)).status
    'supported'
    """
    table = load_eol_table()
    distro = table.aliases.get(os.id, os.id)
    if distro not in table.version_parts:
        return _unknown(distro, "", f"the offline end-of-life table does not cover {quoted(os.id)}")
    version = version_key(distro, os, table.version_parts[distro])
    row = table.rows.get((distro, version))
    if row is None:
        given = f"VERSION_ID {quoted(os.version_id)}" if os.version_id else "(no VERSION_ID)"
        shown = version or given
        reason = f"no {distro} {shown} in the offline end-of-life table of {table.generated}"
        return _unknown(distro, version, reason)
    status: EolState = "eol" if today > row.eol else "supported"
    source = f"{table.basis[distro]} ({table.sources[distro]}; table of {table.generated})"
    source += f"; note: {row.note}" if row.note else ""
    return EolStatus(distro, version, row.eol, status, source)


def version_key(distro: str, os: OsRelease, parts: int) -> str:
    """The table key ``VERSION_ID`` maps to.

    >>> version_key("rhel", OsRelease("rhel", "9.3"), 1)
    '9'
    >>> version_key("centos", OsRelease("centos", "9", name="CentOS Stream"), 1)
    'stream9'
    >>> version_key("alpine", OsRelease("alpine", "3.21.0_alpha20240807"), 2)
    '3.21'
    """
    match = re.match(r"\d+(?:\.\d+)*", os.version_id.strip())
    if match is None:
        return ""
    key = ".".join(match.group().split(".")[:parts])
    if distro == "centos" and "stream" in os.name.lower():
        return "stream" + key
    return key


@functools.cache
def load_eol_table() -> EolTable:
    """The table packaged as ``analyzer/data/eol.json`` (read once)."""
    text = resources.files("analyzer.data").joinpath("eol.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    distros: dict[str, dict[str, Any]] = document["distros"]
    rows = (_row(item) for item in document["rows"])
    return EolTable(
        generated=str(document["generated"]),
        aliases=dict(document["aliases"]),
        version_parts={name: int(info["version_parts"]) for name, info in distros.items()},
        basis={name: str(info["basis"]) for name, info in distros.items()},
        sources={name: str(info["source"]) for name, info in distros.items()},
        rows={(row.distro, row.version): row for row in rows},
    )


def _row(item: dict[str, Any]) -> EolRow:
    support_end = item.get("support_end")
    return EolRow(
        distro=str(item["distro"]),
        version=str(item["version"]),
        name=str(item["name"]),
        eol=datetime.date.fromisoformat(item["eol"]),
        support_end=datetime.date.fromisoformat(support_end) if support_end else None,
        note=str(item.get("note", "")),
    )


def _unknown(distro: str, version: str, reason: str) -> EolStatus:
    return EolStatus(distro, version, None, "unknown", reason)
