"""The member's space: home with the drawing right, the request form, "my requests" and each request's page.

Views are thin: load (404 for another member's request) → check what the state allows → validate the
form → call a service → commit once → redirect.
"""

from datetime import date, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from expertpool import envelopes, periods, quotas, quotes, signals
from expertpool.booked_interventions import booked_interventions
from expertpool.contacts import planned_expert_contacts
from expertpool.extensions import db
from expertpool.i18n import days_input, days_label
from expertpool.list_page import requested_page
from expertpool.models import InterventionRequest, PoolSettings, RequestStatus, Urgency
from expertpool.permissions import (
    can_cancel_request,
    can_edit_request,
    can_message_request,
    can_rate_request,
    member_ids_visible_to,
    member_required,
)
from expertpool.requests import free_slots, queries, services
from expertpool.requests.forms import (
    URGENCY_HELP,
    CancelForm,
    MessageForm,
    QuoteForm,
    RatingForm,
    RequestForm,
    parse_request_days,
)
from expertpool.timeutil import now_utc, today_paris

bp = Blueprint("requests", __name__)

ACTIONS = ("preview", "draft", "submit", "save")
# Requests whose half-days are still to book (or to decide): those the period notice concerns.


# --- loading and access ---------------------------------------------------------------------------


def _visible_request_or_404(request_id: int) -> InterventionRequest:
    """A request of the user's structure (or, for an EPCI with an envelope, of its communes)."""
    req = queries.load_request(request_id)
    if req is None or req.member_id not in member_ids_visible_to(current_user):
        abort(404)
    return req


def _own_request_or_404(request_id: int) -> InterventionRequest:
    """A request the user may act on: its own structure's only (an EPCI follows its communes read-only)."""
    req = _visible_request_or_404(request_id)
    if req.member_id != current_user.member_id:
        abort(404)
    return req


def _balance_context(today, requests=(), now=None):
    """The structure's position (and, for an EPCI holding an envelope, each commune's draw on it), and
    the split of `requests` (read from the same figures when they fall in the same period)."""
    periods = quotas.all_periods()
    period = quotas.period_for(today, periods)
    member = current_user.member
    children = sorted(member.children, key=lambda m: m.name) if member.holds_envelope else []
    result = quotas.positions([member.id, *(child.id for child in children)], period, now=now, periods=periods)
    return {
        "splits": quotas.request_splits(requests, now, periods=periods, known=result),
        "period": period,
        "balance": result.members[member.id],
        "envelope": result.envelopes.get(member.id) if member.holds_envelope else None,
        "children_balances": [(child, result.members[child.id]) for child in children],
    }


def _flash_changed_meanwhile() -> None:
    flash(_("La demande a été modifiée entre-temps : vérifiez-la et recommencez."), "warning")


def _flash_not_cancellable() -> None:
    flash(
        _("Cette demande ne peut plus être annulée : une demi-journée a déjà commencé ou elle est terminée."), "warning"
    )


# --- home -----------------------------------------------------------------------------------------


UPCOMING_INTERVENTIONS = 10
UPCOMING_HALF_DAYS = 240


@bp.route("/mon-espace")
@member_required
def dashboard():
    today = today_paris(now_utc())
    visible = member_ids_visible_to(current_user)
    return render_template(
        "requests/dashboard.html",
        # The next interventions, read from enough half-days that the shown ones are whole.
        upcoming=booked_interventions(queries.upcoming_bookings(visible, today, limit=UPCOMING_HALF_DAYS))[
            :UPCOMING_INTERVENTIONS
        ],
        needing_action=queries.requests_needing_action(current_user.member_id),
        quotes_due=quotes.quotes_due_for(current_user.member_id, now_utc()),
        notifications=queries.latest_notifications(current_user),
        pending_envelope_reviews=len(envelopes.pending_reviews(current_user.member))
        if current_user.member.holds_envelope
        else 0,
        **_balance_context(today),
    )


# --- list and detail ------------------------------------------------------------------------------


@bp.route("/demandes")
@member_required
def index():
    status = request.args.get("statut", "")
    if status not in {s.value for s in RequestStatus}:
        status = ""
    visible = member_ids_visible_to(current_user)
    page = queries.requests_page(visible, status=status or None, page=requested_page(request.args))
    now = now_utc()
    return render_template(
        "requests/index.html",
        page=page,
        status=status,
        statuses=list(RequestStatus),
        **_balance_context(today_paris(now), page.items, now),
    )


