"""Experts' agendas: week and month views, unavailability, assignments, delivery, reports, weekly pattern.

An expert works on their own agenda; coordinators open anyone's under /agenda/experts/<id>/…. Another
expert's agenda, unavailability or request answers 404, so that ids cannot be probed.
"""

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from expertpool.agenda import contact, delivery, grid, unavailability, week_pattern
from expertpool.agenda.forms import (
    HALF_LABELS,
    KIND_LABELS,
    WEEKDAY_LABELS,
    ContactForm,
    DeliveryForm,
    ReportForm,
    UnavailabilityForm,
    WeekPatternForm,
)
from expertpool.booked_interventions import booked_interventions
from expertpool.extensions import db
from expertpool.i18n import date_long
from expertpool.list_page import paginate_list, paginate_query, requested_page
from expertpool.models import (
    Booking,
    BookingStatus,
    Expert,
    InterventionRequest,
    PoolSettings,
    Unavailability,
    UserRole,
)
from expertpool.models.expert import HALVES, WEEKDAYS
from expertpool.permissions import (
    can_edit_week_pattern,
    can_manage_expert_time,
    can_view_agenda,
    can_view_request,
    roles_required,
)
from expertpool.timeutil import SHOWN_YEARS, now_utc, shown_day, today_paris

bp = Blueprint("agenda", __name__, url_prefix="/agenda")

AGENDA_ROLES = (UserRole.EXPERT, UserRole.COORDINATOR, UserRole.ADMIN)
UPCOMING_PER_PAGE = 20  # interventions
HISTORY_PER_PAGE = 40  # recorded half-days
HISTORY_PAGE = "historique"  # the history's page parameter (`page` is the upcoming list's)


# ---------------------------------------------------------------- loading and access


def _today() -> date:
    return today_paris(now_utc())


def _settings() -> PoolSettings:
    return PoolSettings.load(db.session)


class NoExpertProfile(Exception):
    """An expert account that no coordinator has linked to an expert profile yet."""


def _own_expert() -> Expert:
    expert = current_user.expert
    if expert is None:
        raise NoExpertProfile
    return expert


@bp.errorhandler(NoExpertProfile)
def _no_profile(_error):
    return render_template("agenda/no_profile.html")


def _expert_or_404(expert_id: int, rule=can_view_agenda) -> Expert:
    expert = db.session.get(Expert, expert_id)
    if expert is None or not rule(current_user, expert):
        abort(404)
    return expert


def _own_expert_id() -> int | None:
    if current_user.role == UserRole.EXPERT and current_user.expert is not None:
        return current_user.expert.id
    return None


def _is_own(expert: Expert) -> bool:
    return _own_expert_id() == expert.id


def _parse_day(value: str | None) -> date:
    return shown_day(value, _today())


def _parse_month(value: str | None) -> tuple[int, int]:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        date(year, month, 1)
    except ValueError:
        year, month = 0, 0
    if year not in SHOWN_YEARS:
        today = _today()
        return today.year, today.month
    return year, month


def _context(expert: Expert, **values) -> dict:
    return {"expert": expert, "own": _is_own(expert), "kind_labels": KIND_LABELS, **values}


# ---------------------------------------------------------------- week and month


@bp.route("/")
@roles_required(UserRole.EXPERT)
def index():
    return _week_page(_own_expert())


@bp.route("/experts/<int:expert_id>/semaine")
@roles_required(*AGENDA_ROLES)
def week(expert_id: int):
    return _week_page(_expert_or_404(expert_id))


def _week_page(expert: Expert):
    day = _parse_day(request.args.get("day"))
    settings = _settings()
    days = grid.week_days(expert, day, settings.holidays_region)
    half_times = {
        "am": f"{settings.am_start:%H:%M}–{settings.am_end:%H:%M}",
        "pm": f"{settings.pm_start:%H:%M}–{settings.pm_end:%H:%M}",
    }
    monday = days[0].day
    return render_template(
        "agenda/week.html",
        **_context(
            expert,
            days=days,
            monday=monday,
            sunday=days[-1].day,
            today=_today(),
            half_times=half_times,
            previous_day=monday - timedelta(days=7),
            next_day=monday + timedelta(days=7),
            show_weekend=any(h.bookings or h.works for d in days[5:] for h in d.halves.values()),
        ),
    )


