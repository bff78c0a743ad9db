"""Many small texts (the shell words of a config text, file names), each judged by the secrets
engine on its own.

detect-secrets' keyword plugin takes a value to the end of its text: in
`app --password=PW --user=bob` it reports "PW --user=bob". The config scan then judges each
shell word alone, to report (and scrub) "PW". A history line may hold a million words, and the
engine costs tens of microseconds per call even on a word it has nothing to say about, so only
the words that could give a finding are handed to it:
- a word the prefilter has a shape on (all words are prefiltered together, at C speed); or
- a word a transformer could turn into a finding (detect-secrets' eager INI pass quotes an
  unquoted value): one with a run of an entropy plugin's charset long enough to pass its limit,
  or with YAML/INI escapes.
These are the engine's own conditions for any finding (see `SecretEngine.scan`), so the other
words would give nothing. Words are judged once each, however often they repeat.

File names are judged the same way, on a shape only: a path is not an INI option, and nearly
every path is a long run of the base64 charset ("/" is in it), so the second condition would
hand the engine every name while only making hash-named files look like secrets.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from analyzer.secrets.engine import RawSecret, SecretEngine
from analyzer.secrets.prefilter import Prefilter

_LINE_BREAKS = re.compile(r"[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
"""Characters that end a line for detect-secrets: a word holding one is judged alone."""


_BLANK = " \t\r\n"
"""shlex's whitespace (any other character, Unicode spaces included, is part of a word)."""
_PIECES = r"[^ \t\r\n'\"\\]+|\\[\s\S]|'[^']*'|\"(?:[^\"\\]|\\[\s\S])*\""
"""A word's pieces: plain characters, a backslash escape, a single- or double-quoted part."""
_WORD = re.compile(f"[{_BLANK}]*((?:{_PIECES})+)")
_QUOTED = re.compile(r"\\([\s\S])|'([^']*)'|" + r'"((?:[^"\\]|\\[\s\S])*)"')
_DOUBLE_QUOTED_ESCAPE = re.compile(r'\\(["\\])')


def shell_words(text: str) -> list[str]:
    """The words a shell would split `text` into, exactly as `shlex.split` gives them (plain
    whitespace if its quotes are odd), at the speed of a regular expression: shlex reads a
    character at a time, nine seconds for an 8 MB history line.

    >>> shell_words("exec app --password='a b' --user=bob"), shell_words("echo 'x")
    (['exec', 'app', '--password=a b', '--user=bob'], ['echo', "'x"])
    """
    words: list[str] = []
    position, end = 0, len(text.rstrip(_BLANK))
    while position < end:
        word = _WORD.match(text, position)
        if word is None:  # an unclosed quote or a final backslash: shlex would refuse it
            return text.split()
        words.append(_unquoted(word.group(1)))
        position = word.end()
    return words


def _unquoted(word: str) -> str:
    if not any(c in word for c in "'\"\\"):
        return word
    return _QUOTED.sub(_unquote, word)


def _unquote(piece: re.Match[str]) -> str:
    escaped, single, double = piece.groups()
    if escaped is not None:
        return escaped
    if single is not None:
        return single
    return _DOUBLE_QUOTED_ESCAPE.sub(r"\1", double)


_PREFILTER_BATCH = 20_000
"""Words prefiltered at once: the prefilter joins them into one buffer (and its bytes), which
for 550,000 file names of 250 characters was 0.3 GB at once; a word's candidacy does not
depend on its neighbours (a shape found on a line is found in any batch holding it)."""


def judged_words(
    engine: SecretEngine, filename: str, words: Sequence[str], *, transforms: bool = True
) -> list[tuple[str, RawSecret]]:
    """(word, finding) for the engine's findings in each word on its own, in word order;
    `transforms=False` hands it only the words the prefilter has a shape on."""
    distinct = list(dict.fromkeys(words))
    one_line = [word for word in distinct if not _LINE_BREAKS.search(word)]
    could = _Transformable(engine.prefilter) if transforms else lambda word: False
    chosen: set[str] = set()
    for start in range(0, len(one_line), _PREFILTER_BATCH):  # the buffers stay small
        batch = one_line[start : start + _PREFILTER_BATCH]
        # the shapes alone: a word is scanned whole, and a transformed (INI, YAML) reading
        # of it can give the keyword plugin a line its check on the word as written refuses
        shaped = engine.prefilter.plugins_per_line(batch, line_checks=False)
        chosen.update(word for n, word in enumerate(batch, 1) if n in shaped or could(word))
    chosen.update(word for word in distinct if _LINE_BREAKS.search(word))
    return [
        (word, secret)
        for word in distinct
        if word in chosen
        for secret in engine.scan(filename, utf8(word))
    ]


def utf8(text: str) -> bytes:
    """The text for the engine: a lone surrogate (JSON may hold one) or an undecodable byte
    of a name becomes U+FFFD rather than make the whole text unreadable to it."""
    try:
        return text.encode()
    except UnicodeEncodeError:
        return re.sub("[\ud800-\udfff]", "\ufffd", text).encode()


class _Transformable:
    """Whether a transformer could turn a word into a finding: it holds escapes, or a run of
    an entropy plugin's charset long enough to pass its limit (checked by the prefilter on
    the few words that have such a run at all)."""

    def __init__(self, prefilter: Prefilter) -> None:
        self._prefilter = prefilter
        runs = [
            f"[{re.escape(plugin.charset)}]{{{math.floor(2 ** float(plugin.entropy_limit)) + 1},}}"
            for plugin in (shape.entropy for shape in prefilter.shapes)
            if plugin is not None
        ]
        self._run = re.compile("|".join(runs)) if runs else None

    def __call__(self, word: str) -> bool:
        if "\\" in word or "%(" in word:
            return True
        if self._run is None or not self._run.search(word):
            return False
        return self._prefilter.unquoted_entropy(word)
