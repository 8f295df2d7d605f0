"""The API's dates as Seerr writes them: UTC, milliseconds (cut, not rounded), a Z."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from adapters.api.shapes import iso, stamp


def test_a_date_is_utc_to_the_millisecond_with_a_z() -> None:
    assert iso(datetime(2026, 2, 9, 11, 8, 53, 999_999, tzinfo=UTC)) == "2026-02-09T11:08:53.999Z"
    two_hours_east = timezone(timedelta(hours=2))
    assert iso(datetime(2026, 2, 9, 1, 0, 0, 1_500, tzinfo=two_hours_east)) == (
        "2026-02-08T23:00:00.001Z"
    )


def test_no_date_is_none_or_the_epoch() -> None:
    assert iso(None) is None
    assert stamp(None) == "1970-01-01T00:00:00.000Z"
