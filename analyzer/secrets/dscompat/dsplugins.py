"""detect-secrets' plugin API as image-audit uses it: the base class of its regex plugins, the
keyword plugin's keyword list, and the high-entropy plugins' entropy test re-implemented to give
the same float (checked against detect-secrets' own in the doctests).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from typing import Any

from detect_secrets.plugins import keyword
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.keyword import DENYLIST

__all__ = [
    "KEYWORD_DENYLIST",
    "RegexBasedDetector",
    "exceeds_entropy",
    "keyword_line_regexes",
    "shannon_entropy",
]

KEYWORD_DENYLIST: tuple[str, ...] = tuple(DENYLIST)
"""The secret names detect-secrets' keyword plugin looks for (regex fragments)."""


def keyword_line_regexes(plugin: Any) -> tuple[re.Pattern[str], ...]:
    """Every regex detect-secrets' keyword plugin may search a line with, whatever the file
    type (its per-type tables and its default); () for any other plugin, a subclass included
    (it may search differently). A line none of them matches gives that plugin nothing.

    >>> from detect_secrets.plugins.keyword import KeywordDetector
    >>> regexes = keyword_line_regexes(KeywordDetector())
    >>> len(regexes) > 5, any(r.search('password = "hunter2"') for r in regexes)
    (True, True)
    >>> any(r.search("Enter the password of the account") for r in regexes)
    False
    """
    if type(plugin) is not keyword.KeywordDetector:
        return ()
    tables = [*keyword.REGEX_BY_FILETYPE.values(), keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP]
    return tuple(dict.fromkeys(regex for table in tables for regex in table))


def shannon_entropy(data: str, charset: str) -> float:
    """detect-secrets' entropy formula, same terms in the same order (so the same float),
    without counting every charset character in the string one by one.

    >>> from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString
    >>> plugin, value = Base64HighEntropyString(), "c3VwZXIgc2VjcmV0IHZhbHVlIQ=="
    >>> shannon_entropy(value, plugin.charset) == plugin.calculate_shannon_entropy(value)
    True
    """
    if not data:
        return 0
    order = _charset_order(charset)
    counts = Counter(data)
    entropy = 0.0
    for char in sorted((c for c in counts if c in order), key=order.__getitem__):
        p = float(counts[char]) / len(data)
        entropy += -p * math.log(p, 2)
    return entropy


def exceeds_entropy(value: str, plugin: Any) -> bool:
    """detect-secrets' `entropy > limit` test, skipping the computation when the value has too
    few distinct characters to get there: the entropy of k distinct characters is at most
    log2(k) (reached when they are equally frequent), so with log2(k) clearly below the limit
    (a margin far above float rounding) the answer is no.

    >>> from detect_secrets.plugins.high_entropy_strings import HexHighEntropyString
    >>> exceeds_entropy("0123456701234567", HexHighEntropyString())  # 8 digits, uniform: 3.0
    False
    >>> exceeds_entropy("0123456789abcdef", HexHighEntropyString())
    True
    """
    limit = float(plugin.entropy_limit)
    if math.log2(max(len(set(value)), 1)) < limit - 1e-9:
        return False
    return shannon_entropy(value, plugin.charset) > limit


@functools.cache
def _charset_order(charset: str) -> dict[str, int]:
    return {char: index for index, char in enumerate(charset)}
