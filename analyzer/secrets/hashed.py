"""Where secrets the scan does not keep occur in a text, in time linear in the text.

The secrets found in files are known after the scan only by their redacted form (`Redacted`:
prefix, length, sha256, rolling fingerprint), never by value. A build step may still quote one
(`sed -i 's/__DB__/VALUE/' db.yml`), so every quoted text is searched for them: hashing every
window of every length costs text x length sha256 calls (35 s on a 1 MB history line).

Instead, a secret can only start where its anchor is: the first 2 characters of the prefix
every redaction of 6 characters or more shows. `Literals` finds the anchors at C speed (most
texts have none), and each window starting there with the length of a secret of that anchor
is a candidate. Few candidates are hashed one by one. Many (a text dense with one anchor,
"ab ab ab..." against secrets starting "ab") would make that text x length again: then the
text's prefix fingerprints are computed in one pass, which gives each candidate's Rabin-Karp
fingerprint in constant time, and only the candidates whose fingerprint is a secret's are hashed
to confirm. Windows are taken leftmost first without overlapping (per length), so a run of a
repeated secret costs one confirmation per occurrence.

The candidates are positions x lengths: a text dense with an anchor shared by secrets of N
distinct lengths has text x N of them (a 1 MB line and 800 lengths took minutes and a
gigabyte). Past a budget proportional to the text (`_CANDIDATES`), `spans` gives up (None) and
the caller redacts the whole text: it hides more, never less, and only a text where the
secrets' anchors stand every few characters meets it.

The fingerprint's base is fixed (worker processes must agree on it), so a text can be crafted
to make many windows share a secret's fingerprint without being it. Each such window costs a
sha256 of its length; past a budget proportional to the text, `spans` gives up (None) as well:
slower answers are never the price of a crafted text.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Callable, Iterable
from itertools import accumulate

from analyzer.secrets.literals import Literals, Span
from analyzer.secrets.redact import ROLLING_BASE, ROLLING_MODULUS, Redacted
from analyzer.text import exact_bytes

SHORTEST_WINDOW = 6
"""Secrets shorter than this are not looked for inside words (they would hit words and digests
by design): `ShortSecrets` finds them where they stand as a word of their own."""
_ANCHOR = 2
_DIRECT, _SLACK = 4, 1024
"""The candidates are hashed one by one while that costs at most _DIRECT times the text plus
_SLACK characters; beyond, the prefix fingerprints cost less."""
_CANDIDATES, _CANDIDATES_SLACK = 4, 4096
"""Candidate windows a text may have (anchor positions x lengths of their secrets): past
_CANDIDATES times the text plus _CANDIDATES_SLACK, the text is redacted whole."""
_COLLISIONS, _COLLISIONS_SLACK = 1, 1024
"""Characters hashed for windows sharing a secret's fingerprint without being it: past this
times the text plus the slack, the text was crafted and is redacted whole."""


_Windows = Callable[[str, list[int], int], list[int]]
"""Of the windows of a length at these starts, those that may be a secret of that length."""


class HashedSecrets:
    """Secrets of SHORTEST_WINDOW characters or more, known by their redacted form."""

    def __init__(self, secrets: Iterable[Redacted]) -> None:
        self._digests: dict[int, set[str]] = {}
        self._by_rolling: dict[int, dict[int, set[str]]] = {}
        anchors: dict[str, set[int]] = {}
        for secret in secrets:
            if secret.length >= SHORTEST_WINDOW:
                self._digests.setdefault(secret.length, set()).add(secret.sha256)
                by_rolling = self._by_rolling.setdefault(secret.length, {})
                by_rolling.setdefault(secret.rolling, set()).add(secret.sha256)
                anchors.setdefault(secret.prefix[:_ANCHOR], set()).add(secret.length)
        self._anchors = {anchor: sorted(lengths) for anchor, lengths in anchors.items()}
        self._anchor_index = Literals(self._anchors)

    def __bool__(self) -> bool:
        return bool(self._digests)

    def spans(self, text: str) -> list[Span] | None:
        """Every occurrence of a secret in `text` (leftmost first, not overlapping within one
        length), sorted; None when the text must be redacted whole (too many candidates, or
        crafted to defeat the fingerprint).

        >>> from analyzer.secrets.redact import redact
        >>> HashedSecrets([redact("Se6-cret-Value")]).spans("sed -i s/__DB__/Se6-cret-Value/ x")
        [(16, 30)]
        >>> many = HashedSecrets([redact("ab" + "x" * n) for n in range(4, 404)])
        >>> many.spans("ab " * 5_000) is None  # 5,000 anchors x 400 lengths
        True
        """
        positions: dict[str, list[int]] = {}
        for start, end in self._anchor_index.spans(text) if self._digests else []:
            positions.setdefault(text[start:end], []).append(start)
        candidates = hashed = 0
        for anchor, starts in positions.items():
            lengths = self._anchors[anchor]
            candidates += len(starts) * len(lengths)
            hashed += len(starts) * sum(lengths)
        if candidates > _CANDIDATES * len(text) + _CANDIDATES_SLACK:
            return None
        direct = hashed <= _DIRECT * len(text) + _SLACK
        windows = self._hashed if direct else _Fingerprints(text, self._by_rolling)
        by_length: dict[int, list[int]] = {}
        for anchor, starts in positions.items():
            for length in self._anchors[anchor]:
                by_length.setdefault(length, []).extend(windows(text, starts, length))
        return self._confirmed(text, by_length)

    def _confirmed(self, text: str, by_length: dict[int, list[int]]) -> list[Span] | None:
        """The windows that are a secret (hashed), leftmost first without overlapping per
        length; None past the budget of windows that share a fingerprint but are no secret."""
        found: list[Span] = []
        budget = _COLLISIONS * len(text) + _COLLISIONS_SLACK
        for length, starts in by_length.items():
            digests = self._digests[length]
            free = 0  # the first position a new occurrence may start at (no overlaps)
            for start in sorted(starts):
                if start < free:
                    continue
                if _sha256(text[start : start + length]) in digests:
                    found.append((start, start + length))
                    free = start + length
                else:
                    budget -= length
                    if budget < 0:
                        return None
        return sorted(found)

    def _hashed(self, text: str, starts: list[int], length: int) -> list[int]:
        """Few candidates: each window hashed (a window that is the secret, it is)."""
        digests = self._digests[length]
        return [s for s in starts if _sha256(text[s : s + length]) in digests]


class _Fingerprints:
    """Many candidates: the Rabin-Karp fingerprint of any window from the text's prefix
    fingerprints (one pass over the text); a window matches when it is a secret's."""

    def __init__(self, text: str, by_rolling: dict[int, dict[int, set[str]]]) -> None:
        modulus, base = ROLLING_MODULUS, ROLLING_BASE
        self._modulus = modulus
        self._prefixes = array(
            "Q", accumulate(map(ord, text), lambda h, c: (h * base + c) % modulus, initial=0)
        )
        """The fingerprint of each prefix of the text (8 bytes a character)."""
        self._by_rolling = by_rolling
        self._shifts = {length: pow(base, length, modulus) for length in by_rolling}

    def __call__(self, text: str, starts: list[int], length: int) -> list[int]:
        prefixes, modulus = self._prefixes, self._modulus
        shift, targets = self._shifts[length], self._by_rolling[length]
        last = len(text) - length
        return [
            s
            for s in starts
            if s <= last and (prefixes[s + length] - prefixes[s] * shift) % modulus in targets
        ]


