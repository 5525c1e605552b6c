"""Private iCalendar feeds of experts and member structures, their token pages, and one-off .ics downloads.

Feeds are fetched by calendar apps without a session: the secret token in the URL is the only key, and
anything wrong answers a plain 404 (see expertpool.errors), never a hint that a token once existed.
"""

from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from expertpool import feed_tokens as tokens
from expertpool.extensions import db
from expertpool.feeds import ical
from expertpool.links import expert_report_link, member_request_link
from expertpool.models import Booking, Expert, InterventionRequest, Member, PoolSettings, UserRole
from expertpool.notifications import absolute
from expertpool.permissions import can_view_agenda, can_view_request, roles_required
from expertpool.timeutil import now_utc, today_paris

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

# Old history is of no use in a calendar app and only makes every refresh heavier.
FEED_HISTORY = timedelta(days=180)


def _bookings_query():
    return (
        select(Booking)
        .options(
            joinedload(Booking.request).joinedload(InterventionRequest.member),
            joinedload(Booking.expert),
        )
        .order_by(Booking.date, Booking.half, Booking.id)
    )


def _ics_response(body: bytes, filename: str, *, attachment: bool) -> Response:
    disposition = "attachment" if attachment else "inline"
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def _render(bookings, *, name: str, for_member: bool) -> bytes:
    def link_for(booking: Booking) -> str:
        if for_member:
            return absolute(member_request_link(booking.request_id))
        return absolute(expert_report_link(booking.request_id))

    return ical.build_calendar(
        bookings, PoolSettings.load(db.session), name=name, now=now_utc(), link_for=link_for, for_member=for_member
    )


# ---------------------------------------------------------------- the feeds (no login)


@bp.route("/experts/<token>.ics")
def expert_feed(token: str):
    expert = _by_token(Expert, token)
    since = today_paris() - FEED_HISTORY
    bookings = (
        db.session.scalars(_bookings_query().where(Booking.expert_id == expert.id, Booking.date >= since))
        .unique()
        .all()
    )
    settings = PoolSettings.load(db.session)
    body = _render(bookings, name=f"{settings.name} — {expert.display_name}", for_member=False)
    return _ics_response(body, "agenda.ics", attachment=False)


@bp.route("/membres/<token>.ics")
def member_feed(token: str):
    member = _by_token(Member, token)
    since = today_paris() - FEED_HISTORY
    bookings = (
        db.session.scalars(
            _bookings_query()
            .join(Booking.request)
            .where(InterventionRequest.member_id == member.id, Booking.date >= since)
        )
        .unique()
        .all()
    )
    settings = PoolSettings.load(db.session)
    body = _render(bookings, name=f"{settings.name} — {member.name}", for_member=True)
    return _ics_response(body, "interventions.ics", attachment=False)


def _by_token(model, token: str):
    if not tokens.is_plausible(token):
        abort(404)
    owner = db.session.scalar(select(model).where(model.feed_token == token))
    if owner is None or not tokens.feed_owner_is_active(owner):
        abort(404)
    return owner


# ---------------------------------------------------------------- token pages


@bp.route("/mon-agenda", methods=["GET", "POST"])
@roles_required(UserRole.EXPERT)
def expert_calendar():
    expert = current_user.expert
    if expert is None:
        abort(404)
    return _token_page(expert, "feeds.expert_feed", "feeds.expert_calendar")


@bp.route("/calendrier", methods=["GET", "POST"])
@roles_required(UserRole.MEMBER)
def member_calendar():
    member = current_user.member
    if member is None:
        abort(404)
    return _token_page(member, "feeds.member_feed", "feeds.member_calendar")


def _token_page(owner, feed_endpoint: str, page_endpoint: str):
    if request.method == "POST":
        tokens.regenerate(owner, actor=current_user, now=now_utc())
        db.session.commit()
        flash(_("Nouvelle adresse créée. L'ancienne ne fonctionne plus : mettez à jour votre calendrier."), "success")
        return redirect(url_for(page_endpoint))
    feed_url = absolute(url_for(feed_endpoint, token=owner.feed_token)) if owner.feed_token else None
    return render_template("feeds/token.html", owner=owner, feed_url=feed_url, for_member=isinstance(owner, Member))


# ---------------------------------------------------------------- one-off downloads (login)


@bp.route("/creneaux/<int:booking_id>.ics")
@login_required
def booking_ics(booking_id: int):
    booking = db.session.scalar(_bookings_query().where(Booking.id == booking_id))
    if booking is None or not _may_download(booking):
        abort(404)
    body = _render([booking], name=booking.request.title, for_member=current_user.role == UserRole.MEMBER)
    return _ics_response(body, f"intervention-{booking.id}.ics", attachment=True)


@bp.route("/demandes/<int:request_id>.ics")
@login_required
def request_ics(request_id: int):
    req = db.session.get(InterventionRequest, request_id)
    if req is None or not can_view_request(current_user, req):
        abort(404)
    query = _bookings_query().where(Booking.request_id == req.id)
    if current_user.role == UserRole.EXPERT:
        query = query.where(Booking.expert_id == current_user.expert.id)
    bookings = db.session.scalars(query).unique().all()
    body = _render(bookings, name=req.title, for_member=current_user.role == UserRole.MEMBER)
    return _ics_response(body, f"demande-{req.id}.ics", attachment=True)


def _may_download(booking: Booking) -> bool:
    if current_user.role == UserRole.MEMBER:
        return can_view_request(current_user, booking.request)
    return can_view_agenda(current_user, booking.expert)
