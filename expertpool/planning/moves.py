"""Manual changes to one booking by the pool's staff: move it to another free half-day, or cancel it."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import exists, select

from expertpool import audit
from expertpool.booking_conflicts import held_half_days, unavailability_by_expert
from expertpool.calendars import days, public_holidays
from expertpool.extensions import db
from expertpool.i18n import date_long
from expertpool.links import expert_assignments_link, member_request_link
from expertpool.models import Booking, Expert, PoolSettings, RequestStatus, Unavailability, User, UserRole
from expertpool.models.enums import BookingStatus
from expertpool.notifications import notify, slot_params
from expertpool.periods import first_uncovered_day, not_open_message, open_period_for
from expertpool.timeutil import today_paris

HALVES = ("am", "pm")
_BOOKING_FIELDS = ("expert_id", "date", "half", "status", "to_reschedule")


@dataclass
class MoveRefused(ValueError):
    """The target half-day cannot take the booking; `field` names the form field the message belongs to."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


def can_be_changed(booking: Booking, today: date) -> bool:
    """Only a planned half-day that has not started yet can be moved or cancelled."""
    return booking.status == BookingStatus.PLANNED and booking.date > today


def check_target(booking: Booking, expert: Expert, day: date, half: str, *, now: datetime) -> None:
    """Raise MoveRefused (French message) unless (expert, day, half) may take the booking."""
    req = booking.request
    if not expert.active:
        raise MoveRefused("expert", _("Cet expert n'est plus actif."))
    if req.role_id not in {r.id for r in expert.roles}:
        raise MoveRefused("expert", _("Cet expert n'a pas le rôle demandé (%(role)s).", role=req.role.label))
    missing = sorted({s.name for s in req.skills} - {s.name for s in expert.skills})
    if missing:
        raise MoveRefused(
            "expert", _("Cet expert n'a pas les compétences demandées : %(skills)s.", skills=", ".join(missing))
        )
    if day <= today_paris(now):
        raise MoveRefused("date", _("Choisissez une date à partir de demain."))
    if not expert.works(day.weekday(), half):
        raise MoveRefused("half", _("Cet expert ne travaille pas pour le pool sur cette demi-journée."))
    if open_period_for(day) is None:
        # The half-day would be charged to no drawing right at all.
        raise MoveRefused("date", not_open_message(day))
    region = PoolSettings.load(db.session).holidays_region
    holiday = public_holidays(region, day, day).get(day)
    if holiday:
        raise MoveRefused("date", _("Ce jour est férié (%(name)s).", name=holiday))
    away = db.session.scalar(
        select(Unavailability)
        .where(
            Unavailability.expert_id == expert.id,
            Unavailability.start_date <= day,
            Unavailability.end_date >= day,
        )
        .where((Unavailability.half.is_(None)) | (Unavailability.half == half))
        .limit(1)
    )
    if away is not None:
        raise MoveRefused("half", _("L'expert est indisponible sur cette demi-journée."))
    taken = db.session.scalar(
        select(
            exists().where(
                Booking.expert_id == expert.id,
                Booking.date == day,
                Booking.half == half,
                Booking.status.in_(BookingStatus.HOLDING),
                Booking.id != booking.id,
            )
        )
    )
    if taken:
        raise MoveRefused("half", _("Cette demi-journée de l'expert est déjà réservée."))


def free_slots(
    booking: Booking, experts: list[Expert], *, now: datetime, limit: int = 12, max_days: int = 120
) -> list[tuple[Expert, date, str]]:
    """The earliest free half-days of `experts` in the request's window (from tomorrow), in two
    queries: suggestions for a move, each still checked by `move_booking` when chosen."""
    req = booking.request
    start = max(today_paris(now) + timedelta(days=1), req.earliest)
    end = req.deadline if req.deadline >= start else start + timedelta(days=27)
    end = min(end, start + timedelta(days=max_days))
    uncovered = first_uncovered_day(start, end)
    if uncovered is not None:  # no suggestion where no open period could be charged for it
        end = uncovered - timedelta(days=1)
    ids = [e.id for e in experts]
    if not ids:
        return []
    held = held_half_days(ids, start, end)
    away = unavailability_by_expert(ids, start, end)
    off = public_holidays(PoolSettings.load(db.session).holidays_region, start, end)
    result = []
    for day in days(start, end):
        if day in off:
            continue
        for half in HALVES:
            for expert in experts:
                if (
                    expert.works(day.weekday(), half)
                    and (expert.id, day, half) not in held
                    and not any(a.covers(day, half) for a in away[expert.id])
                ):
                    result.append((expert, day, half))
                    if len(result) >= limit:
                        return result
    return result