@bp.route("/experts/<int:expert_id>/mois")
@roles_required(*AGENDA_ROLES)
def month(expert_id: int):
    expert = _expert_or_404(expert_id)
    year, month_number = _parse_month(request.args.get("month"))
    weeks = grid.month_weeks(expert, year, month_number, _settings().holidays_region)
    first = date(year, month_number, 1)
    return render_template(
        "agenda/month.html",
        **_context(
            expert,
            weeks=weeks,
            month_title=format_date(first, "MMMM y"),
            today=_today(),
            previous_month=grid.month_key(*grid.shift_month(year, month_number, -1)),
            next_month=grid.month_key(*grid.shift_month(year, month_number, 1)),
            weekday_labels=WEEKDAY_LABELS,
        ),
    )


# ---------------------------------------------------------------- unavailability


@bp.route("/experts/<int:expert_id>/indisponibilites")
@roles_required(*AGENDA_ROLES)
def unavailabilities(expert_id: int):
    expert = _expert_or_404(expert_id, can_manage_expert_time)
    today = _today()
    items = db.session.scalars(
        select(Unavailability)
        .where(Unavailability.expert_id == expert.id, Unavailability.end_date >= today - timedelta(days=365))
        .order_by(Unavailability.start_date.desc())
    ).all()
    return render_template(
        "agenda/unavailabilities.html",
        **_context(
            expert,
            upcoming=[u for u in items if u.end_date >= today][::-1],
            past=[u for u in items if u.end_date < today],
        ),
    )


@bp.route("/experts/<int:expert_id>/indisponibilites/nouvelle", methods=["GET", "POST"])
@roles_required(*AGENDA_ROLES)
def unavailability_new(expert_id: int):
    expert = _expert_or_404(expert_id, can_manage_expert_time)
    form = UnavailabilityForm()
    if request.method == "GET":
        day = _parse_day(request.args.get("day"))
        form.start_date.data = day
        form.half.data = request.args.get("half") if request.args.get("half") in HALVES else ""
    return _save_unavailability(expert, form, item=None)


@bp.route("/experts/<int:expert_id>/indisponibilites/<int:item_id>/modifier", methods=["GET", "POST"])
@roles_required(*AGENDA_ROLES)
def unavailability_edit(expert_id: int, item_id: int):
    expert = _expert_or_404(expert_id, can_manage_expert_time)
    item = db.session.get(Unavailability, item_id)
    if item is None or item.expert_id != expert.id:
        abort(404)
    form = UnavailabilityForm(obj=item if request.method == "GET" else None)
    if request.method == "GET":
        form.half.data = item.half or ""
    return _save_unavailability(expert, form, item=item)


def _save_unavailability(expert: Expert, form: UnavailabilityForm, item: Unavailability | None):
    """First POST: validate and show the planned bookings it would hit; the confirmed POST saves."""
    template = "agenda/unavailability_form.html"
    if request.method == "GET":
        return render_template(template, **_context(expert, form=form, item=item, collisions=[]))
    if not form.validate_on_submit():
        return render_template(template, **_context(expert, form=form, item=item, collisions=[])), 400
    start, end, half = form.period
    # Bookings already flagged are with the coordinator: editing a reason does not ask again for them.
    collisions = [b for b in unavailability.colliding_bookings(expert.id, start, end, half) if not b.to_reschedule]
    # The confirmation holds the period it was shown for: changing the dates asks again.
    signature = f"{start.isoformat()}|{end.isoformat()}|{half or ''}"
    if collisions and form.confirm.data != signature:
        form.confirm.data = signature
        return render_template(template, **_context(expert, form=form, item=item, collisions=collisions))
    values = {
        "start": start,
        "end": end,
        "half": half,
        "kind": form.kind.data,
        "reason": (form.reason.data or "").strip(),
    }
    now = now_utc()
    if item is None:
        _created, flagged = unavailability.declare(expert, **values, actor=current_user, now=now)
    else:
        flagged = unavailability.update(item, **values, actor=current_user, now=now)
    db.session.commit()
    if flagged:
        flash(
            ngettext(
                "Indisponibilité enregistrée. %(num)d demi-journée planifiée est signalée au "
                "coordinateur pour être replanifiée.",
                "Indisponibilité enregistrée. %(num)d demi-journées planifiées sont signalées au "
                "coordinateur pour être replanifiées.",
                len(flagged),
            ),
            "warning",
        )
    else:
        flash(_("Indisponibilité enregistrée."), "success")
    return redirect(url_for("agenda.unavailabilities", expert_id=expert.id))


