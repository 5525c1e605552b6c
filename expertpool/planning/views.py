"""The scheduler's coordinator pages: preview and commit a run, run history, move or cancel a booking."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, joinedload, selectinload
from werkzeug.datastructures import MultiDict

from expertpool import schedule
from expertpool.allocation import ProblemError
from expertpool.booked_interventions import expert_works
from expertpool.booking_conflicts import needs_moving
from expertpool.extensions import db
from expertpool.fields import optional_int
from expertpool.i18n import days_label
from expertpool.interventions import group_interventions
from expertpool.list_page import requested_page
from expertpool.models import (
    AllocationRun,
    AuditLog,
    Booking,
    BookingStatus,
    Expert,
    InterventionRequest,
    Member,
    PoolSettings,
    RunMode,
)
from expertpool.periods import period_warning
from expertpool.permissions import staff_required
from expertpool.planning import moves, timeline
from expertpool.planning.forms import CancelForm, CommitForm, MoveForm, PreviewForm, TimelineMoveForm
from expertpool.planning.plan_writer import request_ids_in
from expertpool.planning.service import AllocationBusy, run_allocation
from expertpool.scheduling.problem_builder import db_id, horizon
from expertpool.timeutil import PARIS, now_utc, shown_day, today_paris

bp = Blueprint("planning", __name__, url_prefix="/planification")

PER_PAGE = 25


def _actor():
    return current_user._get_current_object()


def _runs():
    """Runs without their plan (the largest column: every half-day given), for lists and links."""
    return select(AllocationRun).options(defer(AllocationRun.plan), joinedload(AllocationRun.triggered_by))


def _latest(mode: str) -> AllocationRun | None:
    return db.session.scalar(_runs().where(AllocationRun.mode == mode).order_by(AllocationRun.id.desc()).limit(1))


@bp.route("/")
@staff_required
def index():
    return _index_page(PreviewForm())


def _index_page(form: PreviewForm, status: int = 200):
    now = now_utc()
    settings = PoolSettings.load(db.session)
    start, end = horizon(now, settings)
    to_reschedule = db.session.scalars(
        select(Booking)
        .where(needs_moving(), Booking.status == BookingStatus.PLANNED)
        .options(joinedload(Booking.request).joinedload(InterventionRequest.member), joinedload(Booking.expert))
        .order_by(Booking.date, Booking.half)
        .limit(100)
    ).all()
    recent = db.session.scalars(_runs().order_by(AllocationRun.id.desc()).limit(5)).all()
    plan_schedule = schedule.effective(settings.scheduler_cron)
    return render_template(
        "planning/index.html",
        form=form,
        horizon_start=start,
        horizon_end=end,
        settings=settings,
        next_run=plan_schedule.next_run(now.astimezone(PARIS)),
        cron_text=plan_schedule.describe(),
        latest_preview=_latest(RunMode.PREVIEW),
        latest_commit=_latest(RunMode.COMMIT),
        to_reschedule=to_reschedule,
        recent=recent,
        next_period=period_warning(settings, today_paris(now)),
    ), status


@bp.route("/apercu", methods=["POST"])
@staff_required
def preview():
    form = PreviewForm()
    if not form.validate_on_submit():
        return _index_page(form, 400)
    try:
        run = run_allocation(actor=_actor(), now=now_utc(), mode=RunMode.PREVIEW, weeks=form.weeks.data)
    except AllocationBusy as exc:
        flash(str(exc), "warning")
        return redirect(url_for(".index"))
    except ProblemError as exc:  # the data cannot make a valid problem: say why instead of a 500
        flash(_("La planification a échoué : %(error)s", error=str(exc)), "danger")
        return redirect(url_for(".index"))
    return redirect(url_for(".run_detail", run_id=run.id))


@bp.route("/valider", methods=["POST"])
@staff_required
def commit():
    form = CommitForm()
    if not form.validate_on_submit():
        abort(400)
    previewed = None
    if (form.preview_id.data or "").isdigit():
        previewed = db.session.get(AllocationRun, int(form.preview_id.data))
    start = weeks = None
    # Keep the horizon that was previewed, unless it has started meanwhile.
    if previewed is not None and previewed.mode == RunMode.PREVIEW and previewed.horizon_start > today_paris(now_utc()):
        start = previewed.horizon_start
        weeks = ((previewed.horizon_end - previewed.horizon_start).days + 1) // 7
    try:
        run = run_allocation(actor=_actor(), now=now_utc(), mode=RunMode.COMMIT, horizon_start=start, weeks=weeks)
    except (AllocationBusy, ProblemError) as exc:
        flash(str(exc), "warning")
        return redirect(url_for(".run_detail", run_id=previewed.id) if previewed else url_for(".index"))
    if previewed is not None and _slots(previewed) != _slots(run):
        flash(
            _(
                "Les données ont changé depuis l'aperçu : le plan a été recalculé au moment de la validation. "
                "Voici les chiffres validés."
            ),
            "warning",
        )
    else:
        flash(_("Plan validé (réservé : %(booked)s).", booked=days_label(run.booked_half_days)), "success")
    return redirect(url_for(".run_detail", run_id=run.id))


def _slots(run: AllocationRun) -> set[tuple]:
    return {(a["request"], a["expert"], a["date"], a["half"]) for a in (run.plan or {}).get("assignments", ())}


@bp.route("/passages/<int:run_id>")
@staff_required
def run_detail(run_id: int):
    run = db.session.get(AllocationRun, run_id) or abort(404)
    metrics = run.metrics or {}
    # Lowest level first: the members the run could help least are the ones to look at.
    summary = (run.plan or {}).get("summary", {})
    member_rows = sorted(
        summary.get("members", []), key=lambda row: (row["level_after"] is None, row["level_after"] or 0)
    )
    expert_rows = summary.get("experts", [])
    member_names = _names(Member, Member.name, {row["member_id"] for row in member_rows})
    expert_names = _names(Expert, Expert.display_name, {row["expert_id"] for row in expert_rows})
    request_ids = request_ids_in(run)
    requests = (
        {
            r.id: r
            for r in db.session.scalars(
                select(InterventionRequest)
                .where(InterventionRequest.id.in_(request_ids))
                .options(joinedload(InterventionRequest.member), joinedload(InterventionRequest.role))
            )
        }
        if request_ids
        else {}
    )
    per_request = {}
    slots = [
        PlannedHalfDay(db_id(a["request"]), db_id(a["expert"]), date.fromisoformat(a["date"]), a["half"])
        for a in (run.plan or {}).get("assignments", ())
    ]
    for slot in slots:
        entry = per_request.setdefault(slot.request_id, {"count": 0, "experts": set(), "runs": []})
        entry["count"] += 1
        entry["experts"].add(slot.expert_id)
    # Each request's half-days read as interventions (DESIGN.md); the bookings page lists them one by one.
    for intervention in group_interventions(slots, expert_works(slots)):
        per_request[intervention.request_id]["runs"].append(intervention)
    expert_names.update(
        _names(
            Expert,
            Expert.display_name,
            {e for entry in per_request.values() for e in entry["experts"]} - set(expert_names),
        )
    )
    unserved = [(requests.get(db_id(u["request"])), u) for u in (run.plan or {}).get("unserved", ())]
    latest_preview = _latest(RunMode.PREVIEW)
    can_commit = run.mode == RunMode.PREVIEW and latest_preview is not None and latest_preview.id == run.id
    return render_template(
        "planning/run.html",
        run=run,
        metrics=metrics,
        member_rows=member_rows,
        expert_rows=expert_rows,
        member_names=member_names,
        expert_names=expert_names,
        requests=requests,
        per_request=per_request,
        unserved=unserved,
        can_commit=can_commit,
        commit_form=CommitForm(preview_id=run.id),
        periods=metrics.get("periods", []),
    )


@dataclass(frozen=True, slots=True)
class PlannedHalfDay:
    request_id: int
    expert_id: int
    date: date
    half: str


def _names(model, column, ids) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(model.id, column).where(model.id.in_(ids))).all())


@bp.route("/historique")
@staff_required
def history():
    page = db.paginate(
        _runs().order_by(AllocationRun.id.desc()), page=requested_page(request.args), per_page=PER_PAGE, error_out=False
    )
    return render_template("planning/history.html", page=page)


@bp.route("/reservations")
@staff_required
def bookings():
    run_id = request.args.get("passage", type=int)
    only_flagged = request.args.get("a_deplacer") == "1"
    query = (
        select(Booking)
        .where(Booking.status == BookingStatus.PLANNED, Booking.date > today_paris(now_utc()))
        .options(joinedload(Booking.request).joinedload(InterventionRequest.member), joinedload(Booking.expert))
        .order_by(Booking.date, Booking.half, Booking.expert_id)
    )
    if run_id:
        query = query.where(Booking.allocation_run_id == run_id)
    if only_flagged:
        query = query.where(needs_moving())
    page = db.paginate(query, page=requested_page(request.args), per_page=PER_PAGE, error_out=False)
    filters = {k: v for k, v in (("passage", run_id), ("a_deplacer", "1" if only_flagged else None)) if v}
    return render_template(
        "planning/bookings.html", page=page, filters=filters, run_id=run_id, only_flagged=only_flagged
    )


def _booking_or_404(booking_id: int) -> Booking:
    booking = db.session.scalar(
        select(Booking)
        .where(Booking.id == booking_id)
        .options(
            joinedload(Booking.request).options(
                joinedload(InterventionRequest.member),
                joinedload(InterventionRequest.role),
                selectinload(InterventionRequest.skills),
            ),
            joinedload(Booking.expert),
        )
    )
    return booking or abort(404)


def _eligible_experts(booking: Booking) -> list[Expert]:
    """Active experts with the request's role and skills (the current one first)."""
    req = booking.request
    needed = {s.id for s in req.skills}
    experts = db.session.scalars(
        select(Expert)
        .where(Expert.active.is_(True))
        .options(selectinload(Expert.roles), selectinload(Expert.skills))
        .order_by(Expert.display_name)
    ).all()
    eligible = [e for e in experts if req.role_id in {r.id for r in e.roles} and needed <= {s.id for s in e.skills}]
    if booking.expert not in eligible:
        eligible.insert(0, booking.expert)
    return sorted(eligible, key=lambda e: e.id != booking.expert_id)


