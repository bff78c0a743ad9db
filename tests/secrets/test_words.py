"""Shell words judged one by one: the same words and findings as shlex and a per-word engine
call give, in time linear in the text."""

from __future__ import annotations

import shlex
import subprocess
import sys
import textwrap

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analyzer.secrets.engine import SecretEngine
from analyzer.secrets.words import judged_words, shell_words

FRAGMENTS = [
    "a",
    "Zq7",
    " ",
    "\t",
    "\n",
    "'",
    '"',
    "\\",
    "=",
    "--password=",
    "ghp_",
    "AKIA",
    "0123456789abcdef0123",
    "Lm4xT9vRk2Wp8sQ3Yz5B",
    "key=",
    "AbCdEf0123456789XyZaBcDeF9",  # found only once the INI pass quotes it
    "%(x)s",
    "[s]",
    "\u00a0",
    "#",
    "db_pass",
    " : ",
    "s3cr3tvalue",
]


@settings(derandomize=True, max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join))
def test_shell_words_are_the_words_shlex_gives(text: str) -> None:
    try:
        expected = shlex.split(text)
    except ValueError:  # odd quotes or a final backslash: plain whitespace
        expected = text.split()
    assert shell_words(text) == expected


@pytest.fixture(scope="module")
def engine() -> SecretEngine:
    return SecretEngine()


@settings(derandomize=True, max_examples=150, deadline=None)
@example(words=["app", "key=AbCdEf0123456789XyZaBcDeF9", "--password=Lm4xT9vRk2Wp8sQ3Yz5B"])
@example(words=["db_pass : s3cr3tvalue"])  # no keyword regex matches it; the INI reading does
@given(words=st.lists(st.lists(st.sampled_from(FRAGMENTS), max_size=5).map("".join), max_size=8))
def test_judging_only_the_words_that_could_give_a_finding_loses_none(
    words: list[str], engine: SecretEngine
) -> None:
    """The words skipped without an engine call are words the engine finds nothing in."""
    name = "image-config/history"
    expected = [(w, s) for w in dict.fromkeys(words) for s in engine.scan(name, w.encode())]
    assert judged_words(engine, name, words) == expected


def test_words_prefiltered_in_batches_lose_none_at_the_batch_edges(
    engine: SecretEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """550,000 file names are prefiltered 20,000 at a time (the joined buffer stays small):
    a word's verdict does not depend on the batch it falls in."""
    from analyzer.secrets import words as module  # noqa: PLC0415

    name = "image-names"
    words = [f"plain{i}" for i in range(10)]
    words[2:2] = ["--password=Lm4xT9vRk2Wp8sQ3Yz5B"]  # the last word of the first batch
    words[3:3] = ["ghp_" + "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6"]  # the first of the next
    expected = judged_words(engine, name, words, transforms=False)
    monkeypatch.setattr(module, "_PREFILTER_BATCH", 3)
    assert judged_words(engine, name, words, transforms=False) == expected
    assert len(expected) == 2


def test_a_word_nothing_could_be_found_in_costs_no_engine_call(
    engine: SecretEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """100k plain words and 20 passwords: 20 engine calls, not 100k (tens of microseconds
    each: 8 MB of words judged one by one took minutes)."""
    words = [f"w{i}" for i in range(100_000)] + [
        f"--password=Lm4xT9vRk2Wp8s{i:02}" for i in range(20)
    ]
    calls: list[bytes] = []
    scan = engine.scan
    monkeypatch.setattr(engine, "scan", lambda name, data: calls.append(data) or scan(name, data))
    assert len(judged_words(engine, "image-config/history", words)) == 20
    assert len(calls) == 20


_EIGHT_MB = """
import random, string, time
from analyzer.secrets.engine import SecretEngine
from analyzer.secrets.words import judged_words, shell_words
rng = random.Random(8)
words = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 10)))
         for _ in range(1_200_000)]  # 8 MB of words: shlex alone took 9 s
words += ["--password=" + "".join(rng.choice(string.ascii_letters) for _ in range(18))
          for _ in range(200)]
text = " ".join(words)
assert shell_words(text) == words
found = judged_words(SecretEngine(), "image-config/history", words)
assert len(found) == 200
"""


def test_eight_megabytes_of_words_are_split_and_judged_in_linear_time() -> None:
    """A per-word engine call costs tens of microseconds: a million words judged each would
    take minutes. Run in a subprocess with a generous timeout."""
    subprocess.run([sys.executable, "-c", textwrap.dedent(_EIGHT_MB)], check=True, timeout=240)
