"""Suppressions: findings an assessor has reviewed and accepted, each with a reason.

A suppression file is TOML:

    [[suppress]]
    fingerprint = "3f2a..."            # one finding (rule + path + hashed value; no line number)
    reason = "test key, revoked 2026-10"
    expires = 2027-03-31               # optional: after this date the finding fires again

    [[suppress]]
    vulnerability = "CVE-2023-4863"    # every IA-VULN finding of one vulnerability (its id or
    reason = "not reachable: no WebP decoding"   # any alias; a glob), in every package

    [[suppress]]
    rule = "IA-SECRET-KEYWORD"         # every finding of a rule...
    path = "/usr/lib/python3*/**/tests/**"   # ...optionally only under a path glob
    reason = "vendored test suites"

Every entry needs a reason. Expired entries suppress nothing and are reported as notices.
``expires`` is a TOML date; a date-time is taken as its date (as written, in its own offset).

The file is the user's, but it may be anything a path can name, so reading it is bounded: only a
regular file is read (a FIFO or a device is refused without blocking), at most
``MAX_SUPPRESSION_BYTES``, as UTF-8 TOML parsed by ``tomlsafe`` (which refuses what would make
``tomllib`` recurse too deep or crawl); every field must have its type. Each problem is one
``UsageError`` line naming the file and the entry, quoting file content through ``text.quoted``.
Matching is linear in the findings: entries with a fingerprint are looked up by it, and at most
``MAX_PATTERN_ENTRIES`` entries without one (rule or path globs) are tried on every finding.
"""

from __future__ import annotations

import datetime
import fnmatch
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.errors import UsageError
from analyzer.findings import tomlsafe
from analyzer.findings.model import Finding
from analyzer.text import printable, quoted

MAX_SUPPRESSION_BYTES = 16 << 20
MAX_PATTERN_LENGTH = 4096
"""A rule or path glob longer than any path inside an image (``Limits.max_path_length``)."""
MAX_PATTERN_ENTRIES = 1000
"""Entries without a fingerprint; each is tried on every finding (a baseline uses fingerprints)."""
_TEXT_FIELDS = ("fingerprint", "rule", "path", "reason", "vulnerability")
_KNOWN_FIELDS = frozenset({*_TEXT_FIELDS, "expires"})


@dataclass(frozen=True, slots=True)
class Suppression:
    """One accepted finding or pattern of findings."""

    reason: str
    fingerprint: str = ""
    rule: str = ""
    path: str = ""
    expires: datetime.date | None = None
    vulnerability: str = ""
    """A glob on an IA-VULN finding's vulnerability id and aliases."""

    def matches(self, finding: Finding) -> bool:
        """True when this entry covers `finding`."""
        if self.fingerprint and finding.fingerprint != self.fingerprint:
            return False
        if self.vulnerability and not _names_vulnerability(finding, self.vulnerability):
            return False
        if self.rule and not fnmatch.fnmatchcase(finding.rule_id, self.rule):
            return False
        return not self.path or fnmatch.fnmatchcase(finding.path, self.path)

    def expired(self, today: datetime.date) -> bool:
        """True once the expiry date has passed."""
        return self.expires is not None and today > self.expires


def _names_vulnerability(finding: Finding, pattern: str) -> bool:
    details = dict(finding.details)
    ids = [details.get("vulnerability", ""), *details.get("aliases", "").split(", ")]
    return any(i and fnmatch.fnmatchcase(i, pattern) for i in ids)


def load_suppressions(path: Path) -> list[Suppression]:
    """Read a suppression file, or raise UsageError saying what is wrong with it."""
    shown = printable(str(path))
    document = _toml(shown, _read_text(path, shown))
    entries = document.get("suppress", [])
    if not isinstance(entries, list):
        raise UsageError(f"{shown}: 'suppress' must be an array of tables ([[suppress]])")
    loaded = [_entry(f"{shown}: suppress entry {i + 1}", e) for i, e in enumerate(entries)]
    if sum(1 for e in loaded if not e.fingerprint) > MAX_PATTERN_ENTRIES:
        raise UsageError(
            f"{shown}: more than {MAX_PATTERN_ENTRIES} entries without a fingerprint; each is "
            "tried on every finding: accept long lists of findings by their fingerprints"
        )
    return loaded


def _read_text(path: Path, shown: str) -> str:
    """The file's text: a regular file, at most MAX_SUPPRESSION_BYTES, UTF-8."""
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            data = _bounded_read(descriptor, shown)
        finally:
            os.close(descriptor)
    except OSError as exc:
        raise UsageError(f"{shown}: cannot read the suppression file ({exc.strerror})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{shown}: not UTF-8 text (byte {exc.start}); a suppression file is TOML, in UTF-8"
        ) from None


