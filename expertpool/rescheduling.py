"""Telling a member's users that some of their booked half-days are to reschedule (the expert became
unavailable or left the pool): the one message, wherever the flag is set."""

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select

from expertpool.extensions import db
from expertpool.links import member_request_link
from expertpool.models import Booking, User, UserRole
from expertpool.notifications import notify, slot_params


def tell_members_to_reschedule(flagged: list[Booking], *, now: datetime) -> None:
    """Tell each member's users (in-app and by mail) which of their half-days are to reschedule.

    Their pages and calendar feed show those half-days as "à replanifier" from now on; the mail says
    so before they find out by surprise.
    """
    if not flagged:
        return
    by_request: dict[int, list[Booking]] = defaultdict(list)
    for booking in flagged:
        by_request[booking.request_id].append(booking)
    requests = {b.request_id: b.request for b in flagged}
    member_ids = {req.member_id for req in requests.values()}
    users: dict[int, list[User]] = defaultdict(list)
    for user in db.session.scalars(
        select(User)
        .where(User.member_id.in_(member_ids), User.role == UserRole.MEMBER, User.active.is_(True))
        .order_by(User.id)
    ):
        users[user.member_id].append(user)
    for request_id, bookings in by_request.items():
        req = requests[request_id]
        link = member_request_link(req.id)
        params = {"title": req.title, "slots": slot_params(bookings, with_expert=False)}
        for user in users.get(req.member_id, ()):
            notify(user, "booking.to_reschedule.member", params, now=now, link=link)
