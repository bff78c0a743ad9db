"""The Scrubber: every secret value the scan knows, redacted from any text that leaves the tool.

It knows two kinds of secrets: values (those of the config, kept in memory, found with
`Literals`) and secrets known only by their redacted form (those found in files, found with
`HashedSecrets`). Both searches are linear in the text, so the scrubber can be called on every
string of every output (tens of thousands for an image's inventory, megabytes for a history
line) whatever the number of secrets.

What gets replaced: every occurrence of every secret, as one redaction per group of
overlapping occurrences (a group that is one occurrence shows that secret's own redaction,
the one its finding shows; overlapping ones are redacted together, so no part of any of them
shows beyond the redaction's prefix). Occurrences that only touch are redacted one by one. A
redaction's own prefix is scrubbed too: "abcd... (12 chars, ...)" would otherwise show a
4-character secret "abcd" that starts the longer one.

Short values are judged whole: inside other text they would hit digests and words by design.
A config value under 4 characters is replaced where it is the whole text, where it stands as
a word of its own (after the start, a blank, a quote or "=", before the end, a blank or a
quote: `CMD ["redis-server", "--requirepass", "a9Z"]` quotes one so, and the old scrubber
showed it), and as NAME=value wherever an ENV entry or label holding one is quoted. A file
secret under SHORTEST_WINDOW is replaced where it stands as a word of its own, between the
start, the end or a separator (blanks, quotes, the punctuation of paths, URLs and commands:
`echo Zq9!k > x`, `/app/Zq9!k`), never inside a longer word or a digest.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from analyzer.secrets.hashed import HashedSecrets, ShortSecrets
from analyzer.secrets.literals import Literals, Span
from analyzer.secrets.redact import Redacted, redact

if TYPE_CHECKING:
    from analyzer.secrets.config import ConfigSecret

SHORTEST_VALUE = 4
"""Config values shorter than this are replaced only as a whole text, a word or NAME=value."""
DIGEST_SECRET = 16
"""A secret this long inside a digest is never chance (one 16-hex string in a random 64-hex
digest: about 3e-18): a digest holding one is redacted (`Scrubber.in_digest`)."""
_SHORT_WORD = re.compile(r"""(?<![^\s'"=])[^\s'"=]{1,3}(?![^\s'"])""")


class Scrubber:
    """Replaces known secret values with their redacted form in any text quoted by the tool
    (the config's own secrets, and those found in files once `with_hashed` adds them)."""

    def __init__(
        self,
        values: Iterable[str] = (),
        secrets: Iterable[ConfigSecret] = (),
        env: Iterable[str] = (),
        hashed: Iterable[Redacted] = (),
    ) -> None:
        """`env`: the config's ENV entries and labels as NAME=value (a short value is
        replaced wherever its entry is quoted). `hashed`: secrets known by redacted form."""
        found = tuple(secrets)
        self._values = frozenset(v for v in (*values, *(s.value for s in found)) if v)
        self._env = tuple(dict.fromkeys(env))
        self._whole: dict[str, str] = {v: str(redact(v)) for v in self._values if _short(v)}
        """Short values, replaced only where they are the whole text."""
        self._entries: dict[str, str] = {}
        """NAME=short entries, replaced wherever they are quoted, as NAME=<redacted>."""
        for entry in self._env:
            name, _, value = entry.partition("=")
            if value in self._whole:
                self._entries[entry] = f"{name}={self._whole[value]}"
        self._short_words = frozenset(self._whole)
        self._whole.update(self._entries)
        self._literals = Literals([*(v for v in self._values if not _short(v)), *self._entries])
        self._hashed_secrets: tuple[Redacted, ...] = ()
        self._hashed = HashedSecrets(())
        self._short_hashed = ShortSecrets(())
        self._memo: dict[str, str] = {}
        if hashed:
            self._hash(tuple(hashed))
        self.secrets = tuple(dataclasses.replace(s, source=self(s.source)) for s in found)
        """The config secrets the values came from, so the secrets detector reports them
        without scanning the config a second time; their source names scrubbed (an ENV name
        or an object key may hold a secret itself)."""

    def _hash(self, hashed: tuple[Redacted, ...]) -> None:
        self._hashed_secrets = tuple(dict.fromkeys(hashed))
        self._hashed = HashedSecrets(self._hashed_secrets)
        self._short_hashed = ShortSecrets(self._hashed_secrets)
        self._memo = {}

    def with_hashed(self, hashed: Iterable[Redacted]) -> Scrubber:
        """This scrubber, also redacting the secrets of these redacted forms, e.g. those
        found in files (a build step `sed -i 's/__DB__/VALUE/'` quotes one). One shorter than
        SHORTEST_WINDOW is replaced where it stands as a word of its own (`ShortSecrets`)."""
        widened = copy.copy(self)  # the values' index is shared, not built again
        widened._hash((*self._hashed_secrets, *hashed))
        return widened

    def reporting(self, secrets: Iterable[ConfigSecret]) -> Scrubber:
        """This scrubber (its indexes and memo shared, not built again), with `secrets` as the
        ones it reports: each image of an archive redacts what every image's scrubber does
        (image B may quote a password image A holds) but reports its own secrets only."""
        own = copy.copy(self)
        own.secrets = tuple(dataclasses.replace(s, source=self(s.source)) for s in secrets)
        return own

    @staticmethod
    def union(scrubbers: Sequence[Scrubber], values: Iterable[str] = ()) -> Scrubber:
        """One scrubber that redacts everything each of these does, and `values` too."""
        return Scrubber(
            [*values, *(v for s in scrubbers for v in s._values)],
            [secret for s in scrubbers for secret in s.secrets],
            [entry for s in scrubbers for entry in s._env],
            [secret for s in scrubbers for secret in s._hashed_secrets],
        )

    def knows(self, value: str) -> bool:
        """True when `value` is one of the values this scrubber redacts."""
        return value in self._values

    def __call__(self, text: str) -> str:
        """`text` with every known secret value redacted.

        >>> Scrubber(["hunter2-long"])("curl -u admin:hunter2-long x")
        'curl -u admin:hunt... (12 chars, sha256:92a797213174aa3c) x'
        >>> scrub = Scrubber(["a9Z"], env=["REDIS_PASSWORD=a9Z"])
        >>> scrub("ENV REDIS_PASSWORD=a9Z")
        'ENV REDIS_PASSWORD=a... (3 chars, sha256:422c525099df851b)'
        >>> scrub("a9Z"), scrub("sha256:a9Z"), "a9Z" in scrub('CMD ["redis-cli", "-a", "a9Z"]')
        ('a... (3 chars, sha256:422c525099df851b)', 'sha256:a9Z', False)
        """
        whole = self._whole.get(text)
        if whole is not None:
            return whole
        scrubbed = self._memo.get(text)
        if scrubbed is None:
            scrubbed = self._scrubbed(text)
            self._memo[text] = scrubbed  # the same history lines are quoted by many findings
        return scrubbed

    def in_digest(self, digest: str) -> str:
        """A well-formed digest as a report shows it: whole, unless a known secret of
        DIGEST_SECRET characters or more lies in it (a referrer's `subject` may be any hex: a
        private key's, say), then redacted like any text. A shorter one inside is chance (a
        4-character "cafe"): redacted, it would only make the digest corrupt.

        >>> key = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
        >>> Scrubber(["cafe", key]).in_digest("sha256:" + key)[:33]
        'sha256:4c08... (64 chars, sha256:'
        >>> Scrubber(["cafe", key]).in_digest("sha256:" + "cafe" * 16) == "sha256:" + "cafe" * 16
        True
        """
        scrubbed = self(digest)
        if scrubbed == digest:  # nearly always, and memoized: a report holds many digests
            return digest
        spans = self._spans(digest)
        if spans is None or any(end - start >= DIGEST_SECRET for start, end in spans):
            return scrubbed
        return digest

    def _spans(self, text: str) -> list[Span] | None:
        """Every occurrence of a known secret in `text` (overlapping ones too), unsorted;
        None for a text crafted against the fingerprint (to be hidden whole)."""
        hashed = self._hashed.spans(text) if self._hashed else []
        if hashed is None:
            return None
        spans = self._literals.spans(text) + hashed + self._word_spans(text)
        if self._short_hashed:
            spans += self._short_hashed.spans(text)
        return spans

    def _scrubbed(self, text: str) -> str:
        spans = self._spans(text)
        if spans is None:
            return str(redact(text))  # a text crafted against the fingerprint: hidden whole
        if not spans:
            return text
        pieces: list[str] = []
        done = 0
        for start, end in _groups(spans):
            pieces += [text[done:start], self._hidden(text[start:end])]
            done = end
        pieces.append(text[done:])
        return "".join(pieces)

    def _word_spans(self, text: str) -> list[Span]:
        """Where a short value stands as a word of its own."""
        if not self._short_words:
            return []
        return [w.span() for w in _SHORT_WORD.finditer(text) if w.group() in self._short_words]

    def _hidden(self, group: str) -> str:
        """The redaction of one group of overlapping occurrences, its shown prefix scrubbed
        too (the prefix of a long secret may be a whole 4-character one, or a short file
        secret, which stands there as a word of its own before the "...")."""
        entry = self._entries.get(group)
        if entry is not None:
            return entry
        redacted = redact(group)
        shown, prefix = str(redacted), redacted.prefix
        if (
            prefix in self._entries
            or (not _short(prefix) and prefix in self._values)
            or (prefix and self._short_hashed.spans(prefix))
        ):
            shown = self._hidden(prefix) + shown[len(prefix) :]
        return shown


def _short(value: str) -> bool:
    return len(value) < SHORTEST_VALUE


def _groups(spans: list[Span]) -> list[Span]:
    """Spans merged where they overlap (share a character), sorted.

    >>> _groups([(4, 8), (0, 2), (2, 5), (9, 12), (10, 11)])
    [(0, 2), (2, 8), (9, 12)]
    """
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
