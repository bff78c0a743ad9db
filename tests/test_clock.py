"""The date a scan judges by is UTC's, or SOURCE_DATE_EPOCH's: never the machine's time zone."""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from analyzer.detectors.context import ScanOptions

_KIRITIMATI_NEXT_DAY = 1765152000 + 11 * 3600
"""2025-12-08 11:00 UTC: already 2025-12-09 on Kiritimati (UTC+14)."""


@pytest.fixture
def far_east(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("far_east")
def test_the_date_findings_are_judged_by_is_the_source_date_in_utc(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A suppression expiring on the 8th, an end-of-life date, the vulnerability data's age:
    judged as of one date wherever the scan runs, and as of SOURCE_DATE_EPOCH's when it is
    set (the date custody.json records for a reproducible bundle)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(_KIRITIMATI_NEXT_DAY))
    assert ScanOptions().today == datetime.date(2025, 12, 8)


@pytest.mark.usefixtures("far_east")
def test_without_a_source_date_the_date_is_today_in_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    before = datetime.datetime.now(datetime.UTC).date()
    today = ScanOptions().today
    assert today in {before, datetime.datetime.now(datetime.UTC).date()}


def test_the_bundle_records_the_date_findings_were_judged_as_of(
    built: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json  # noqa: PLC0415

    from analyzer.cli import main  # noqa: PLC0415

    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(_KIRITIMATI_NEXT_DAY))
    out = tmp_path / "evidence"
    assert main(["scan", str(built["example"]), "--bundle", str(out), "-q"]) in (0, 1)
    custody = json.loads((out / "custody.json").read_text())
    assert custody["judged_as_of"] == "2025-12-08"
    assert custody["started_utc"].startswith("2025-12-08T11:00")
