"""The Finding model: everything a report needs to say about one problem."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass

from analyzer.text import exact_bytes


class Severity(enum.Enum):
    """How much a finding matters, most severe first."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """4 for critical down to 0 for info, for sorting and thresholds."""
        return {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}[self.value]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Parse a severity name, case-insensitively.

        >>> Severity.parse("High").value
        'high'
        """
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"{text!r} is not a severity ({names})") from None


@dataclass(frozen=True, slots=True)
class Rule:
    """A stable rule: what it finds, how bad it is, which requirements it bears on."""

    id: str
    """Stable identifier, e.g. "IA-SETUID"; never reused for another meaning."""
    title: str
    category: str
    """One of the categories in findings.pci.CATEGORY_CONTROLS."""
    severity: Severity
    """Default severity; a detector may lower or raise it for one finding, saying why."""
    why: str
    """Why it matters, in one or two sentences."""
    fix: str
    """What to do about it."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one image, tied to a layer, a path and the requirements it bears on."""

    rule_id: str
    title: str
    category: str
    severity: Severity
    image: str
    """The image's first reference, or its short config digest."""
    path: str
    """Path inside the image ("" for config-level findings)."""
    layer_index: int | None
    """The layer that introduced what was found (None for config-level findings)."""
    diff_id: str
    created_by: str
    """The history line of that layer."""
    present_in_final: bool
    """False when a later layer removed it: still stored in the tarball, not in the container."""
    evidence: str
    """What was seen, redacted: never a secret value in full."""
    fingerprint: str
    """Stable id (rule, path, key): survives rebuilds and unrelated edits; no line numbers."""
    pci: tuple[str, ...]
    details: tuple[tuple[str, str], ...] = ()
    """Extra facts (name, value), e.g. ("applets", "sh, ls, ...")."""
    line: int | None = None
    """1-based line in the file, for secrets (never part of the fingerprint)."""
    recoverable: bool = False
    """True when what was found is gone from the final filesystem but still inside a layer."""


def fingerprint(rule_id: str, path: str, key: str = "") -> str:
    """A stable finding id from the rule, the path and a detector-chosen key.

    >>> fingerprint("IA-SETUID", "/bin/su") == fingerprint("IA-SETUID", "/bin/su")
    True
    """
    # exact_bytes: a path that was not UTF-8 hashes as the bytes it was read from
    return hashlib.sha256(exact_bytes(f"{rule_id}\0{path}\0{key}")).hexdigest()[:32]
