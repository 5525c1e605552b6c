"""iCalendar documents of bookings: one VEVENT per half-day at the pool's times, in Europe/Paris.

Calendar apps match events by UID and keep the highest SEQUENCE, so a booking keeps its UID for life,
bumps SEQUENCE on every change, and a cancelled one is published as STATUS:CANCELLED to be removed.
"""

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta

from icalendar import Calendar, Event, Timezone

from expertpool.labels import booking_status_label, is_to_reschedule
from expertpool.models import Booking, BookingStatus, PoolSettings
from expertpool.timeutil import PARIS

PRODID = "-//expertpool//agenda des experts//FR"
# Bookings that did not (or will not) take place are published so that calendars drop them.
CANCELLED_STATUSES = (BookingStatus.CANCELLED, BookingStatus.NOT_DELIVERED)


def half_day_times(settings: PoolSettings, half: str) -> tuple[time, time]:
    return (settings.am_start, settings.am_end) if half == "am" else (settings.pm_start, settings.pm_end)


def half_day_bounds(day: date, half: str, settings: PoolSettings) -> tuple[datetime, datetime]:
    """Start and end of the half-day in Paris time (the zone decides the UTC offset of that very day)."""
    start, end = half_day_times(settings, half)
    return datetime.combine(day, start, tzinfo=PARIS), datetime.combine(day, end, tzinfo=PARIS)


def uid_for(booking: Booking) -> str:
    return f"booking-{booking.id}@expertpool"


def location_of(booking: Booking) -> str:
    req = booking.request
    if not req.on_site:
        return "À distance"
    return req.address or req.member.address or "Sur site"


def booking_event(
    booking: Booking, settings: PoolSettings, *, now: datetime, link: str, for_member: bool = False
) -> Event:
    req = booking.request
    start, end = half_day_bounds(booking.date, booking.half, settings)
    event = Event()
    event.add("uid", uid_for(booking))
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
    flagged = is_to_reschedule(booking)
    # A member reads who comes (nobody is sure to while the half-day is to reschedule); an expert
    # reads where they go.
    if for_member:
        who = booking_status_label(booking) if flagged else booking.expert.display_name
        event.add("summary", f"{req.title} — {who}")
    else:
        event.add("summary", f"{req.member.name} — {req.title}")
    event.add("location", location_of(booking))
    lines = [
        f"Demande : {req.title}",
        f"Membre : {req.member.name}",
        f"Expert : {booking.expert.display_name}",
        f"Demi-journée {booking_status_label(booking)}",
    ]
    if flagged:
        lines.append("À replanifier : l'expert est devenu indisponible.")
    if link:
        lines.append(link)
        event.add("url", link)
    event.add("description", "\n".join(lines))
    event.add("sequence", booking.sequence)
    # A half-day to reschedule will move or be cancelled: calendars show it as not yet confirmed.
    event.add(
        "status", "CANCELLED" if booking.status in CANCELLED_STATUSES else "TENTATIVE" if flagged else "CONFIRMED"
    )
    event.add("transp", "TRANSPARENT" if booking.status in CANCELLED_STATUSES else "OPAQUE")
    if booking.updated_at is not None:
        event.add("last-modified", booking.updated_at.astimezone(UTC))
    return event


def build_calendar(
    bookings: Iterable[Booking],
    settings: PoolSettings,
    *,
    name: str,
    now: datetime,
    link_for: Callable[[Booking], str],
    for_member: bool = False,
) -> bytes:
    """The whole VCALENDAR, with the Europe/Paris VTIMEZONE covering the events' years only."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Paris")
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    days = []
    for booking in bookings:
        event = booking_event(booking, settings, now=now, link=link_for(booking), for_member=for_member)
        cal.add_component(event)
        days.append(booking.date)
    if days:
        # The transitions of the years concerned only: a VTIMEZONE since 1970 would weigh tens of KB.
        cal.add_missing_timezones(first_date=date(min(days).year - 1, 1, 1), last_date=date(max(days).year + 1, 12, 31))
    else:
        # RFC 5545 wants at least one component: an empty feed still carries the pool's time zone.
        year = now.astimezone(PARIS).year
        cal.add_component(
            Timezone.from_tzid("Europe/Paris", first_date=date(year - 1, 1, 1), last_date=date(year + 1, 12, 31))
        )
    cal.validate()
    return cal.to_ical()