def _booking_page(booking: Booking, move_form: MoveForm, cancel_form: CancelForm, status: int = 200):
    changeable = moves.can_be_changed(booking, today_paris(now_utc()))
    suggestions = moves.free_slots(booking, _eligible_experts(booking), now=now_utc()) if changeable else []
    trail = db.session.scalars(
        select(AuditLog)
        .where(AuditLog.entity_type == Booking.__tablename__, AuditLog.entity_id == booking.id)
        .options(joinedload(AuditLog.actor))
        .order_by(AuditLog.id.desc())
        .limit(50)
    ).all()
    return render_template(
        "planning/booking.html",
        booking=booking,
        form=move_form,
        cancel_form=cancel_form,
        trail=trail,
        changeable=changeable,
        suggestions=suggestions,
    ), status


@bp.route("/reservations/<int:booking_id>/deplacer", methods=["GET", "POST"])
@staff_required
def move(booking_id: int):
    booking = _booking_or_404(booking_id)
    form = MoveForm(experts=_eligible_experts(booking))
    if request.method == "GET":
        form.expert.data, form.day.data, form.half.data = booking.expert_id, booking.date, booking.half
        _prefill_target(form, request.args)
        return _booking_page(booking, form, CancelForm())
    if not form.validate_on_submit():
        return _booking_page(booking, form, CancelForm(formdata=None), 400)
    expert = db.session.get(Expert, form.expert.data)
    try:
        moves.move_booking(
            booking,
            expert=expert,
            day=form.day.data,
            half=form.half.data,
            actor=_actor(),
            now=now_utc(),
            confirm_outside=form.confirm_outside.data,
            reason=form.outside_reason.data or "",
        )
        db.session.commit()
    except moves.MoveRefused as exc:  # refused before any change: nothing to roll back
        getattr(form, "day" if exc.field == "date" else exc.field).errors.append(exc.message)
        return _booking_page(booking, form, CancelForm(formdata=None), 400)
    except IntegrityError:
        db.session.rollback()
        form.half.errors.append(_("Cette demi-journée de l'expert vient d'être réservée : choisissez-en une autre."))
        return _booking_page(_booking_or_404(booking_id), form, CancelForm(formdata=None), 400)
    flash(_("La demi-journée est déplacée."), "success")
    return redirect(url_for(".move", booking_id=booking_id))


