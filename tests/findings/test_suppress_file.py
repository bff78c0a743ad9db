"""A suppression file that is not what it should be is one clear error line, quickly.

The cases that used to block, exhaust memory or take minutes run in a child process with a
timeout (and a memory cap) so that a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.cli import main
from analyzer.errors import UsageError
from analyzer.findings.model import Finding, Severity, fingerprint
from analyzer.findings.suppress import (
    MAX_PATTERN_ENTRIES,
    MAX_SUPPRESSION_BYTES,
    Suppression,
    apply_suppressions,
    load_suppressions,
)

ENTRY = '[[suppress]]\nrule = "IA-X"\nreason = "reviewed"\n'
TODAY = datetime.date(2026, 6, 1)
_CHILD = """
import resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from analyzer.errors import UsageError
from analyzer.findings.suppress import load_suppressions
try:
    print(len(load_suppressions(Path(sys.argv[1]))))
except UsageError as error:
    print(error)
"""


def load_in_child(path: Path) -> str:
    run = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return run.stdout.strip()


def error_for(tmp_path: Path, text: str | bytes) -> str:
    path = tmp_path / "suppress.toml"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    with pytest.raises(UsageError) as caught:
        load_suppressions(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path))
    return message


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    assert load_in_child(fifo) == f"{fifo}: a FIFO, not a suppression file (TOML)"


def test_a_device_is_refused_without_reading_it() -> None:
    assert load_in_child(Path("/dev/zero")) == (
        "/dev/zero: a character device, not a suppression file (TOML)"
    )


def test_a_directory_or_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="a directory, not a suppression file"):
        load_suppressions(tmp_path)
    with pytest.raises(UsageError, match="cannot read the suppression file"):
        load_suppressions(tmp_path / "absent.toml")


def test_a_file_over_the_size_cap_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    with big.open("wb") as file:
        file.truncate(MAX_SUPPRESSION_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(UsageError, match="larger than 16 MiB"):
        load_suppressions(big)


def test_text_that_is_not_utf8_says_where(tmp_path: Path) -> None:
    assert "not UTF-8 text (byte 7)" in error_for(tmp_path, b"# ok\n# \xff\xfe\n")


@pytest.mark.parametrize(
    "text", ["a = " + "[" * 50_000 + "]" * 50_000, "a = " + "{b = " * 50_000 + "}" * 50_000]
)
def test_nesting_too_deep_for_the_parser_is_a_clear_error(tmp_path: Path, text: str) -> None:
    assert "nested too deeply to read" in error_for(tmp_path, text)


@pytest.mark.parametrize("part", ["a.", '"a".', "'a'.", "a . "])
def test_a_long_dotted_key_is_refused_before_parsing(tmp_path: Path, part: str) -> None:
    # tomllib takes time quadratic in the number of parts: 200,000 parts took many minutes
    path = tmp_path / "dotted.toml"
    path.write_text(f"{ENTRY}\n{part * 200_000}b = 1\n")
    message = load_in_child(path)
    assert message.startswith(f"{path}: line 5: a dotted key of more than 16 parts (")
    assert message.endswith("), more than any file read here needs")


def test_dots_inside_string_values_are_not_keys(tmp_path: Path) -> None:
    path = tmp_path / "ok.toml"
    dotted = ".".join(["lib"] * 15)
    path.write_text(f'[[suppress]]\npath = "/usr/{dotted}/**"\nreason = "a.b.c. d... e"\n')
    [entry] = load_suppressions(path)
    assert entry.path == f"/usr/{dotted}/**"


def test_a_huge_integer_is_a_clear_error(tmp_path: Path) -> None:
    message = error_for(tmp_path, ENTRY + "x = " + "9" * 5000 + "\n")
    assert message.endswith(
        ": a TOML value that cannot be read: Exceeds the limit (4300 digits) for integer string "
        "conversion: value has 5000 digits"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2027-03-31", datetime.date(2027, 3, 31)),
        ("2027-03-31T23:30:00", datetime.date(2027, 3, 31)),
        ("2027-03-31T23:30:00-05:00", datetime.date(2027, 3, 31)),
        ("2027-03-31 01:00:00Z", datetime.date(2027, 3, 31)),
    ],
)
def test_expires_may_be_a_date_or_a_datetime_which_counts_as_its_date(
    tmp_path: Path, value: str, expected: datetime.date
) -> None:
    path = tmp_path / "ok.toml"
    path.write_text(ENTRY + f"expires = {value}\n")
    [entry] = load_suppressions(path)
    assert entry.expires == expected
    assert entry.expired(expected + datetime.timedelta(days=1))
    assert not entry.expired(expected)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("23:30:00", "a time of day (datetime.time(23, 30))"),
        ("20270331", "an integer (20270331)"),
        ('"2027-03-31"', "a string ('2027-03-31')"),
        ("1e400", "a float (inf)"),
        ("true", "a boolean (True)"),
        ("[2027-03-31]", "an array ([datetime.date(2027, 3, 31)])"),
    ],
)
def test_expires_of_any_other_type_is_a_clear_error(tmp_path: Path, value: str, kind: str) -> None:
    message = error_for(tmp_path, ENTRY + f"expires = {value}\n")
    assert message.endswith(f"suppress entry 1: expires must be a date like 2027-03-31, not {kind}")


@pytest.mark.parametrize(
    ("field", "value", "kind"),
    [
        ("reason", "12", "an integer"),
        ("rule", '["IA-X"]', "an array"),
        ("path", "{ a = 1 }", "a table"),
        ("fingerprint", "true", "a boolean"),
        ("reason", "9" * 4000, "an integer"),
    ],
)
def test_a_field_of_the_wrong_type_is_an_error_naming_the_entry(
    tmp_path: Path, field: str, value: str, kind: str
) -> None:
    fields = {"rule": '"IA-Y"', "reason": '"ok"', field: value}
    text = ENTRY + "\n[[suppress]]\n" + "".join(f"{k} = {v}\n" for k, v in fields.items())
    message = error_for(tmp_path, text)
    assert message.endswith(f"suppress entry 2: {field} must be a string, not {kind}")


def test_a_pattern_longer_than_any_path_is_refused(tmp_path: Path) -> None:
    message = error_for(tmp_path, f'[[suppress]]\npath = "/{"x" * 5000}"\nreason = "r"\n')
    assert "path is 5001 characters long, more than the 4096" in message


def test_file_content_in_messages_is_quoted_printable_and_cut(tmp_path: Path) -> None:
    message = error_for(tmp_path, ENTRY + '"\\u001b[2J' + "k" * 100 + '" = 1\n')
    assert "\x1b" not in message
    assert message.endswith("has unknown keys: '\\x1b[2Jkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...'")


def test_pattern_entries_are_limited_and_fingerprints_are_not(tmp_path: Path) -> None:
    patterns = tmp_path / "patterns.toml"
    patterns.write_text(ENTRY * MAX_PATTERN_ENTRIES)
    assert len(load_suppressions(patterns)) == MAX_PATTERN_ENTRIES
    patterns.write_text(ENTRY * (MAX_PATTERN_ENTRIES + 1))
    with pytest.raises(UsageError, match="more than 1000 entries without a fingerprint"):
        load_suppressions(patterns)
    baseline = tmp_path / "baseline.toml"
    baseline.write_text('[[suppress]]\nfingerprint = "f"\nreason = "r"\n' * 20_000)
    assert len(load_suppressions(baseline)) == 20_000


def test_a_datetime_expiry_scans_and_a_time_of_day_exits_2_with_one_line(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a datetime passed the old type check, then crashed comparing with today's date (exit 3)
    rules = tmp_path / "rules.toml"
    rules.write_text(ENTRY.replace("IA-X", "IA-USER-ROOT") + "expires = 2020-01-01T10:00:00Z\n")
    code = main(["scan", str(built["example"]), "--suppressions", str(rules), "--format", "json"])
    assert code == 0 and "expired on 2020-01-01" in capsys.readouterr().out
    rules.write_text(ENTRY + "expires = 10:00:00\n")
    code = main(["scan", str(built["example"]), "--suppressions", str(rules)])
    assert code == 2
    assert capsys.readouterr().err == (
        f"image-audit: error: {rules}: suppress entry 1: expires must be a date like "
        "2027-03-31, not a time of day (datetime.time(10, 0))\n"
    )


def finding(rule: str, path: str, key: str = "") -> Finding:
    return Finding(
        rule,
        "t",
        "c",
        Severity.LOW,
        "img",
        path,
        0,
        "",
        "",
        True,
        "",
        fingerprint(rule, path, key),
        (),
    )


def test_a_baseline_of_fifty_thousand_fingerprints_applies_in_linear_time() -> None:
    # every entry used to be tried on every finding: 100,000 findings took tens of minutes
    script = """
