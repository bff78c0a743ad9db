"""The Scrubber: every known secret redacted from any text, in time linear in the text.

The scrubber used to look for each value in turn (values x text) and hash every window of
every file secret's length (text x length sha256 calls). `ReferenceScrubber` below is that
implementation, kept as the specification of what a redaction looks like: on texts where the
secrets' occurrences do not partially overlap, the new scrubber must give exactly its output.
Where they overlap, the new one redacts the overlapping occurrences together (the old one could
leave most of a secret showing), and the safety property says no secret ever shows in full.
"""

from __future__ import annotations

import hashlib
import itertools
import subprocess
import sys
import textwrap
from collections.abc import Iterable

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analyzer.secrets import hashed as hashed_module
from analyzer.secrets import redact as redact_module
from analyzer.secrets.literals import Literals
from analyzer.secrets.redact import redact
from analyzer.secrets.scrubber import Scrubber
from tests.bounded import run_bounded


class ReferenceScrubber:
    """The scrubber as it was (O(values x text) and O(text x length) sha256 calls)."""

    def __init__(self, values: Iterable[str] = (), env: Iterable[str] = ()) -> None:
        found = {v for v in values if v}
        long = [v for v in found if len(v) >= 4]
        short = {v for v in found if len(v) < 4}
        self._exact = {v: str(redact(v)) for v in short}
        for entry in env:
            name, _, value = entry.partition("=")
            if value in short:
                long.append(entry)
                self._exact[entry] = f"{name}={redact(value)}"
        self._values = sorted(long, key=len, reverse=True)
        self._hashed: dict[int, frozenset[str]] = {}

    def with_hashed(self, hashed: Iterable[tuple[int, str]]) -> ReferenceScrubber:
        by_length: dict[int, set[str]] = {}
        for length, digest in hashed:
            if length >= 6:
                by_length.setdefault(length, set()).add(digest)
        self._hashed = {n: frozenset(d) for n, d in by_length.items()}
        return self

    def __call__(self, text: str) -> str:
        if text in self._exact:
            return self._exact[text]
        for value in self._values:
            if value in text:
                text = text.replace(value, self._exact.get(value) or str(redact(value)))
        for length, digests in self._hashed.items():
            text = _reference_windows(text, length, digests)
        return text


def _reference_windows(text: str, length: int, digests: frozenset[str]) -> str:
    start = 0
    while start + length <= len(text):
        window = text[start : start + length]
        if hashlib.sha256(window.encode()).hexdigest() in digests:
            hidden = str(redact(window))
            text = text[:start] + hidden + text[start + length :]
            start += len(hidden)
        else:
            start += 1
    return text


# Letters that never occur in a redaction's fixed text ("... (N chars, sha256:<hex>)"), so
# that the old scrubber's habit of replacing inside redactions cannot make the two differ.
ALPHABET = "gijklmnopqtuvwxyzGIJKLMNOPQ_"
values_st = st.text(ALPHABET[:6], min_size=1, max_size=9)


def _occurrences(text: str, value: str) -> list[tuple[int, int]]:
    return [(i, i + len(value)) for i in range(len(text)) if text.startswith(value, i)]


def _short_value_as_a_word(text: str, values: Iterable[str]) -> bool:
    """A short value standing as a word of its own: the old scrubber left it."""
    for value in (v for v in values if len(v) < 4):
        for start, end in _occurrences(text, value):
            before = start == 0 or text[start - 1] in " \t\n'\"="
            after = end == len(text) or text[end] in " \t\n'\""
            if before and after and text != value:
                return True
    return False


def _overlap_only_inside_a_value(text: str, literals: Iterable[str], hashed: Iterable[str]) -> bool:
    """True when any two occurrences are apart, or one lies inside a value's occurrence."""
    spans = [(o, "value") for v in literals for o in _occurrences(text, v)]
    spans += [(o, "hashed") for v in hashed for o in _occurrences(text, v)]
    for ((a, b), kind_a), ((c, d), kind_b) in itertools.combinations(spans, 2):
        apart = b <= c or d <= a
        inside_value = (kind_a == "value" and a <= c and d <= b) or (
            kind_b == "value" and c <= a and b <= d
        )
        if not apart and not inside_value and (a, b) != (c, d):
            return False
    return True


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, list[str], list[str], list[str]]:
    """A text made of values, file secrets and filler; the values, env entries, secrets."""
    values = draw(st.lists(values_st, max_size=5))
    secrets = draw(st.lists(st.text(ALPHABET[:6], min_size=6, max_size=10), max_size=3))
    env = [f"NAME_{i}={v}" for i, v in enumerate(values) if draw(st.booleans())]
    pieces = st.sampled_from(values + secrets + env + [" ", "-"]) | st.text(ALPHABET, max_size=4)
    text = "".join(draw(st.lists(pieces, max_size=8)))
    return text, values, env, secrets