def outside_window(booking: Booking, day: date) -> bool:
    req = booking.request
    return not req.earliest <= day <= req.deadline


def check_outside_window(booking: Booking, day: date, *, confirmed: bool, reason: str) -> None:
    """A date outside the request's window is the member's problem too: it takes a confirmation and a
    reason (kept in the audit row), so that nobody moves a half-day there by a slip of the calendar."""
    if not outside_window(booking, day):
        return
    req = booking.request
    if not confirmed:
        raise MoveRefused(
            "confirm_outside",
            _(
                "Cette date est hors de la fenêtre de la demande (du %(start)s au %(end)s) : "
                "cochez la case pour confirmer.",
                start=date_long(req.earliest),
                end=date_long(req.deadline),
            ),
        )
    if not reason.strip():
        raise MoveRefused("outside_reason", _("Indiquez pourquoi la demi-journée sort de la fenêtre de la demande."))


def move_booking(
    booking: Booking,
    *,
    expert: Expert,
    day: date,
    half: str,
    actor,
    now: datetime,
    confirm_outside: bool = False,
    reason: str = "",
) -> Booking:
    """Move a planned booking to (expert, day, half) after checking it; audited, both sides told.

    The same row is updated (its iCalendar SEQUENCE bumped), so calendar apps replace the event.
    """
    if not can_be_changed(booking, today_paris(now)):
        raise MoveRefused("date", _("Seule une demi-journée planifiée et à venir peut être déplacée."))
    if (booking.expert_id, booking.date, booking.half) == (expert.id, day, half):
        raise MoveRefused("date", _("La réservation est déjà sur cette demi-journée."))
    check_target(booking, expert, day, half, now=now)
    check_outside_window(booking, day, confirmed=confirm_outside, reason=reason or "")
    outside = outside_window(booking, day)
    before = audit.snapshot(booking, *_BOOKING_FIELDS)
    old_expert = booking.expert
    booking.expert_id, booking.date, booking.half = expert.id, day, half
    booking.expert = expert
    booking.to_reschedule = False
    booking.sequence += 1
    booking.updated_at = now
    db.session.flush()  # the partial unique index is the last guard against a race (IntegrityError)
    audit.record(
        actor,
        "booking.move",
        booking,
        now=now,
        before=before,
        after={
            **audit.snapshot(booking, *_BOOKING_FIELDS),
            **({"outside_window": True, "reason": reason.strip()} if outside else {}),
        },
        member_id=booking.request.member_id,
        expert_id=expert.id,
        request_id=booking.request_id,
    )
    _tell(booking, "booking.moved", experts=(old_expert, expert), now=now)
    return booking


def cancel_booking(booking: Booking, *, reason: str, actor, now: datetime) -> Booking:
    """Cancel a planned booking; a scheduled request missing half-days goes back to approved."""
    if not can_be_changed(booking, today_paris(now)):
        raise MoveRefused("reason", _("Seule une demi-journée planifiée et à venir peut être annulée."))
    req = booking.request
    before = {**audit.snapshot(booking, *_BOOKING_FIELDS), "request_status": req.status}
    booking.status = BookingStatus.CANCELLED
    booking.to_reschedule = False
    booking.note = (reason or "").strip()
    booking.sequence += 1
    booking.updated_at = now
    db.session.flush()
    if req.status == RequestStatus.SCHEDULED:
        # The request now misses a half-day: the next run books it again.
        req.status = RequestStatus.APPROVED
        req.updated_at = now
    audit.record(
        actor,
        "booking.cancel",
        booking,
        now=now,
        before=before,
        after={**audit.snapshot(booking, *_BOOKING_FIELDS), "request_status": req.status, "reason": booking.note},
        member_id=req.member_id,
        expert_id=booking.expert_id,
        request_id=req.id,
    )
    _tell(booking, "booking.cancelled", experts=(booking.expert,), now=now)
    return booking


def _tell(booking: Booking, kind: str, *, experts, now: datetime) -> None:
    """Tell the member's users and the experts concerned (each reads it in their own language)."""
    req = booking.request
    params = {"title": req.title, "slots": slot_params([booking])}
    users = list(
        db.session.scalars(
            select(User).where(User.member_id == req.member_id, User.role == UserRole.MEMBER, User.active.is_(True))
        )
    )
    users += [e.user for e in dict.fromkeys(experts) if e is not None and e.user is not None and e.user.active]
    for user in users:
        link = member_request_link(req.id) if user.role == UserRole.MEMBER else expert_assignments_link()
        notify(user, kind, params, now=now, link=link)
