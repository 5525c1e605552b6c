"""The demo obeys the period and window rules of issue 19: loaded on 2 December, its January half-days
fall in an open period (next year's, prepared ahead), and no request asks more days than its window holds."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from expertpool import demo
from expertpool.calendars import window_half_days
from expertpool.models import Booking, BookingStatus, InterventionRequest, PoolSettings
from expertpool.periods import open_period_for
from expertpool.timeutil import today_paris


@pytest.mark.parametrize("now", [datetime(2026, 12, 2, 8, tzinfo=UTC), datetime(2027, 3, 10, 8, tzinfo=UTC)])
def test_demo_books_inside_open_periods_and_windows_hold_the_days(db, now):
    assert demo.seed(now=now) is True
    db.session.flush()
    region = PoolSettings.load(db.session).holidays_region
    too_long = [
        r.title
        for r in db.session.scalars(select(InterventionRequest))
        if r.half_days > window_half_days(r.earliest, r.deadline, region)
    ]
    assert too_long == []
    planned = list(
        db.session.scalars(
            select(Booking).where(Booking.status == BookingStatus.PLANNED, Booking.date > today_paris(now))
        )
    )
    assert planned  # the demo has upcoming half-days, and each lies in an open period
    assert [b.date for b in planned if open_period_for(b.date) is None] == []
