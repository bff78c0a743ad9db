"""A CVSS vector to a base score and severity, through the maintained ``cvss`` library.

OSV ``severity`` entries carry a vector (``CVSS_V2``, ``CVSS_V3``, ``CVSS_V4``). The qualitative
bands are CVSS v3's (FIRST, section 5): 9.0-10.0 critical, 7.0-8.9 high, 4.0-6.9 medium,
0.1-3.9 low, 0.0 none (reported as info).
"""

from __future__ import annotations

from cvss import CVSS2, CVSS3, CVSS4
from cvss.exceptions import CVSSError


def base_score(kind: str, vector: str) -> float | None:
    """The base score of a vector; None when the vector does not parse.

    >>> base_score("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    9.8
    >>> base_score("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
    9.3
    >>> base_score("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P")
    7.5
    >>> base_score("CVSS_V3", "not a vector") is None
    True
    """
    try:
        if vector.startswith("CVSS:4") or kind == "CVSS_V4":
            return float(CVSS4(vector).base_score)
        if vector.startswith("CVSS:3") or kind == "CVSS_V3":
            return float(CVSS3(vector).base_score)
        return float(CVSS2(vector).base_score)
    except (CVSSError, ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None


def band(score: float) -> str:
    """The severity name of a base score.

    >>> band(9.8), band(7.0), band(5.3), band(0.1), band(0.0)
    ('critical', 'high', 'medium', 'low', 'info')
    """
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    return "low" if score > 0 else "info"
