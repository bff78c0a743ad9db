"""The one clock of a run: now in UTC, or SOURCE_DATE_EPOCH when set.

Every date a run depends on comes from here, so that a scan is the same wherever it runs (a
time zone east of UTC was a day ahead: a suppression that had expired there still held in
London) and a reproducible run (SOURCE_DATE_EPOCH set) judges end-of-life, suppression expiry
and the age of vulnerability data as of the date its custody record gives.
"""

from __future__ import annotations

import datetime
import os

from analyzer.errors import UsageError
from analyzer.text import printable


def utc_now() -> datetime.datetime:
    """Now in UTC, or SOURCE_DATE_EPOCH when set (for fully reproducible bundles)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        try:
            return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
        except (ValueError, OverflowError, OSError):  # not a number, or past year 9999
            raise UsageError(
                f"SOURCE_DATE_EPOCH={printable(epoch[:40])} is not a number of seconds since "
                "1970 naming a date in the years 1 to 9999"
            ) from None
    return datetime.datetime.now(datetime.UTC)


def utc_today() -> datetime.date:
    """The date findings are judged as of: `utc_now`'s, in UTC whatever the time zone."""
    return utc_now().date()
