"""The providers' wire formats for times: fixed width, years padded (strftime's %Y is not on Linux)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from smsmock.providers.quickcom.envelope import IST
from smsmock.providers.quickcom.envelope import local_time as _local
from smsmock.providers.quickflow.envelope import stamp as _stamp
from smsmock.timestamps import datetime_text as _format
from smsmock.timestamps import iso_utc as _timestamp

UTC = timezone.utc
MOMENTS = [
    datetime(2025, 2, 28, 11, 31, 50, 814219, tzinfo=UTC),
    datetime(2025, 2, 28, 11, 31, 50, tzinfo=UTC),  # no microseconds: still six digits where they are shown
    datetime(5, 1, 1, 0, 0, 7, 42, tzinfo=UTC),  # a year below 1000
    datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-3))),  # another zone
]


@pytest.mark.parametrize("moment", MOMENTS)
def test_time_formats_match_isoformat(moment: datetime) -> None:
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    assert _timestamp(moment) == utc.isoformat(timespec="microseconds") + "Z"
    assert _stamp(moment) == _format(moment) == utc.isoformat(sep=" ", timespec="seconds")
    assert _local(moment) == moment.astimezone(IST).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")


def test_years_below_1000_are_padded() -> None:
    moment = datetime(5, 1, 1, 0, 0, 7, tzinfo=UTC)
    assert _timestamp(moment) == "0005-01-01T00:00:07.000000Z"
    assert _format(moment) == _stamp(moment) == "0005-01-01 00:00:07"