@bp.route("/experts/<int:expert_id>/indisponibilites/<int:item_id>/supprimer", methods=["POST"])
@roles_required(*AGENDA_ROLES)
def unavailability_delete(expert_id: int, item_id: int):
    expert = _expert_or_404(expert_id, can_manage_expert_time)
    item = db.session.get(Unavailability, item_id)
    if item is None or item.expert_id != expert.id:
        abort(404)
    unavailability.remove(item, actor=current_user, now=now_utc())
    db.session.commit()
    flash(_("Indisponibilité supprimée."), "success")
    return redirect(url_for("agenda.unavailabilities", expert_id=expert.id))


# ---------------------------------------------------------------- assignments and delivery


@bp.route("/interventions")
@roles_required(UserRole.EXPERT)
def assignments():
    return _assignments_page(_own_expert())


@bp.route("/experts/<int:expert_id>/interventions")
@roles_required(*AGENDA_ROLES)
def expert_assignments(expert_id: int):
    return _assignments_page(_expert_or_404(expert_id, can_manage_expert_time))


def _assignment_query(expert: Expert):
    return (
        select(Booking)
        .options(
            joinedload(Booking.request).joinedload(InterventionRequest.member),
            joinedload(Booking.request).joinedload(InterventionRequest.created_by),
        )
        .where(Booking.expert_id == expert.id)
    )


def _assignments_page(expert: Expert):
    """What to record, the upcoming interventions (by pages of UPCOMING_PER_PAGE) and the recorded
    half-days, newest first (by pages of HISTORY_PER_PAGE half-days, paged in SQL: the history grows with
    time), each list with its total."""
    today = _today()
    base = _assignment_query(expert)
    # Every planned half-day is grouped (an intervention is known whole), but the requests, members and
    # authors the cards show are loaded for the shown page only (the identity map then serves `b.request`;
    # it holds objects weakly: `shown_requests` keeps them until the page is rendered).
    planned = db.session.scalars(
        select(Booking)
        .where(Booking.expert_id == expert.id, Booking.status == BookingStatus.PLANNED)
        .order_by(Booking.date, Booking.half)
    ).all()
    upcoming = paginate_list(
        booked_interventions(b for b in planned if b.date > today), requested_page(request.args), UPCOMING_PER_PAGE
    )
    to_record = [b for b in planned if b.date <= today]
    shown = {b.request_id for b in to_record} | {i.first.request_id for i in upcoming.items}
    shown_requests = db.session.scalars(
        select(InterventionRequest)
        .options(joinedload(InterventionRequest.member), joinedload(InterventionRequest.created_by))
        .where(InterventionRequest.id.in_(shown))
    ).all()
    recorded = base.where(Booking.status.in_(BookingStatus.RECORDED)).order_by(
        Booking.date.desc(), Booking.half.desc(), Booking.id.desc()
    )
    history = paginate_query(recorded, MultiDict({"page": request.args.get(HISTORY_PAGE, "")}), HISTORY_PER_PAGE)
    # Each list's pages keep the other list where it was.
    here = dict(request.view_args or {})
    return render_template(
        "agenda/assignments.html",
        **_context(
            expert,
            today=today,
            to_record=to_record,
            upcoming=upcoming,
            shown_requests=shown_requests,
            history=history,
            history_interventions=booked_interventions(history.items, newest_first=True),
            history_page=HISTORY_PAGE,
            upcoming_per_page=UPCOMING_PER_PAGE,
            upcoming_args={**here, HISTORY_PAGE: history.page} if history.page > 1 else here,
            history_args={**here, "page": upcoming.page} if upcoming.page > 1 else here,
        ),
    )


@bp.route("/creneaux/<int:booking_id>/realisation", methods=["GET", "POST"])
@roles_required(*AGENDA_ROLES)
def record_delivery(booking_id: int):
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        abort(404)
    expert = _expert_or_404(booking.expert_id, can_manage_expert_time)
    today = _today()
    form = DeliveryForm()
    if request.method == "GET":
        form.outcome.data = "delivered" if booking.status != BookingStatus.NOT_DELIVERED else "not_delivered"
        form.note.data = booking.note
    page = "agenda/delivery.html"
    if request.method == "GET" or not form.validate_on_submit():
        code = 400 if request.method == "POST" else 200
        return render_template(
            page,
            **_context(
                expert, booking=booking, form=form, today=today, can_mark=delivery.can_be_marked(booking, today)
            ),
        ), code
    try:
        delivery.record_delivery(
            booking,
            delivered=form.outcome.data == "delivered",
            note=(form.note.data or "").strip(),
            actor=current_user,
            now=now_utc(),
            today=today,
        )
        db.session.commit()
    except delivery.DeliveryError as exc:  # refused before anything was changed
        form.outcome.errors.append(str(exc))
        return render_template(page, **_context(expert, booking=booking, form=form, today=today, can_mark=False)), 400
    except (IntegrityError, StaleDataError):
        # The half-day was booked again meanwhile, or the request changed under us.
        db.session.rollback()
        flash(_("Cette demi-journée a été modifiée entre-temps : vérifiez-la et recommencez."), "error")
        return redirect(url_for("agenda.record_delivery", booking_id=booking_id))
    flash(_("Demi-journée du %(day)s enregistrée.", day=date_long(booking.date)), "success")
    return redirect(_assignments_url(expert))


