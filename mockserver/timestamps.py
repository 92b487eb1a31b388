"""Date-time formats the providers write, zero-padded."""
from __future__ import annotations

from datetime import datetime, timezone, tzinfo

__all__ = ["DATETIME_FORMAT", "UTC", "datetime_text", "iso_utc"]

UTC = timezone.utc
# The strptime format of datetime_text's text, for reading such a value back.
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"

# Written with %, not strftime: strftime's %Y does not pad years below 1000 on Linux (``1-01-01``, which
# the specs' patterns refuse), and it is slower (every QuickCom answer carries two timestamps).


def datetime_text(moment: datetime, zone: tzinfo = UTC) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in a time zone (UTC unless told): Frappe's, AltumCode's and QuickCom's local form."""
    at = moment.astimezone(zone)
    return "%04d-%02d-%02d %02d:%02d:%02d" % (at.year, at.month, at.day, at.hour, at.minute, at.second)


def iso_utc(moment: datetime) -> str:
    """``2025-02-28T11:31:50.814219Z``: ISO 8601 in UTC, always with six digits of microseconds."""
    u = moment.astimezone(UTC)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond)