@pytest.mark.parametrize("path", ["anchored windows hashed", "Rabin-Karp pass"])
@settings(derandomize=True, max_examples=200, deadline=None)
@given(case=cases())
def test_the_scrubber_gives_the_old_scrubbers_output_where_occurrences_do_not_overlap(
    path: str, case: tuple[str, list[str], list[str], list[str]]
) -> None:
    text, values, env, secrets = case
    long_values = [v for v in values if len(v) >= 4]
    entries = [e for e in env if len(e.partition("=")[2]) < 4]
    assume(_overlap_only_inside_a_value(text, long_values + entries, secrets))
    assume(not _short_value_as_a_word(text, values))
    old = ReferenceScrubber(values, env).with_hashed(
        (len(s), hashlib.sha256(s.encode()).hexdigest()) for s in secrets
    )
    with pytest.MonkeyPatch.context() as patch:
        if path == "Rabin-Karp pass":  # what a text dense with one anchor gets
            patch.setattr(hashed_module, "_DIRECT", 0)
            patch.setattr(hashed_module, "_SLACK", -1)
        new = Scrubber(values, env=env).with_hashed(redact(s) for s in secrets)
        assert new(text) == old(text)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(cases())
def test_no_known_secret_shows_in_full_whatever_the_overlaps(
    case: tuple[str, list[str], list[str], list[str]],
) -> None:
    text, values, env, secrets = case
    scrubbed = Scrubber(values, env=env).with_hashed(redact(s) for s in secrets)(text)
    for value in [v for v in values if len(v) >= 4] + [s for s in secrets if len(s) >= 6]:
        assert value not in scrubbed


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.lists(st.text("ab\x00é.", min_size=1, max_size=6), max_size=6), st.text("ab\x00é.x"))
def test_hyperscan_and_the_automaton_find_the_same_spans(words: list[str], text: str) -> None:
    with_hyperscan = Literals(words)
    automaton_only = Literals(words)
    automaton_only._compiled = True  # as if hyperscan were not installed
    assert with_hyperscan.spans(text) == automaton_only.spans(text)
    longest = {}  # by brute force: the longest word ending at each position
    for word in set(words):
        for start, end in _occurrences(text, word):
            longest[end] = max(longest.get(end, 0), end - start)
    assert automaton_only.spans(text) == [(end - n, end) for end, n in sorted(longest.items())]


def test_a_secret_overlapping_another_is_redacted_with_it() -> None:
    """The old scrubber replaced the longer one and left the rest of the shorter one."""
    scrub = Scrubber(["xyzw-abcd", "abcd-0123456789"])
    scrubbed = scrub("key=xyzw-abcd-0123456789 end")
    assert scrubbed.startswith("key=xyzw... (20 chars, sha256:") and scrubbed.endswith(") end")
    assert "0123456789" not in scrubbed and "xyzw-abcd" not in scrubbed


def test_a_four_character_secret_that_starts_a_longer_one_is_hidden_in_its_prefix() -> None:
    scrubbed = Scrubber(["Abcd", "Abcd-efgh-ijkl"])("pw=Abcd-efgh-ijkl")
    assert "Abcd" not in scrubbed and scrubbed.startswith("pw=A... (4 chars, sha256:")


def test_a_short_config_secret_standing_as_a_word_is_redacted() -> None:
    """A 3-character password quoted as an argument of a command line showed in full; inside
    a longer word (a digest, a name) it is left alone."""
    scrub = Scrubber(["a9Z"])
    for quoted in ('CMD ["redis-server", "--requirepass", "a9Z"]', "redis-cli -a a9Z", "--pw=a9Z"):
        assert "a9Z" not in scrub(quoted), quoted
    assert scrub("sha256:a9Z a9Zb xa9Z") == "sha256:a9Z a9Zb xa9Z"


def test_a_short_file_secret_is_redacted_where_it_stands_as_a_word_of_its_own() -> None:
    """Under 6 characters a file secret is not looked for inside words (it would hit words and
    digests): it was redacted only where it was the whole field, and a build step, a file name
    or a link target quoting it among other words showed it in full."""
    scrub = Scrubber().with_hashed([redact("Zq9!k")])
    hidden = str(redact("Zq9!k"))
    assert scrub("Zq9!k") == hidden
    quoted = {
        "RUN echo Zq9!k > /app/x": f"RUN echo {hidden} > /app/x",
        "/app/Zq9!k": f"/app/{hidden}",
        "../Zq9!k.bak": f"../{hidden}.bak",
        'password = "Zq9!k"': f'password = "{hidden}"',
        "mysql --password=Zq9!k,admin:Zq9!k@db": f"mysql --password={hidden},admin:{hidden}@db",
    }
    assert {text: scrub(text) for text in quoted} == quoted
    inside = "xZq9!k Zq9!ky sha256:aZq9!k Zq9!k-old"
    assert scrub(inside) == inside


def test_a_short_file_secret_that_starts_a_longer_one_is_hidden_in_its_redaction_too() -> None:
    """The redaction of "Abcd-efgh-ijkl" shows "Abcd...": a file secret "Abcd" would stand
    there as a word of its own."""
    scrubbed = Scrubber().with_hashed([redact("Abcd"), redact("Abcd-efgh-ijkl")])(
        "pw=Abcd-efgh-ijkl"
    )
    assert "Abcd" not in scrubbed and scrubbed.startswith("pw=A... (4 chars, sha256:")


