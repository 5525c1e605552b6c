"""An expert's agenda: booked half-days, unavailability, delivery and the intervention report
(expertpool.agenda's services, with the agenda pages' forms and rules)."""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from expertpool import permissions
from expertpool.agenda import delivery, unavailability
from expertpool.agenda.forms import DeliveryForm, ReportForm, UnavailabilityForm
from expertpool.api import forms, schemas
from expertpool.api.access import allowed_or_404, get_or_404, user
from expertpool.api.core import THE_ID, bp, link, operation
from expertpool.api.requests import load_visible
from expertpool.api_problems import ApiProblem, field_error
from expertpool.api_tokens import AGENDA_WRITE, READ
from expertpool.extensions import db
from expertpool.models import Booking, Expert, Unavailability
from expertpool.timeutil import now_utc, today_paris

AGENDA_SPAN = timedelta(days=366)  # one call reads at most a year of half-days


def _expert(expert_id: int, rule=permissions.can_view_agenda) -> Expert:
    expert = get_or_404(Expert, expert_id)
    allowed_or_404(rule(user(), expert))
    return expert


@bp.route("/experts/<int:expert_id>/bookings")
@operation(READ, "An expert's booked half-days between two dates (the expert, or coordinators)", errors=(404,))
@bp.arguments(schemas.AgendaArgs, location="query", error_status_code=400)
@bp.response(200, schemas.BookingOut(many=True))
def agenda(args, expert_id: int):
    expert = _expert(expert_id)
    start = args["start"] or today_paris(now_utc())
    end = args["end"] or start + timedelta(days=27)
    if end < start or end - start > AGENDA_SPAN:
        raise ApiProblem(400, errors=[field_error("end", _("La date de fin doit suivre la date de début."))])
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.expert_id == expert.id, Booking.date.between(start, end))
            .order_by(Booking.date, Booking.half)
        )
    )


@bp.route("/experts/<int:expert_id>/unavailability")
@operation(
    READ,
    "An expert's declared unavailability",
    errors=(404,),
    links={
        200: {
            "remove": link(
                "remove_unavailability",
                "Remove the first one",
                expert_id="$request.path.expert_id",
                item_id="$response.body#/0/id",
            )
        }
    },
)
@bp.response(200, schemas.UnavailabilityOut(many=True))
def list_unavailability(expert_id: int):
    expert = _expert(expert_id)
    return list(
        db.session.scalars(
            select(Unavailability).where(Unavailability.expert_id == expert.id).order_by(Unavailability.start_date)
        )
    )


@bp.route("/experts/<int:expert_id>/unavailability", methods=["POST"])
@operation(
    AGENDA_WRITE,
    "Declare unavailability (planned half-days it covers are flagged to reschedule)",
    errors=(404,),
    links={
        201: {
            "remove": link("remove_unavailability", "Remove it", expert_id="$request.path.expert_id", item_id=THE_ID),
            "list": link("list_unavailability", "The expert's unavailability", expert_id="$request.path.expert_id"),
        }
    },
)
@bp.arguments(schemas.UnavailabilityIn, error_status_code=400)
@bp.response(201, schemas.UnavailabilityOut)
def declare_unavailability(data, expert_id: int):
    expert = _expert(expert_id, permissions.can_manage_expert_time)
    pairs = [
        ("start_date", data["start_date"].isoformat()),
        ("end_date", data["end_date"].isoformat()),
        ("half", data["half"] or ""),
        ("kind", data["kind"]),
        ("reason", data["reason"]),
    ]
    form = forms.check(forms.filled(UnavailabilityForm, pairs))
    start, end, half = form.period
    item, _flagged = unavailability.declare(
        expert,
        start=start,
        end=end,
        half=half,
        kind=form.kind.data,
        reason=(form.reason.data or "").strip(),
        actor=user(),
        now=now_utc(),
    )
    db.session.commit()
    return item


@bp.route("/experts/<int:expert_id>/unavailability/<int:item_id>", methods=["DELETE"])
@operation(AGENDA_WRITE, "Remove an unavailability (half-days flagged stay flagged)", errors=(404,))
@bp.response(204)
def remove_unavailability(expert_id: int, item_id: int):
    expert = _expert(expert_id, permissions.can_manage_expert_time)
    item = get_or_404(Unavailability, item_id)
    allowed_or_404(item.expert_id == expert.id)
    unavailability.remove(item, actor=user(), now=now_utc())
    db.session.commit()


@bp.route("/bookings/<int:booking_id>/delivery", methods=["POST"])
@operation(AGENDA_WRITE, "Record whether a past half-day was delivered", errors=(404, 409))
@bp.arguments(schemas.DeliveryIn, error_status_code=400)
@bp.response(200, schemas.BookingOut)
def record_delivery(data, booking_id: int):
    booking = get_or_404(Booking, booking_id)
    _expert(booking.expert_id, permissions.can_manage_expert_time)
    pairs = [("outcome", "delivered" if data["delivered"] else "not_delivered"), ("note", data["note"])]
    form = forms.check(forms.filled(DeliveryForm, pairs))
    try:
        delivery.record_delivery(
            booking,
            delivered=data["delivered"],
            note=(form.note.data or "").strip(),
            actor=user(),
            now=now_utc(),
            today=today_paris(now_utc()),
        )
    except delivery.DeliveryError as exc:
        raise ApiProblem(409, str(exc)) from exc
    db.session.commit()
    return booking


@bp.route("/requests/<int:request_id>/report", methods=["PUT"])
@operation(AGENDA_WRITE, "Write the intervention report (an expert booked on it, or coordinators)", errors=(404,))
@bp.arguments(schemas.ReportIn, error_status_code=400)
@bp.response(200, schemas.RequestOut)
def write_report(data, request_id: int):
    req = load_visible(request_id)
    if user().role not in (permissions.UserRole.EXPERT, *permissions.STAFF):
        raise ApiProblem(403)
    form = forms.check(forms.filled(ReportForm, [("report", data["report"])]))
    delivery.save_report(req, (form.report.data or "").strip(), actor=user(), now=now_utc())
    db.session.commit()
    return req
