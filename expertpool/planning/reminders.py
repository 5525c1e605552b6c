"""Day-before reminders: tomorrow's planned half-days, told to the member's users and to the experts."""

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from expertpool.extensions import db
from expertpool.links import expert_assignments_link, member_request_link
from expertpool.models import Booking, BookingStatus, Expert, InterventionRequest, User, UserRole
from expertpool.notifications import notify, slot_params
from expertpool.planning.locking import finish, try_claim
from expertpool.timeutil import today_paris

JOB = "reminders"


def reminder_key(day) -> str:
    return f"reminders:{day.isoformat()}"


def send_day_before_reminders(*, now: datetime) -> int | None:
    """Remind everyone of tomorrow's (Paris) planned bookings; returns the number of notifications, or
    None when the reminders for that day were sent already (the job-run row is claimed in the same
    transaction as the notifications, so a day is reminded once, even by two processes)."""
    tomorrow = today_paris(now) + timedelta(days=1)
    claim = try_claim(reminder_key(tomorrow), JOB, now=now)
    if claim is None:
        return None
    bookings = list(
        db.session.scalars(
            select(Booking)
            .where(Booking.date == tomorrow, Booking.status == BookingStatus.PLANNED)
            .options(
                joinedload(Booking.request).joinedload(InterventionRequest.member),
                joinedload(Booking.expert).joinedload(Expert.user),
            )
            .order_by(Booking.request_id, Booking.half)
        )
    )
    by_request: dict[int, list[Booking]] = defaultdict(list)
    by_expert: dict[int, list[Booking]] = defaultdict(list)
    for booking in bookings:
        by_request[booking.request_id].append(booking)
        by_expert[booking.expert_id].append(booking)
    member_ids = {b.request.member_id for b in bookings}
    users_by_member = defaultdict(list)
    if member_ids:
        for user in db.session.scalars(
            select(User)
            .where(User.member_id.in_(member_ids), User.role == UserRole.MEMBER, User.active.is_(True))
            .options(selectinload(User.member))
        ):
            users_by_member[user.member_id].append(user)
    sent = 0
    for request_bookings in by_request.values():
        req = request_bookings[0].request
        link = member_request_link(req.id)
        experts = ", ".join(dict.fromkeys(b.expert.display_name for b in request_bookings))
        for user in users_by_member.get(req.member_id, ()):
            params = {"expert": experts, "title": req.title, "slots": slot_params(request_bookings, with_expert=False)}
            notify(user, "booking.reminder", params, now=now, link=link)
            sent += 1
    link = expert_assignments_link()
    for expert_bookings in by_expert.values():
        user = expert_bookings[0].expert.user
        if user is None or not user.active:
            continue
        places = ", ".join(dict.fromkeys(b.request.member.name for b in expert_bookings))
        notify(
            user,
            "booking.reminder_expert",
            {"slots": slot_params(expert_bookings, with_expert=False), "members": places},
            now=now,
            link=link,
        )
        sent += 1
    finish(claim, now=now, detail=f"{len(bookings)} bookings, {sent} notifications")
    return sent
