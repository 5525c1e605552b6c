"""Private iCalendar feeds of experts and member structures, their token pages, and one-off .ics downloads.

Feeds are fetched by calendar apps without a session: the secret token in the URL is the only key, and
anything wrong answers a plain 404 (see expertpool.errors), never a hint that a token once existed.
"""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.http import is_resource_modified

from expertpool import feed_tokens as tokens
from expertpool.extensions import db
from expertpool.feeds import freshness, ical
from expertpool.links import expert_report_link, member_request_link
from expertpool.models import Booking, Expert, InterventionRequest, Member, PoolSettings, UserRole
from expertpool.notifications import absolute
from expertpool.permissions import can_view_agenda, can_view_request, roles_required
from expertpool.timeutil import now_utc, today_paris

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

# Calendar apps may keep the feed, but must ask again (conditionally) before using it; private: the
# URL's token is a secret, no shared cache may hold the answer.
FEED_CACHE_CONTROL = "private, no-cache"


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
    links: dict[int, str] = {}  # a request's half-days share its link: build it once

    def link_for(booking: Booking) -> str:
        if booking.request_id not in links:
            link = member_request_link(booking.request_id) if for_member else expert_report_link(booking.request_id)
            links[booking.request_id] = absolute(link)
        return links[booking.request_id]

    return ical.build_calendar(
        bookings, PoolSettings.load(db.session), name=name, now=now_utc(), link_for=link_for, for_member=for_member
    )


# ---------------------------------------------------------------- the feeds (no login)


@bp.route("/experts/<token>.ics")
def expert_feed(token: str):
    expert = _by_token(Expert, token)
    return _feed(
        Booking.expert_id == expert.id,
        (Member.id, Member.name, Member.address),
        owner_values=(expert.display_name,),
        owner_updated_at=expert.updated_at,
        name_of=lambda settings: f"{settings.name} — {expert.display_name}",
        for_member=False,
        filename="agenda.ics",
    )


@bp.route("/membres/<token>.ics")
def member_feed(token: str):
    member = _by_token(Member, token)
    return _feed(
        InterventionRequest.member_id == member.id,
        (Expert.id, Expert.display_name),
        owner_values=(member.name, member.address),
        owner_updated_at=member.updated_at,
        name_of=lambda settings: f"{settings.name} — {member.name}",
        for_member=True,
        filename="interventions.ics",
    )


def _feed(
    owner_condition, party_columns, *, owner_values, owner_updated_at, name_of, for_member: bool, filename: str
) -> Response:
    """A feed answered 304 when the client holds it already, else built for the window of dates."""
    today = today_paris()
    window = freshness.feed_window(today)
    validators = freshness.feed_validators(
        owner_condition,
        party_columns,
        window,
        today=today,
        owner_values=owner_values,
        owner_updated_at=owner_updated_at,
        base_url=absolute("/"),
    )
    headers = {"Cache-Control": FEED_CACHE_CONTROL}
    if not is_resource_modified(
        request.environ, etag=validators.etag, last_modified=validators.last_modified, ignore_if_range=True
    ):
        response = Response(status=304, headers=headers)
    else:
        bookings = (
            db.session.scalars(_bookings_query().join(Booking.request).where(owner_condition, window.covers()))
            .unique()
            .all()
        )
        body = _render(bookings, name=name_of(PoolSettings.load(db.session)), for_member=for_member)
        response = _ics_response(body, filename, attachment=False)
        response.headers.update(headers)
    response.set_etag(validators.etag, weak=True)
    response.last_modified = validators.last_modified
    return response


def _by_token(model, token: str):
    if not tokens.is_plausible(token):
        abort(404)
    query = select(model).where(model.feed_token == token)
    if model is Expert:  # its account is checked below: in the same query (a refetch costs three in all)
        query = query.options(joinedload(Expert.user))
    owner = db.session.scalar(query)
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
    return render_template(
        "feeds/token.html",
        owner=owner,
        feed_url=feed_url,
        for_member=isinstance(owner, Member),
        window_months=(freshness.PAST_MONTHS, freshness.AHEAD_MONTHS),
    )


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
