"""Where secrets the scan does not keep occur in a text, in time linear in the text.

The secrets found in files are known after the scan only by their redacted form (`Redacted`:
prefix, length, sha256, rolling fingerprint), never by value. A build step may still quote one
(`sed -i 's/__DB__/VALUE/' db.yml`), so every quoted text is searched for them: hashing every
window of every length costs text x length sha256 calls (35 s on a 1 MB history line).

Instead, a secret can only start where its anchor is: the first 2 characters of the prefix
every redaction of 6 characters or more shows. `Literals` finds the anchors at C speed (most
texts have none), and the windows starting there are hashed. A text dense with one anchor
("abababab..." against a secret starting "ab") would make that text x length again: past a
budget, a Rabin-Karp pass over the text's code points finds the windows whose fingerprint is
the secret's, and only those are hashed to confirm. Windows are taken leftmost first without
overlapping (per length), so a run of a repeated secret costs one confirmation per
occurrence: text / length in all.

The fingerprint's base is fixed (worker processes must agree on it), so a text can be crafted
to make many windows share a secret's fingerprint without being it. Each such window costs a
sha256 of its length; past a budget proportional to the text, `spans` gives up (None) and the
caller redacts the whole text: slower answers are never the price of a crafted text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from analyzer.secrets.literals import Literals, Span
from analyzer.secrets.redact import ROLLING_BASE, ROLLING_MODULUS, Redacted, rolling_fingerprint
from analyzer.text import exact_bytes

SHORTEST_WINDOW = 6
"""Secrets shorter than this are not looked for inside words (they would hit words and digests
by design): `ShortSecrets` finds them where they stand as a word of their own."""
_ANCHOR = 2
_DIRECT, _SLACK = 4, 1024
"""Candidates of one length are hashed one by one while that costs at most _DIRECT times the
text plus _SLACK characters; beyond, the Rabin-Karp pass costs less."""


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
        length), sorted; None when the text was crafted to defeat the fingerprint.

        >>> from analyzer.secrets.redact import redact
        >>> HashedSecrets([redact("Se6-cret-Value")]).spans("sed -i s/__DB__/Se6-cret-Value/ x")
        [(16, 30)]
        """
        found: list[Span] = []
        codes: list[int] | None = None
        for length, starts in self._candidates(text).items():
            if len(starts) * length <= _DIRECT * len(text) + _SLACK:
                found += self._hashed(text, length, starts)
                continue
            codes = codes if codes is not None else list(map(ord, text))
            windows = self._rolling(text, codes, length)
            if windows is None:
                return None
            found += windows
        return sorted(found)

    def _candidates(self, text: str) -> dict[int, list[int]]:
        """Per length, where a secret of that length may start: at its anchor."""
        starts: dict[int, list[int]] = {}
        if self._digests:
            for start, end in self._anchor_index.spans(text):
                for length in self._anchors[text[start:end]]:
                    if start + length <= len(text):
                        starts.setdefault(length, []).append(start)
        return starts

    def _hashed(self, text: str, length: int, starts: list[int]) -> list[Span]:
        """Few candidates: each window hashed (a window that is the secret, it is)."""
        digests = self._digests[length]
        found: list[Span] = []
        free = 0  # the first position a new occurrence may start at (no overlaps)
        for start in starts:
            if start >= free and _sha256(text[start : start + length]) in digests:
                found.append((start, start + length))
                free = start + length
        return found

    def _rolling(self, text: str, codes: list[int], length: int) -> list[Span] | None:
        """Many candidates (a text dense with one anchor): the Rabin-Karp pass."""
        targets = self._by_rolling[length]
        shift = pow(ROLLING_BASE, length, ROLLING_MODULUS)
        fingerprint = rolling_fingerprint(codes[:length])
        found: list[Span] = []
        free = 0
        budget = 8 + len(codes) // length  # windows sharing a fingerprint but not the secret
        for start in range(len(codes) - length + 1):
            if start >= free and fingerprint in targets:
                if _sha256(text[start : start + length]) in targets[fingerprint]:
                    found.append((start, start + length))
                    free = start + length
                else:
                    budget -= 1
                    if budget < 0:
                        return None
            if start + length < len(codes):
                fingerprint = (
                    fingerprint * ROLLING_BASE + codes[start + length] - codes[start] * shift
                ) % ROLLING_MODULUS
        return found


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