def _period_notice(req: InterventionRequest, today: date) -> str:
    """Why part of a request waits: its window runs past the open periods (nothing is booked there)."""
    if req.status not in RequestStatus.WAITING_FOR_BOOKINGS:
        return ""
    if sum(1 for b in req.bookings if b.holds_slot) >= req.granted_half_days:
        return ""
    day = periods.first_uncovered_day(max(req.earliest, today + timedelta(days=1)), req.deadline)
    return periods.not_open_message(day) if day is not None else ""


def _render_detail(req, *, message_form=None, rating_form=None, quote_form=None, status=200):
    now = now_utc()
    today = today_paris(now)
    split = quotas.judge_request(req, now=now)
    due = quotes.quote_due_now(req, now, judged=split)
    if quote_form is None and due is not None:
        quote_form = QuoteForm(formdata=None, quoted=str(due.half_days))
    return render_template(
        "requests/detail.html",
        req=req,
        today=today,
        period_notice=_period_notice(req, today),
        expert_contacts=planned_expert_contacts(req.bookings),
        preferred=free_slots.preferred_outcome(req),
        quote_due=due,
        quote_form=quote_form,
        may_accept_quote=due is not None and req.member_id == current_user.member_id,
        split=split,
        message_form=message_form or MessageForm(formdata=None),
        rating_form=rating_form or RatingForm(formdata=None),
        may_edit=can_edit_request(current_user, req),
        may_cancel=can_cancel_request(current_user, req, today),
        may_rate=can_rate_request(current_user, req),
        may_message=can_message_request(current_user, req) and req.member_id == current_user.member_id,
    ), status


@bp.route("/demandes/<int:request_id>")
@member_required
def detail(request_id: int):
    return _render_detail(_visible_request_or_404(request_id))


@bp.route("/demandes/<int:request_id>/devis", methods=["POST"])
@member_required
def accept_quote(request_id: int):
    """Accept the new quote of a request's billable part (or acknowledge a critical request's price)."""
    req = _own_request_or_404(request_id)
    form = QuoteForm()
    if not form.validate_on_submit():
        return _render_detail(req, quote_form=form, status=400)
    try:
        quoted = int(form.quoted.data or "")
    except ValueError:
        quoted = -1
    try:
        due = services.accept_quote(req, actor=current_user, now=now_utc(), quoted=quoted)
        db.session.commit()
    except (services.RequestStateError, StaleDataError):
        db.session.rollback()
        flash(_("Le devis a changé entre-temps : lisez le nouveau devis avant de l'accepter."), "warning")
        return redirect(url_for("requests.detail", request_id=request_id))
    if quotes.is_critical(req):
        flash(_("Le prix de l'intervention est pris en compte."), "success")
    else:
        flash(
            _("Devis accepté : %(days)s hors droit de tirage seront planifiés.", days=days_label(due.half_days)),
            "success",
        )
    return redirect(url_for("requests.detail", request_id=request_id))


# --- the request form -----------------------------------------------------------------------------


def _prepare_form(form: RequestForm, today, original_earliest=None) -> RequestForm:
    roles, experts, skills = queries.form_choices()
    form.set_choices(roles, experts, skills)
    form.today = today
    form.original_earliest = original_earliest
    form.holidays_region = PoolSettings.load(db.session).holidays_region
    return form


def _render_form(form, *, req=None, position=None, status=200):
    today = today_paris(now_utc())
    return render_template(
        "requests/form.html",
        form=form,
        req=req,
        position=position,
        free_slots=free_slots.for_form(form, today),
        urgency_help=URGENCY_HELP,
        **_balance_context(today),
    ), status


