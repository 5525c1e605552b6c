"""Telling a member's users that some of their booked half-days are to reschedule (the expert became
unavailable or left the pool): the one message, wherever the flag is set."""

from collections import defaultdict
from datetime import datetime

from flask import url_for
from flask_babel import force_locale, gettext
from sqlalchemy import select

from expertpool.extensions import db
from expertpool.i18n import half_day_label
from expertpool.models import Booking, User, UserRole
from expertpool.notifications import notify


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
        link = url_for("requests.detail", request_id=req.id)
        ordered = sorted(bookings, key=lambda b: (b.date, b.half))
        for user in users.get(req.member_id, ()):
            with force_locale(user.locale or "fr"):
                message = gettext(
                    "L'expert prévu pour « %(title)s » est indisponible : %(slots)s à replanifier. "
                    "Le pool vous indiquera la nouvelle date.",
                    title=req.title,
                    slots=", ".join(half_day_label(b.date, b.half) for b in ordered),
                )
                subject = gettext("Intervention à replanifier")
            notify(user, "booking.to_reschedule", message, now=now, link=link, mail_subject=subject)