def _bounded_read(descriptor: int, shown: str) -> bytes:
    status = os.fstat(descriptor)
    if not stat.S_ISREG(status.st_mode):
        raise UsageError(f"{shown}: {_kind(status.st_mode)}, not a suppression file (TOML)")
    too_large = UsageError(
        f"{shown}: larger than {MAX_SUPPRESSION_BYTES >> 20} MiB, more than any suppression "
        "file needs; is it the right file?"
    )
    if status.st_size > MAX_SUPPRESSION_BYTES:
        raise too_large
    with os.fdopen(descriptor, "rb", closefd=False) as file:
        data = file.read(MAX_SUPPRESSION_BYTES + 1)
    if len(data) > MAX_SUPPRESSION_BYTES:  # it grew after fstat
        raise too_large
    return data


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"))
    devices = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))
    return next((name for test, name in (*kinds, *devices) if test(mode)), "not a regular file")


def _toml(shown: str, text: str) -> dict[str, Any]:
    try:
        return tomlsafe.loads(text)
    except tomlsafe.TomlRefused as exc:
        raise UsageError(f"{shown}: {exc}") from None


def _entry(where: str, raw: object) -> Suppression:
    if not isinstance(raw, dict):
        raise UsageError(f"{where} is not a table")
    unknown = sorted(set(raw) - _KNOWN_FIELDS)
    if unknown:
        names = ", ".join(quoted(name, 40) for name in unknown[:5])
        raise UsageError(f"{where} has unknown keys: {names}")
    text = {key: _text(where, key, raw.get(key, "")) for key in _TEXT_FIELDS}
    if not text["reason"].strip():
        raise UsageError(f"{where} has no reason; every suppression must say why")
    if not (text["fingerprint"] or text["rule"] or text["path"] or text["vulnerability"]):
        raise UsageError(f"{where} needs a fingerprint, a rule, a path or a vulnerability")
    return Suppression(
        text["reason"],
        text["fingerprint"],
        text["rule"],
        text["path"],
        _expiry(where, raw),
        text["vulnerability"],
    )


def _text(where: str, key: str, value: object) -> str:
    if not isinstance(value, str):
        raise UsageError(f"{where}: {key} must be a string, not {_toml_type(value)}")
    if key != "reason" and len(value) > MAX_PATTERN_LENGTH:
        raise UsageError(
            f"{where}: {key} is {len(value)} characters long, more than the "
            f"{MAX_PATTERN_LENGTH} any path or rule id needs ({quoted(value, 40)})"
        )
    return value


def _expiry(where: str, raw: dict[str, object]) -> datetime.date | None:
    """The expiry date; a date-time counts as its date."""
    value = raw.get("expires")
    if value is None or type(value) is datetime.date:
        return value
    if isinstance(value, datetime.datetime):
        return value.date()
    raise UsageError(
        f"{where}: expires must be a date like 2027-03-31, not {_toml_type(value)}"
        f" ({quoted(value, 40)})"
    )


def _toml_type(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
    names |= {list: "an array", dict: "a table", datetime.time: "a time of day"}
    return names.get(type(value), type(value).__name__)


@dataclass(frozen=True, slots=True)
class Applied:
    """Findings after suppressions: kept, suppressed (with the entry), and notices."""

    kept: tuple[Finding, ...]
    suppressed: tuple[tuple[Finding, Suppression], ...]
    notices: tuple[str, ...]


def apply_suppressions(
    findings: Sequence[Finding], entries: Sequence[Suppression], today: datetime.date
) -> Applied:
    """Split findings into kept and suppressed; expired entries suppress nothing. A finding is
    suppressed by the first live entry, in file order, that matches it."""
    live = [e for e in entries if not e.expired(today)]
    notices = tuple(
        f"suppression {quoted(e.reason, 80)} expired on {e.expires}; "
        "its findings are reported again"
        for e in entries
        if e.expired(today)
    )
    first_match = _FirstMatch(live)
    kept: list[Finding] = []
    suppressed: list[tuple[Finding, Suppression]] = []
    for finding in findings:
        entry = first_match(finding)
        if entry is None:
            kept.append(finding)
        else:
            suppressed.append((finding, entry))
    return Applied(tuple(kept), tuple(suppressed), notices)


class _FirstMatch:
    """The first entry matching a finding, without trying every entry on every finding: entries
    with a fingerprint are found through it (a baseline holds thousands), the others (rule and
    path globs, at most MAX_PATTERN_ENTRIES) are tried in order."""

    def __init__(self, entries: Sequence[Suppression]) -> None:
        self._entries = entries
        self._by_fingerprint: dict[str, list[int]] = {}
        self._patterns: list[int] = []
        for index, entry in enumerate(entries):
            if entry.fingerprint:
                self._by_fingerprint.setdefault(entry.fingerprint, []).append(index)
            else:
                self._patterns.append(index)

    def __call__(self, finding: Finding) -> Suppression | None:
        """The matching entry that comes first in the file, if any."""
        candidates = self._by_fingerprint.get(finding.fingerprint, [])
        first = next((i for i in candidates if self._entries[i].matches(finding)), None)
        for index in self._patterns:
            if first is not None and index > first:
                break
            if self._entries[index].matches(finding):
                return self._entries[index]
        return None if first is None else self._entries[first]