def _handle_form(form: RequestForm, req: InterventionRequest | None):
    """Validate, then preview the quota position, or save (as draft / submitted) and redirect."""
    now = now_utc()
    action = request.form.get("action", "draft")
    if action not in ACTIONS:
        action = "draft"
    valid = form.validate()
    position = None
    if form.half_days is not None:
        earliest = form.earliest.data or today_paris(now)
        position = services.quota_preview(
            current_user.member_id,
            form.half_days,
            earliest,
            now=now,
            deadline=form.deadline.data,
            request_id=req.id if req else None,
        )
    if not valid:
        return _render_form(form, req=req, position=position, status=400)
    if action == "preview":
        return _render_form(form, req=req, position=position)
    submit = action == "submit" and (req is None or req.status == RequestStatus.DRAFT)
    # Billable work is quoted first: a request with a part beyond the drawing right is sent only once the
    # user accepts the quote. A security incident (critical) never waits: it is served first, priced after.
    quote = position if submit and position is not None and position.over else None
    if quote is not None and form.urgency.data != Urgency.CRITICAL and not form.accept_quote.data:
        form.accept_quote.errors = [
            _("Cochez cette case pour accepter le devis, ou réduisez le nombre de jours demandés.")
        ]
        return _render_form(form, req=req, position=position, status=400)
    sending = {
        "actor": current_user,
        "now": now,
        "data": form.data_for_service(),
        "submit": submit,
        "quote": quote,
        "quote_accepted": bool(form.accept_quote.data),
    }
    try:
        if req is None:
            req = services.create_request(current_user.member_id, **sending)
        else:
            services.update_request(req, **sending)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        _flash_changed_meanwhile()
        return redirect(url_for("requests.detail", request_id=req.id))
    except services.RequestStateError:
        db.session.rollback()
        flash(_("Cette demande ne peut plus être modifiée."), "warning")
        return redirect(url_for("requests.detail", request_id=req.id))
    except IntegrityError:
        # A role, expert or skill chosen in the form was removed meanwhile by a coordinator.
        db.session.rollback()
        flash(_("Un rôle, un expert ou une compétence choisi n'existe plus : vérifiez le formulaire."), "danger")
        return _render_form(form, req=req, position=position, status=400)
    if req.status == RequestStatus.APPROVED:
        # The pool may book such a request at once (planning/instant.py listens).
        signals.request_approved_on_sending.send(current_app._get_current_object(), request_id=req.id, now=now)
        db.session.refresh(req)
    if req.status == RequestStatus.SCHEDULED:
        flash(_("Votre demande est envoyée, acceptée et déjà planifiée : voici ses demi-journées."), "success")
    elif req.status == RequestStatus.APPROVED:
        flash(_("Votre demande est envoyée et déjà acceptée : elle sera planifiée prochainement."), "success")
    elif submit:
        flash(_("Votre demande est envoyée au coordinateur du pool."), "success")
    elif req.status == RequestStatus.DRAFT:
        flash(_("Brouillon enregistré. Il n'est pas encore envoyé."), "success")
    else:
        flash(_("Modifications enregistrées."), "success")
    return redirect(url_for("requests.detail", request_id=req.id))


def _iso_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


@bp.route("/demandes/verifier-droit")
@member_required
def quota_check():
    """The drawing-right message for some days and a start date, as an HTML fragment: request_form.js
    asks for it as the member types, so the rule stays in one place (the server)."""
    now = now_utc()
    try:
        half_days = parse_request_days(request.args.get("jours", ""))
    except ValueError:
        return "", 204
    earliest = _iso_date(request.args.get("debut")) or today_paris(now)
    deadline = _iso_date(request.args.get("fin"))
    own = request.args.get("demande", type=int)
    req = db.session.get(InterventionRequest, own) if own else None
    request_id = req.id if req is not None and req.member_id == current_user.member_id else None
    position = services.quota_preview(
        current_user.member_id, half_days, earliest, now=now, deadline=deadline, request_id=request_id
    )
    return render_template("requests/_position_fragment.html", position=position)


@bp.route("/demandes/nouvelle", methods=["GET", "POST"])
@member_required
def new():
    today = today_paris(now_utc())
    if request.method == "POST":
        return _handle_form(_prepare_form(RequestForm(), today), None)
    form = _prepare_form(RequestForm(formdata=None), today)
    form.address.data = current_user.member.address
    form.earliest.data = today + timedelta(days=1)
    expert_id = request.args.get("expert", type=int)
    expert = form.offered_expert(expert_id)
    if expert is not None:
        form.preferred_expert.data = expert.id
        form.role.data = expert.roles[0].id if expert.roles else None
    slot = free_slots.parse_value(request.args.get("creneau", ""))
    if slot is not None and slot[0] > today:
        # A free half-day picked on an expert's profile: the request starts that day and prefers it.
        form.earliest.data = slot[0]
        form.preferred_slots.data = [free_slots.slot_value(*slot)]
    return _render_form(form)


