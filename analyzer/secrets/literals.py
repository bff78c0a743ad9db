"""Where known strings occur in a text, in time linear in the text, whatever the strings.

The scrubber looks for every secret value the scan knows in every string that leaves the tool:
thousands of values (a config may carry 20k labels), tens of thousands of strings (an image's
whole inventory), some of them megabytes long (a history line). Looking for each value in turn
costs values x text. `Literals` finds them all in one pass instead: an Aho-Corasick automaton
that knows, for each state, the longest word ending there, so it reports one span per end
position however many words end there (words "aaaa", "aaaaa"... in a run of "a" would otherwise
report a match per word per position).

Hyperscan, when importable, answers first at C speed (most strings hold no value at all, and an
automaton in Python costs a loop iteration per character). It reports every match, nested ones
included, so it stops after a budget of matches proportional to the text and the automaton takes
over: the answer is the same either way, and the time stays linear. Hyperscan reads ASCII texts
only (a byte offset is then a character offset); any other text goes to the automaton.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from analyzer.secrets.hsdb import hyperscan_module

Span = tuple[int, int]
"""(start, end) of a word in a text, in characters, end exclusive."""


class _Automaton:
    """Aho-Corasick over characters: a trie with failure links, and per state the length of
    the longest word that is a suffix of the state's string (0 for none)."""

    def __init__(self, words: Iterable[str]) -> None:
        self._goto: list[dict[str, int]] = [{}]
        self._fail: list[int] = [0]
        self._longest: list[int] = [0]
        for word in words:
            self._insert(word)
        self._link()

    def _insert(self, word: str) -> None:
        state = 0
        for char in word:
            following = self._goto[state].get(char)
            if following is None:
                following = len(self._goto)
                self._goto[state][char] = following
                self._goto.append({})
                self._fail.append(0)
                self._longest.append(0)
            state = following
        self._longest[state] = len(word)

    def _link(self) -> None:
        """Failure links breadth first; a state that ends no word of its own inherits the
        longest word of its failure state (a proper suffix, hence shorter than its own)."""
        queue = deque(self._goto[0].values())
        while queue:
            state = queue.popleft()
            for char, following in self._goto[state].items():
                fallback = self._fail[state]
                while fallback and char not in self._goto[fallback]:
                    fallback = self._fail[fallback]
                target = self._goto[fallback].get(char, 0)
                self._fail[following] = target if target != following else 0
                if not self._longest[following]:
                    self._longest[following] = self._longest[self._fail[following]]
                queue.append(following)

    def spans(self, text: str) -> list[Span]:
        """The longest word ending at each position where one ends, by end."""
        goto, fail, longest = self._goto, self._fail, self._longest
        found: list[Span] = []
        state = 0
        for end, char in enumerate(text, 1):
            while state and char not in goto[state]:
                state = fail[state]
            state = goto[state].get(char, 0)
            if longest[state]:
                found.append((end - longest[state], end))
        return found


class _TooManyMatches(Exception):
    """Hyperscan met more matches than the budget: the automaton answers instead."""


class Literals:
    """A set of non-empty words, and where they occur in any text."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = tuple(sorted({word for word in words if word}))
        self._automaton: _Automaton | None = None
        self._database: Any = None
        self._compiled = False

    def __bool__(self) -> bool:
        return bool(self.words)

    def spans(self, text: str) -> list[Span]:
        """For each position where some word ends, the longest word ending there, as (start,
        end) sorted by end: every occurrence of every word lies within one of these spans.

        >>> Literals(["secret", "cret-2", "et"]).spans("a secret-2 et")
        [(2, 8), (4, 10), (11, 13)]
        """
        if not self.words or not text:
            return []
        if text.isascii():
            found = self._hyperscan_spans(text)
            if found is not None:
                return found
        if self._automaton is None:
            self._automaton = _Automaton(self.words)
        return self._automaton.spans(text)

    def _hyperscan_spans(self, text: str) -> list[Span] | None:
        """The spans by hyperscan, or None when it is not there or met too many matches."""
        database = self._hyperscan()
        if database is None:
            return None
        longest: dict[int, int] = {}
        budget = 2 * len(text) + 64  # enough for every text but one built to nest matches

        def on_match(word: int, start: int, end: int, flags: int, context: Any) -> bool:
            nonlocal budget
            budget -= 1
            length = len(self.words[word])
            if length > longest.get(end, 0):
                longest[end] = length
            return budget < 0  # True stops the scan

        try:
            database.scan(text.encode("ascii"), match_event_handler=on_match)
        except hyperscan_module().ScanTerminated:
            return None
        return [(end - longest[end], end) for end in sorted(longest)]

    def _hyperscan(self) -> Any:
        """The compiled database of the ASCII words (None without hyperscan or without ASCII
        words, or when it cannot compile them), compiled on first use."""
        if not self._compiled:
            self._compiled = True
            self._database = _compile([(i, w) for i, w in enumerate(self.words) if w.isascii()])
        return self._database


def _compile(words: list[tuple[int, str]]) -> Any:
    hs = hyperscan_module()
    if hs is None or not words:
        return None
    database = hs.Database()
    try:
        database.compile(
            expressions=[_escaped(word) for _, word in words],
            ids=[index for index, _ in words],
            elements=len(words),
            flags=0,
        )
    except hs.error:  # e.g. out of memory for a huge word list: the automaton serves
        return None
    return database


def _escaped(word: str) -> bytes:
    """An ASCII word as a hyperscan expression matching it literally (hyperscan's literal
    mode would cut a word at its first NUL byte).

    >>> _escaped("a.b\\x00")
    b'a\\\\x2eb\\\\x00'
    """
    return "".join(c if c.isalnum() else f"\\x{ord(c):02x}" for c in word).encode("ascii")
