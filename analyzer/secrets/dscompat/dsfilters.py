"""Exact, faster stand-ins for detect-secrets filters that dominate its per-line cost.

detect-secrets calls its filters by parameter name (`line`, `secret`...), so a stand-in keeps
the name and the signature; dsbridge.configure() swaps it in for the original. Tests compare
each stand-in with the original on real and generated lines.
"""

from __future__ import annotations

import re

ORIGINAL_INDIRECT_REFERENCE = "detect_secrets.filters.heuristic.is_indirect_reference"
INDIRECT_REFERENCE = "analyzer.secrets.dscompat.dsfilters.is_indirect_reference"

# detect-secrets searches r"([^\v=!:]*)\s*(:=?|[!=]{1,3})\s*([\w.-]+[\[\(][^\v]*[\]\)])": a
# free prefix, an assignment or comparison operator, then `name[...]` or `name(...)`. The
# prefix may be empty and every operator ends in ":", "=" or "!", which is an operator on its
# own, so a match exists exactly when one of those characters is followed by the rest; the
# original's prefix group makes the search quadratic in the line length (over 100x slower on
# the standard library's lines).
_INDIRECT = re.compile(r"[:=!]\s*[\w.-]+[\[(][^\v]*[\])]")


def is_indirect_reference(line: str) -> bool:
    """detect-secrets' is_indirect_reference: `secret = get_secret_key()`,
    `key = request.headers['apikey']` are references, not secrets.

    >>> is_indirect_reference("secret = get_secret_key()"), is_indirect_reference("pw = 's3cr3t'")
    (True, False)
    """
    if len(line) > 1000:  # as detect-secrets: lines that long are not function calls
        return False
    return _INDIRECT.search(line) is not None
