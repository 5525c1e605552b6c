"""What a calendar feed covers (its window of dates) and its validators (ETag, Last-Modified).

Calendar apps fetch a feed every hour or so by themselves. The validators come from one aggregate
query over the window's bookings, grouped by the other party named in the events (the member for an
expert's feed, the expert for a member's feed), so an unchanged feed is answered 304 without loading
or writing a single event.

Everything the events show must change the validators:
- a booking added, cancelled, moved, delivered or flagged "to reschedule" (an expert's leave flags
  them): the count and sum of booking ids, the sum of their SEQUENCE, their latest `updated_at`;
- a request's title, address or on-site choice: its `updated_at`;
- the other party's name or address, the owner's name or address, the pool's name and half-day
  times, the site's address in links: their values go into the ETag;
- the other party's and the owner's rename (or any change to them): their `updated_at`, which also
  dates Last-Modified, so a client sending If-Modified-Since alone sees a new name at once;
- the window itself moves at midnight: today's date goes into the ETag, and Last-Modified is never
  earlier than today's midnight (Paris).
A change of the pool's settings (its name, half-day times) has no date: it changes the ETag, which a
client's If-None-Match is judged by first (RFC 9110 section 13.2.2); a client that sends
If-Modified-Since alone gets it by the next midnight at the latest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from expertpool.extensions import db
from expertpool.models import Booking, Expert, InterventionRequest, Member, PoolSettings
from expertpool.timeutil import PARIS

# 3 months back (what was done lately stays visible), 12 months ahead (beyond, plans move); the feed
# pages say so. Months of 31 days: never less than what they promise.
PAST_MONTHS, AHEAD_MONTHS = 3, 12
WINDOW_PAST = timedelta(days=31 * PAST_MONTHS)
WINDOW_AHEAD = timedelta(days=31 * AHEAD_MONTHS)
# Bump when the events' text or layout changes, so that clients holding the old feed fetch the new one.
FEED_FORMAT = "2"


@dataclass(frozen=True)
class FeedWindow:
    first: date
    last: date

    def covers(self):
        return Booking.date.between(self.first, self.last)


def feed_window(today: date) -> FeedWindow:
    return FeedWindow(today - WINDOW_PAST, today + WINDOW_AHEAD)


@dataclass(frozen=True)
class Validators:
    etag: str  # weak: DTSTAMP differs at every build, the events do not
    last_modified: datetime


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def feed_validators(
    owner_condition,
    party_columns,
    window: FeedWindow,
    *,
    today: date,
    owner_values: tuple,
    owner_updated_at: datetime,
    base_url: str,
) -> Validators:
    """The validators of the feed of the bookings matching `owner_condition` within `window`.

    `party_columns`: the columns of the other party whose values the events print (grouped on).
    `owner_values`: what the feed prints of its owner (name, address); `owner_updated_at`: its last change.
    """
    rows = db.session.execute(
        select(
            *party_columns,
            func.count(Booking.id),
            func.sum(Booking.id),
            func.sum(Booking.sequence),
            func.max(Booking.updated_at),
            func.max(InterventionRequest.updated_at),
            func.max(Member.updated_at),
            func.max(Expert.updated_at),
        )
        .join(InterventionRequest, InterventionRequest.id == Booking.request_id)
        .join(Member, Member.id == InterventionRequest.member_id)
        .join(Expert, Expert.id == Booking.expert_id)
        .where(owner_condition, window.covers())
        .group_by(*party_columns)
        .order_by(*party_columns)
    ).all()
    settings = PoolSettings.load(db.session)
    fingerprint = repr(
        (
            FEED_FORMAT,
            window.first,
            window.last,
            owner_values,
            owner_updated_at,
            (settings.name, settings.am_start, settings.am_end, settings.pm_start, settings.pm_end),
            base_url,
            [tuple(row) for row in rows],
        )
    )
    midnight = datetime.combine(today, time(0), tzinfo=PARIS).astimezone(UTC)
    stamps = [_utc(stamp) for row in rows for stamp in row[-4:] if stamp is not None]
    last_modified = max([midnight, _utc(owner_updated_at), *stamps]).replace(microsecond=0)
    return Validators(hashlib.sha256(fingerprint.encode()).hexdigest()[:32], last_modified)
