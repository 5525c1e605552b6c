"""iCalendar documents of bookings: one VEVENT per half-day at the pool's times, in Europe/Paris.

Calendar apps match events by UID and keep the highest SEQUENCE, so a booking keeps its UID for life,
bumps SEQUENCE on every change, and a cancelled one is published as STATUS:CANCELLED to be removed.
"""

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time
from functools import lru_cache

from icalendar import Timezone

from expertpool.labels import booking_state, booking_status_label, is_to_reschedule
from expertpool.models import Booking, BookingStatus, PoolSettings
from expertpool.timeutil import PARIS

PRODID = "-//expertpool//agenda des experts//FR"
# Bookings that did not (or will not) take place are published so that calendars drop them.
CANCELLED_STATUSES = (BookingStatus.CANCELLED, BookingStatus.NOT_DELIVERED)


def half_day_times(settings: PoolSettings, half: str) -> tuple[time, time]:
    return (settings.am_start, settings.am_end) if half == "am" else (settings.pm_start, settings.pm_end)


def uid_for(booking: Booking) -> str:
    return f"booking-{booking.id}@expertpool"


def location_of(booking: Booking) -> str:
    req = booking.request
    if not req.on_site:
        return "À distance"
    return req.address or req.member.address or "Sur site"


# Control characters other than newlines have no place in a TEXT value (RFC 5545 section 3.3.11).
_CONTROLS = {code: None for code in (*range(0x00, 0x20), 0x7F) if code not in (0x0A, 0x0D)}


def escape_text(text: str) -> str:
    """A TEXT value of RFC 5545 (section 3.3.11): backslash, semicolon, comma and newlines escaped."""
    return (
        text.translate(_CONTROLS)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """The content line cut into lines of at most 75 octets (RFC 5545 section 3.1), never inside a
    UTF-8 character; each continuation starts with a space."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while len(data) - start > limit:
        cut = start + limit
        while data[cut] & 0xC0 == 0x80:  # a UTF-8 continuation byte: cut before its character
            cut -= 1
        parts.append(data[start:cut])
        start, limit = cut, 74  # the leading space takes one octet
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode()


def _utc_stamp(moment: datetime) -> str:
    # SQLite gives back naive datetimes, which are UTC in this app.
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _paris_local(day: date, at: time) -> str:
    return f"{day:%Y%m%d}T{at:%H%M%S}"


def booking_event(
    booking: Booking,
    settings: PoolSettings,
    *,
    now: datetime,
    link: str,
    for_member: bool = False,
    state_labels: dict[str, str] | None = None,
) -> list[str]:
    """The content lines of one booking's VEVENT (not yet folded).

    `state_labels`: the labels of booking states already translated, shared by the events of a feed
    (a translation lookup per event was a tenth of a feed's cost).
    """
    req = booking.request
    start, end = half_day_times(settings, booking.half)
    flagged = is_to_reschedule(booking)
    state_labels = {} if state_labels is None else state_labels
    state = booking_state(booking)
    if state not in state_labels:
        state_labels[state] = booking_status_label(booking)
    state_label = state_labels[state]
    # A member reads who comes (nobody is sure to while the half-day is to reschedule); an expert
    # reads where they go.
    if for_member:
        who = state_label if flagged else booking.expert.display_name
        summary = f"{req.title} — {who}"
    else:
        summary = f"{req.member.name} — {req.title}"
    description = [
        f"Demande : {req.title}",
        f"Membre : {req.member.name}",
        f"Expert : {booking.expert.display_name}",
        f"Demi-journée {state_label}",
    ]
    if flagged:
        description.append("À replanifier : l'expert est devenu indisponible.")
    if link:
        description.append(link)
    cancelled = booking.status in CANCELLED_STATUSES
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{escape_text(summary)}",
        f"DTSTART;TZID=Europe/Paris:{_paris_local(booking.date, start)}",
        f"DTEND;TZID=Europe/Paris:{_paris_local(booking.date, end)}",
        f"DTSTAMP:{_utc_stamp(now)}",
        f"UID:{uid_for(booking)}",
        f"SEQUENCE:{booking.sequence}",
        # A half-day to reschedule will move or be cancelled: calendars show it as not yet confirmed.
        f"STATUS:{'CANCELLED' if cancelled else 'TENTATIVE' if flagged else 'CONFIRMED'}",
        f"TRANSP:{'TRANSPARENT' if cancelled else 'OPAQUE'}",
        f"LOCATION:{escape_text(location_of(booking))}",
        f"DESCRIPTION:{escape_text(chr(10).join(description))}",
    ]
    if link:
        lines.append(f"URL:{link}")
    if booking.updated_at is not None:
        lines.append(f"LAST-MODIFIED:{_utc_stamp(booking.updated_at)}")
    lines.append("END:VEVENT")
    return lines


@lru_cache(maxsize=16)
def paris_timezone(first_year: int, last_year: int) -> str:
    """The Europe/Paris VTIMEZONE with the transitions of those years only (a VTIMEZONE since 1970
    would weigh tens of KB). Built by icalendar once per span of years: the text never changes."""
    component = Timezone.from_tzid("Europe/Paris", first_date=date(first_year, 1, 1), last_date=date(last_year, 12, 31))
    return component.to_ical().decode().rstrip("\r\n")


def build_calendar(
    bookings: Iterable[Booking],
    settings: PoolSettings,
    *,
    name: str,
    now: datetime,
    link_for: Callable[[Booking], str],
    for_member: bool = False,
) -> bytes:
    """The whole VCALENDAR, with the Europe/Paris VTIMEZONE covering the events' years only.

    Written line by line rather than through icalendar's object model, which took about 0.4 ms per
    event (a busy expert's year of half-days: 200 ms of CPU at every fetch by a calendar app); the
    output is checked by parsing it back with icalendar in the tests.
    """
    bookings = list(bookings)
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        "X-WR-TIMEZONE:Europe/Paris",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    if bookings:
        days = [booking.date for booking in bookings]
        timezone = paris_timezone(min(days).year - 1, max(days).year + 1)
    else:
        # RFC 5545 wants at least one component: an empty feed still carries the pool's time zone.
        year = now.astimezone(PARIS).year
        timezone = paris_timezone(year - 1, year + 1)
    body = [fold(line) for line in lines]
    body.append(timezone)
    state_labels: dict[str, str] = {}
    for booking in bookings:
        event = booking_event(
            booking, settings, now=now, link=link_for(booking), for_member=for_member, state_labels=state_labels
        )
        body.extend(fold(line) for line in event)
    body.append("END:VCALENDAR")
    return ("\r\n".join(body) + "\r\n").encode()