@bp.route("/reservations/<int:booking_id>/annuler", methods=["POST"])
@staff_required
def cancel(booking_id: int):
    booking = _booking_or_404(booking_id)
    form = CancelForm()
    move_form = MoveForm(formdata=None, experts=_eligible_experts(booking))
    move_form.expert.data, move_form.day.data, move_form.half.data = booking.expert_id, booking.date, booking.half
    if not form.validate_on_submit():
        return _booking_page(booking, move_form, form, 400)
    try:
        moves.cancel_booking(booking, reason=form.reason.data or "", actor=_actor(), now=now_utc())
        db.session.commit()
    except moves.MoveRefused as exc:  # refused before any change
        form.reason.errors.append(exc.message)
        return _booking_page(booking, move_form, form, 400)
    flash(_("La demi-journée est annulée ; la demande sera replanifiée au prochain passage."), "success")
    return redirect(url_for(".bookings"))


def _prefill_target(form: MoveForm, args) -> None:
    """?expert=&day=&half= (a refused move of the timeline) prefill the target; anything unreadable is ignored."""
    expert_id = optional_int(args.get("expert"))
    if expert_id in {value for value, _label in form.expert.choices}:
        form.expert.data = expert_id
    try:
        form.day.data = date.fromisoformat(args.get("day", ""))
    except ValueError:
        pass
    if args.get("half") in ("am", "pm"):
        form.half.data = args["half"]