def _assignments_url(expert: Expert) -> str:
    if _is_own(expert):
        return url_for("agenda.assignments")
    return url_for("agenda.expert_assignments", expert_id=expert.id)


@bp.route("/demandes/<int:request_id>/rapport", methods=["GET", "POST"])
@roles_required(*AGENDA_ROLES)
def report(request_id: int):
    req = db.session.get(InterventionRequest, request_id)
    # An expert writes the report of a request they hold half-days of; coordinators of any.
    if req is None or not can_view_request(current_user, req):
        abort(404)
    form = ReportForm(obj=req if request.method == "GET" else None)
    context = {
        "req": req,
        "form": form,
        "bookings": req.bookings,
        "back_url": url_for("agenda.assignments") if _own_expert_id() else None,
    }
    if request.method == "GET":
        return render_template("agenda/report.html", **context)
    if not form.validate_on_submit():
        return render_template("agenda/report.html", **context), 400
    try:
        delivery.save_report(req, (form.report.data or "").strip(), actor=current_user, now=now_utc())
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(_("La demande a été modifiée entre-temps : relisez-la et recommencez."), "error")
        return redirect(url_for("agenda.report", request_id=request_id))
    flash(_("Rapport enregistré : le membre peut le lire."), "success")
    return redirect(url_for("agenda.report", request_id=request_id))


# ---------------------------------------------------------------- weekly pattern


@bp.route("/experts/<int:expert_id>/semaine-type", methods=["GET", "POST"])
@roles_required(*AGENDA_ROLES)
def week_pattern_page(expert_id: int):
    expert = _expert_or_404(expert_id)
    editable = can_edit_week_pattern(current_user, expert)
    form = WeekPatternForm()
    if request.method == "POST":
        if not editable:
            abort(403)
        if form.validate_on_submit():
            changed = week_pattern.set_week_mask(
                expert, week_pattern.mask_from_choices(form.chosen()), actor=current_user, now=now_utc()
            )
            db.session.commit()
            flash(_("Semaine type enregistrée.") if changed else _("Aucun changement."), "success")
            return redirect(url_for("agenda.week_pattern_page", expert_id=expert.id))
    else:
        for day in range(len(WEEKDAYS)):
            for half in HALVES:
                getattr(form, week_pattern.field_name(day, half)).data = expert.works(day, half)
    rows = [
        (WEEKDAY_LABELS[day], [(half, week_pattern.field_name(day, half), expert.works(day, half)) for half in HALVES])
        for day in range(len(WEEKDAYS))
    ]
    code = 400 if form.errors else 200
    return render_template(
        "agenda/week_pattern.html", **_context(expert, form=form, editable=editable, rows=rows, half_labels=HALF_LABELS)
    ), code


@bp.route("/experts/<int:expert_id>/coordonnees", methods=["GET", "POST"])
@roles_required(*AGENDA_ROLES)
def contact_page(expert_id: int):
    """The work phone and what members with a planned intervention see (the expert chooses)."""
    expert = _expert_or_404(expert_id, can_manage_expert_time)
    form = ContactForm(obj=None if request.method == "POST" else expert)
    if form.validate_on_submit():
        changed = contact.set_contact(
            expert,
            work_phone=form.work_phone.data or "",
            contact_shown=form.contact_shown.data,
            actor=current_user,
            now=now_utc(),
        )
        db.session.commit()
        flash(_("Coordonnées enregistrées.") if changed else _("Aucun changement."), "success")
        return redirect(url_for("agenda.contact_page", expert_id=expert.id))
    code = 400 if form.errors else 200
    email = expert.user.email if expert.user else None
    return render_template("agenda/contact.html", **_context(expert, form=form, email=email)), code