def test_short_file_secrets_of_every_length_are_found_as_words_in_linear_time() -> None:
    """One candidate per position and length (five lengths at most): a text made of nothing
    but separators and one-character words is still one pass per length."""
    secrets = ["a", "b2", "c3!", "d4!x", "e5!xy"]
    scrub = Scrubber().with_hashed(redact(s) for s in secrets)
    text = "/".join(secrets) + " " + "a/" * 100_000
    scrubbed = scrub(text)
    assert not any(f"/{s}/" in scrubbed or scrubbed.startswith(s) for s in secrets)
    assert scrubbed.count("chars, sha256:") == 100_005


def test_texts_with_undecodable_bytes_and_lone_surrogates_are_scrubbed() -> None:
    """A name read with surrogateescape, or a JSON string with a lone surrogate, is hashed by
    the bytes it stands for instead of crashing the encoder."""
    secret = "Tok\udcff-1234567"
    scrub = Scrubber(["lit-\ud800-value"]).with_hashed([redact(secret)])
    scrubbed = scrub(f"a {secret} b lit-\ud800-value c")
    assert secret not in scrubbed and "lit-\ud800-value" not in scrubbed
    assert scrubbed.count("chars, sha256:") == 2


def test_a_text_crafted_against_the_fingerprint_is_redacted_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With a fixed fingerprint a text can be built whose windows all share a secret's
    fingerprint: past a budget of such windows the text is hidden whole, never hashed window
    by window (here a modulus of 1 makes every window collide)."""
    for module in (redact_module, hashed_module):
        monkeypatch.setattr(module, "ROLLING_MODULUS", 1)
    secret = redact("Secret-Value-9")
    text = "Se" * 5_000  # the secret's anchor everywhere: the Rabin-Karp pass runs
    assert Scrubber().with_hashed([secret])(text) == str(redact(text))


def test_union_redacts_what_each_scrubber_does() -> None:
    one = Scrubber(["first-secret"]).with_hashed([redact("file-secret-1")])
    two = Scrubber(["a9Z"], env=["PASS=a9Z"])
    both = Scrubber.union([one, two], ["archive-value"])
    text = "first-secret file-secret-1 PASS=a9Z archive-value"
    assert both(text).count("chars, sha256:") == 4


_LINEAR = """
import hashlib, random, string, sys, time
from analyzer.secrets.redact import redact
from analyzer.secrets.scrubber import Scrubber
rng = random.Random(4)
def token(n):
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))
values = [token(rng.randint(8, 30)) for _ in range(20_000)]
files = [redact(token(n)) for n in range(6, 46)]  # 40 distinct lengths
scrub = Scrubber(values).with_hashed(files)
words = [token(rng.randint(3, 10)) for _ in range(150_000)]
line = " ".join(words[:75_000] + values[:50] + words[75_000:])  # a 1 MB history line
assert sum(len(scrub(v)) for v in values) > 0  # 20k label values
out = scrub(line)
assert values[0] not in out and out.count("chars, sha256:") == 50
"""


def test_scrubbing_is_linear_in_the_text_and_in_the_number_of_secrets() -> None:
    """20k config values and 40 file-secret lengths against a 1 MB history line and 20k
    labels: the old scrubber needed about values x text plus text x lengths sha256 calls
    (hours); this runs in seconds, in a subprocess with a generous timeout."""
    subprocess.run([sys.executable, "-c", textwrap.dedent(_LINEAR)], check=True, timeout=240)


def test_a_text_dense_with_the_anchor_of_secrets_of_many_lengths_is_hidden_in_bounded_time() -> (
    None
):
    """Each file secret's length was one pass over the text: a 1 MB history line of "ab " and
    800 secrets starting "ab" with 800 lengths took minutes and ran out of a gigabyte. Past a
    budget of candidate windows proportional to the text, the text is hidden whole (more
    redaction, never less)."""
    outcome = run_bounded(
        """
        from analyzer.secrets.redact import redact
        from analyzer.secrets.scrubber import Scrubber
        secrets = [redact("ab" + "Zq9-" * 4 + "x" * n) for n in range(800)]
        line = "RUN echo " + "ab " * 350_000
        assert Scrubber().with_hashed(secrets)(line) == str(redact(line))
        """,
        timeout=60,
    )
    assert outcome.line == "OK", outcome.stderr[-2000:]


def test_a_text_dense_with_an_anchor_within_the_budget_shows_all_but_the_secrets() -> None:
    """Below the budget the candidates' fingerprints are read from the text's prefix
    fingerprints: every occurrence is found, nothing else is hidden."""
    secrets = ["ab" + "Zq9-" * 4 + "x" * n for n in range(3)]
    text = "ab " * 20_000 + " ".join(secrets) + " ab" * 20_000
    scrubbed = Scrubber().with_hashed(redact(s) for s in secrets)(text)
    assert scrubbed.count("chars, sha256:") == 3 and not any(s in scrubbed for s in secrets)
    assert scrubbed.startswith("ab " * 20_000) and scrubbed.endswith(" ab" * 20_000)