# ---------------------------------------------------------------- the coordinator's timeline


def _timeline_args(args) -> dict:
    """The timeline's query, read forgivingly: an unknown view, date or filter falls back to the default."""
    view = args.get("view") if args.get("view") in timeline.VIEWS else "month"
    anchor = shown_day(args.get("start"), today_paris(now_utc()))
    return {
        "view": view,
        "start": timeline.period_for(view, anchor).start.isoformat(),
        "role": optional_int(args.get("role")),
        "skill": optional_int(args.get("skill")),
        "page": requested_page(args) if requested_page(args) > 1 else None,  # page 1: no parameter
    }


def _timeline_url(query: dict) -> str:
    return url_for(".timeline", **{k: v for k, v in query.items() if v is not None})


def _timeline_page(query: dict, *, error: str = "", retry: str = "", status: int = 200):
    period = timeline.period_for(query["view"], date.fromisoformat(query["start"]))
    today = today_paris(now_utc())
    # One url_for for thousands of cells: the move form's address with the booking's id put in.
    move_url = url_for(".move", booking_id=0).replace("/0/", "/{}/").format
    grid = timeline.build(
        period, today, move_url, role_id=query["role"], skill_id=query["skill"], page=query["page"] or 1
    )
    form = TimelineMoveForm(formdata=None, back=urlencode({k: v for k, v in query.items() if v is not None}))
    return render_template(
        "planning/timeline.html",
        tl=grid,
        query=query,
        move_form=form,
        today=today,
        error=error,
        retry=retry,
        url=lambda **changes: _timeline_url({**query, **changes}),
        page_query={k: v for k, v in query.items() if v is not None and k != "page"},
        per_page=timeline.PER_PAGE,
    ), status


@bp.route("/calendrier", endpoint="timeline")
@staff_required
def timeline_view():
    return _timeline_page(_timeline_args(request.args))


@bp.route("/calendrier/deplacer", methods=["POST"], endpoint="timeline_move")
@staff_required
def move_on_timeline():
    """A move dropped (or chosen by keyboard) on the timeline, through the same service and guards as the
    move form. Done: back to the timeline. Refused: the timeline again, status 400, the French message."""
    query = _timeline_args(MultiDict(parse_qsl(request.form.get("back", ""))))
    booking_id = optional_int(request.form.get("booking"))
    booking = db.session.get(Booking, booking_id) if booking_id else None
    if booking is None:
        return _timeline_page(query, error=_("Réservation inconnue."), status=400)
    experts = db.session.scalars(
        select(Expert).where(Expert.active.is_(True)).options(selectinload(Expert.roles), selectinload(Expert.skills))
    ).all()
    form = TimelineMoveForm(experts=experts)
    if not form.validate_on_submit():
        messages = [str(m) for errors in form.errors.values() for m in errors]
        return _timeline_page(query, error=" ".join(messages), status=400)
    retry = url_for(
        ".move", booking_id=booking.id, expert=form.expert.data, day=form.day.data.isoformat(), half=form.half.data
    )
    try:
        moves.move_booking(
            booking,
            expert=db.session.get(Expert, form.expert.data),
            day=form.day.data,
            half=form.half.data,
            actor=_actor(),
            now=now_utc(),
            confirm_outside=form.confirm_outside.data,
            reason=form.outside_reason.data or "",
        )
        db.session.commit()
    except moves.MoveRefused as exc:  # refused before any change: nothing to roll back
        return _timeline_page(query, error=exc.message, retry=retry, status=400)
    except IntegrityError:
        db.session.rollback()
        message = _("Cette demi-journée de l'expert vient d'être réservée : choisissez-en une autre.")
        return _timeline_page(query, error=message, status=400)
    flash(_("La demi-journée est déplacée."), "success")
    return redirect(_timeline_url(query))