def _sha256(window: str) -> str:
    return hashlib.sha256(exact_bytes(window)).hexdigest()


_SEPARATORS = " \t\n\r\x0b\x0c'\"`=/:,;@()[]{}<>|&."
"""What a short secret standing as a word of its own may have on either side (besides the start
or the end of the text): blanks, quotes, and the punctuation between the parts of a path, an
assignment, a URL, a list or a shell command (`echo Zq9!k > x`, `/app/Zq9!k.bak`, `pw=Zq9!k`)."""
_OUTSIDE = re.escape(_SEPARATORS)


class ShortSecrets:
    """Secrets shorter than SHORTEST_WINDOW, known by their redacted form, and where they stand
    as a word of their own: at the start of the text or after a separator, and before one or
    the end (`_SEPARATORS`). Inside a longer word or a digest they are left alone.

    A word of a secret's length starting there is hashed (once per distinct word and text):
    at most one candidate per position and length, five lengths at most, so the cost is
    linear in the text; the shown prefix (one character from 3 characters up) narrows them.
    """

    def __init__(self, secrets: Iterable[Redacted]) -> None:
        digests: dict[int, set[str]] = {}
        prefixes: dict[int, set[str]] = {}
        for secret in secrets:
            if secret.length < SHORTEST_WINDOW:
                digests.setdefault(secret.length, set()).add(secret.sha256)
                prefixes.setdefault(secret.length, set()).add(secret.prefix[:1])
        self._digests = {length: frozenset(found) for length, found in digests.items()}
        self._words = [
            (re.compile(_word_pattern(length, prefixes[length])), self._digests[length])
            for length in sorted(digests)
        ]

    def __bool__(self) -> bool:
        return bool(self._digests)

    def spans(self, text: str) -> list[Span]:
        """Where one of the secrets stands as a word of its own in `text`, sorted.

        >>> from analyzer.secrets.redact import redact
        >>> ShortSecrets([redact("Zq9!k")]).spans("echo Zq9!k > /app/Zq9!k.bak; xZq9!k Zq9!ky")
        [(5, 10), (18, 23)]
        """
        found: list[Span] = []
        for pattern, digests in self._words:
            hashed: dict[str, bool] = {}
            for word in pattern.finditer(text):
                window = word.group(1)
                known = hashed.get(window)
                if known is None:
                    known = hashed[window] = _sha256(window) in digests
                if known:
                    found.append(word.span(1))
        return sorted(found)


def _word_pattern(length: int, prefixes: set[str]) -> str:
    """A word of `length` characters after the start or a separator, before one or the end,
    starting with one of `prefixes` unless one is empty (a secret under 3 characters shows
    none); captured in a lookahead, so that words of one length may overlap."""
    first = f"[{''.join(map(re.escape, sorted(prefixes)))}]" if "" not in prefixes else "."
    return f"(?<![^{_OUTSIDE}])(?=({first}.{{{length - 1}}})(?![^{_OUTSIDE}]))"
