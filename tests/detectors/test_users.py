"""IA-USER-ROOT: the config's User is judged as runc reads it, so every spelling of uid 0 that
starts the container as root is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.detectors.users import numeric_uid
from fixtures.detector_cases import clean_image
from tests.detectors.test_rules import scan_spec


@pytest.mark.parametrize("user", ["+0", "+0:+0", "-0", "+00:1000"])
def test_a_signed_zero_user_runs_as_root_and_is_reported(user: str, tmp_path: Path) -> None:
    """Go's strconv.Atoi, which runc and Docker read a numeric User with, takes a sign: "+0"
    is uid 0, as "0" and "00" are."""
    report = scan_spec(clean_image(user=user), tmp_path, "signed")
    [finding] = [f for f in report.findings if f.rule_id == "IA-USER-ROOT"]
    assert finding.evidence == f"User {user!r} is uid 0"


def test_a_numeric_user_is_read_as_go_s_atoi_reads_it() -> None:
    assert [numeric_uid(u) for u in ("+0", "-0", "00", "+1000", "1000")] == [0, 0, 0, 1000, 1000]
    # not numbers to Atoi (an Arabic-Indic zero, an underscore, a bare sign): names, not uid 0
    assert [numeric_uid(u) for u in ("\u0660", "1_0", "+", "", "root")] == [None] * 5