@bp.route("/demandes/<int:request_id>/modifier", methods=["GET", "POST"])
@member_required
def edit(request_id: int):
    req = _own_request_or_404(request_id)
    if not can_edit_request(current_user, req):
        flash(_("Cette demande ne peut plus être modifiée : elle a déjà été traitée."), "warning")
        return redirect(url_for("requests.detail", request_id=req.id))
    today = today_paris(now_utc())
    if request.method == "POST":
        return _handle_form(_prepare_form(RequestForm(), today, req.earliest), req)
    form = _prepare_form(RequestForm(formdata=None), today, req.earliest)
    form.title.data, form.description.data = req.title, req.description
    form.role.data, form.preferred_expert.data = req.role_id, req.preferred_expert_id
    form.skills.data = [s.id for s in req.skills]
    form.days.data = days_input(req.half_days)
    form.earliest.data, form.deadline.data = req.earliest, req.deadline
    form.urgency.data = req.urgency
    form.place.data = "on_site" if req.on_site else "remote"
    form.address.data = req.address
    form.preferred_slots.data = [free_slots.slot_value(p.date, p.half) for p in req.preferred_half_days]
    return _render_form(form, req=req)


# --- actions on a request -------------------------------------------------------------------------


def _render_cancel(req, form, status=200):
    return render_template("requests/cancel.html", req=req, cancel_form=form), status


@bp.route("/demandes/<int:request_id>/annuler", methods=["GET", "POST"])
@member_required
def cancel(request_id: int):
    """GET: the confirmation page (so that cancelling works without JavaScript); POST: cancel."""
    req = _own_request_or_404(request_id)
    if request.method == "GET":
        if not can_cancel_request(current_user, req, today_paris(now_utc())):
            _flash_not_cancellable()
            return redirect(url_for("requests.detail", request_id=req.id))
        return _render_cancel(req, CancelForm(formdata=None))
    form = CancelForm()
    if not form.validate():
        return _render_cancel(req, form, status=400)
    try:
        services.cancel_request(req, actor=current_user, now=now_utc(), reason=form.reason.data)
        db.session.commit()
    except services.RequestStateError:
        db.session.rollback()
        _flash_not_cancellable()
    except StaleDataError:
        db.session.rollback()
        _flash_changed_meanwhile()
    else:
        flash(
            _("La demande est annulée ; les demi-journées réservées sont rendues à votre droit de tirage."), "success"
        )
    return redirect(url_for("requests.detail", request_id=request_id))


@bp.route("/demandes/<int:request_id>/evaluer", methods=["POST"])
@member_required
def rate(request_id: int):
    req = _own_request_or_404(request_id)
    if not can_rate_request(current_user, req):
        flash(_("Cette intervention ne peut pas (ou plus) être évaluée."), "warning")
        return redirect(url_for("requests.detail", request_id=req.id))
    form = RatingForm()
    if not form.validate():
        return _render_detail(req, rating_form=form, status=400)
    try:
        services.rate_request(
            req, actor=current_user, now=now_utc(), rating=form.rating.data, comment=form.comment.data
        )
        db.session.commit()
    except (services.RequestStateError, StaleDataError):
        db.session.rollback()
        flash(_("Cette intervention ne peut pas (ou plus) être évaluée."), "warning")
    else:
        flash(_("Merci pour votre évaluation."), "success")
    return redirect(url_for("requests.detail", request_id=request_id))


@bp.route("/demandes/<int:request_id>/messages", methods=["GET", "POST"])
@member_required
def messages(request_id: int):
    req = _own_request_or_404(request_id)
    if request.method == "GET":
        return redirect(url_for("requests.detail", request_id=req.id, _anchor="messages"))
    form = MessageForm()
    if not form.validate():
        return _render_detail(req, message_form=form, status=400)
    answering = req.status == RequestStatus.NEEDS_INFO
    try:
        services.post_message(req, actor=current_user, now=now_utc(), body=form.body.data)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        _flash_changed_meanwhile()
    else:
        flash(
            _("Réponse envoyée : la demande retourne au coordinateur.")
            if answering
            else _("Message envoyé au coordinateur."),
            "success",
        )
    return redirect(url_for("requests.detail", request_id=request_id, _anchor="messages"))