import datetime
from analyzer.findings.model import Finding, Severity, fingerprint
from analyzer.findings.suppress import Suppression, apply_suppressions
prints = [fingerprint("IA-X", f"/p/{i}") for i in range(100_000)]
findings = [
    Finding("IA-X", "t", "c", Severity.LOW, "i", f"/p/{i}", 0, "", "", True, "", p, ())
    for i, p in enumerate(prints)
]
entries = [Suppression("r", fingerprint=p) for p in prints[::2]]
applied = apply_suppressions(findings, entries, datetime.date(2026, 1, 1))
print(len(applied.kept), len(applied.suppressed))
"""
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert run.stdout.split() == ["50000", "50000"]


_RULES = st.sampled_from(["IA-A", "IA-B", "IA-*", ""])
_PATHS = st.sampled_from(["/a", "/b", "/a/*", "*", ""])
_ENTRIES = st.builds(
    Suppression,
    reason=st.sampled_from(["one", "two", "three"]),
    fingerprint=st.sampled_from(["", fingerprint("IA-A", "/a"), fingerprint("IA-B", "/a/x")]),
    rule=_RULES,
    path=_PATHS,
    expires=st.sampled_from([None, datetime.date(2026, 1, 1), datetime.date(2027, 1, 1)]),
)
_FINDINGS = st.builds(
    finding, st.sampled_from(["IA-A", "IA-B"]), st.sampled_from(["/a", "/b", "/a/x"])
)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.lists(_FINDINGS, max_size=8), st.lists(_ENTRIES, max_size=8))
def test_each_finding_is_suppressed_by_the_first_live_entry_in_file_order(
    findings: list[Finding], entries: list[Suppression]
) -> None:
    applied = apply_suppressions(findings, entries, TODAY)
    live = [e for e in entries if not e.expired(TODAY)]
    expected = [(f, next((e for e in live if e.matches(f)), None)) for f in findings]
    assert list(applied.suppressed) == [(f, e) for f, e in expected if e is not None]
    assert list(applied.kept) == [f for f, e in expected if e is None]
