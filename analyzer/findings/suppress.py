"""Suppressions: findings an assessor has reviewed and accepted, each with a reason.

A suppression file is TOML:

    [[suppress]]
    fingerprint = "3f2a..."            # one finding (rule + path + hashed value; no line number)
    reason = "test key, revoked 2026-10"
    expires = 2027-03-31               # optional: after this date the finding fires again

    [[suppress]]
    rule = "IA-SECRET-KEYWORD"         # every finding of a rule...
    path = "/usr/lib/python3*/**/tests/**"   # ...optionally only under a path glob
    reason = "vendored test suites"

Every entry needs a reason. Expired entries suppress nothing and are reported as notices.
"""

from __future__ import annotations

import datetime
import fnmatch
import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.errors import UsageError
from analyzer.findings.model import Finding


@dataclass(frozen=True, slots=True)
class Suppression:
    """One accepted finding or pattern of findings."""

    reason: str
    fingerprint: str = ""
    rule: str = ""
    path: str = ""
    expires: datetime.date | None = None

    def matches(self, finding: Finding) -> bool:
        """True when this entry covers `finding`."""
        if self.fingerprint and finding.fingerprint != self.fingerprint:
            return False
        if self.rule and not fnmatch.fnmatchcase(finding.rule_id, self.rule):
            return False
        return not self.path or fnmatch.fnmatchcase(finding.path, self.path)

    def expired(self, today: datetime.date) -> bool:
        """True once the expiry date has passed."""
        return self.expires is not None and today > self.expires


def load_suppressions(path: Path) -> list[Suppression]:
    """Read a suppression file, or raise UsageError saying what is wrong with it."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the suppression file ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not a valid TOML suppression file ({exc})") from None
    entries = doc.get("suppress", [])
    if not isinstance(entries, list):
        raise UsageError(f"{path}: 'suppress' must be an array of tables ([[suppress]])")
    return [_entry(path, i, e) for i, e in enumerate(entries)]


def _entry(path: Path, index: int, raw: Any) -> Suppression:
    where = f"{path}: suppress entry {index + 1}"
    if not isinstance(raw, dict):
        raise UsageError(f"{where} is not a table")
    unknown = set(raw) - {"fingerprint", "rule", "path", "reason", "expires"}
    if unknown:
        raise UsageError(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
    if not str(raw.get("reason", "")).strip():
        raise UsageError(f"{where} has no reason; every suppression must say why")
    if not (raw.get("fingerprint") or raw.get("rule") or raw.get("path")):
        raise UsageError(f"{where} needs a fingerprint, a rule or a path")
    expires = raw.get("expires")
    if expires is not None and not isinstance(expires, datetime.date):
        raise UsageError(f"{where}: expires must be a date like 2027-03-31")
    return Suppression(
        str(raw["reason"]),
        str(raw.get("fingerprint", "")),
        str(raw.get("rule", "")),
        str(raw.get("path", "")),
        expires,
    )


@dataclass(frozen=True, slots=True)
class Applied:
    """Findings after suppressions: kept, suppressed (with the entry), and notices."""

    kept: tuple[Finding, ...]
    suppressed: tuple[tuple[Finding, Suppression], ...]
    notices: tuple[str, ...]


def apply_suppressions(
    findings: Sequence[Finding], entries: Sequence[Suppression], today: datetime.date
) -> Applied:
    """Split findings into kept and suppressed; expired entries suppress nothing."""
    live = [e for e in entries if not e.expired(today)]
    notices = tuple(
        f"suppression '{e.reason}' expired on {e.expires}; its findings are reported again"
        for e in entries
        if e.expired(today)
    )
    kept: list[Finding] = []
    suppressed: list[tuple[Finding, Suppression]] = []
    for finding in findings:
        entry = next((e for e in live if e.matches(finding)), None)
        if entry is None:
            kept.append(finding)
        else:
            suppressed.append((finding, entry))
    return Applied(tuple(kept), tuple(suppressed), notices)


def baseline_toml(findings: Sequence[Finding], reason: str) -> str:
    """A suppression file accepting every given finding by fingerprint (a baseline)."""
    quoted = json.dumps(reason)  # a JSON string is a valid TOML basic string
    blocks = [
        f'[[suppress]]\nfingerprint = "{f.fingerprint}"\nreason = {quoted}\n'
        f"# {f.rule_id} {f.path or '(config)'}\n"
        for f in sorted(findings, key=lambda f: (f.rule_id, f.path, f.fingerprint))
    ]
    return "\n".join(blocks)
