"""The approval queue and the decision page: approve (adjusting the days), reject, ask for information.

Two coordinators may decide at once: the request's optimistic `version` makes the second flush fail
(StaleDataError); the view rolls back and says, in French, that someone else was faster.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from expertpool import approval, quotas, quotes
from expertpool.allocation.model import URGENCY_RANK
from expertpool.coordination.forms.decisions import ApproveForm, InformationForm, RejectForm
from expertpool.extensions import db
from expertpool.list_page import paginate_query
from expertpool.models import InterventionRequest, RequestMessage, RequestStatus
from expertpool.timeutil import now_utc

URGENCY_ORDER = case(URGENCY_RANK, value=InterventionRequest.urgency, else_=len(URGENCY_RANK))


def conflict_message() -> str:
    return _(
        "Cette demande vient d'être traitée par un autre coordinateur : votre décision n'a pas été "
        "enregistrée. Voici son état actuel."
    )


PER_PAGE = 20  # a screenful to decide on; the count of all waiting requests stays above


def waiting_query():
    """Requests waiting for a decision: critical first, then high, then the oldest (a query to page)."""
    return (
        select(InterventionRequest)
        .options(
            selectinload(InterventionRequest.member),
            selectinload(InterventionRequest.role),
            selectinload(InterventionRequest.preferred_expert),
        )
        .where(InterventionRequest.status.in_(RequestStatus.AWAITING_DECISION))
        .order_by(
            URGENCY_ORDER,
            InterventionRequest.submitted_at.asc().nulls_last(),
            InterventionRequest.created_at,
            InterventionRequest.id,
        )
    )


def waiting_requests(limit: int | None = None) -> list[InterventionRequest]:
    query = waiting_query()
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def queue_page():
    """One page of the queue, paged in SQL so that its cost does not grow with the waiting requests.

    Each row's drawing-right judgement stays the one of the whole queue: `request_splits` reads the
    position of the page's members with all their open requests (those on other pages included), in
    submission order, so a request on page 2 is judged after the same member's earlier ones on page 1.
    """
    page = paginate_query(waiting_query(), request.args, PER_PAGE)
    positions = quotas.request_splits(page.items, now_utc())
    return render_template("coordination/queue.html", page=page, positions=positions, now=now_utc())


def _load(request_id: int) -> InterventionRequest:
    req = db.session.get(
        InterventionRequest,
        request_id,
        options=[
            selectinload(InterventionRequest.messages).selectinload(RequestMessage.author),
            selectinload(InterventionRequest.skills),
            selectinload(InterventionRequest.member),
        ],
    )
    if req is None:
        abort(404)
    return req


def _render(req, *, approve_form=None, reject_form=None, info_form=None, status=200, conflict=""):
    if approve_form is None:
        approve_form = ApproveForm(formdata=None, days=req.granted_half_days)
    now = now_utc()
    position = quotas.judge_request(req, now=now)
    return render_template(
        "coordination/request.html",
        req=req,
        position=position,
        balance=quotas.balance(req.member_id, position.period),
        conflict=conflict,
        approve_form=approve_form,
        reject_form=reject_form or RejectForm(formdata=None),
        info_form=info_form or InformationForm(formdata=None),
        decidable=req.status in RequestStatus.AWAITING_DECISION,
        quote_due=quotes.quote_due_now(req, now, judged=position),
    ), status


def request_detail(request_id: int):
    return _render(_load(request_id))


def _decide(request_id: int, form, action, done_message):
    """Shared flow of the three decisions: validate, call the service, commit once, handle races.

    Returns the response, or None when the form is invalid (the caller re-renders it with status 400).
    """
    req = _load(request_id)
    if not form.validate_on_submit():
        return None, req
    try:
        action(req, form)
        db.session.commit()
    except approval.AwaitingEpci:
        db.session.rollback()
        return _render(
            _load(request_id),
            status=409,
            conflict=_("Le tirage sur l'enveloppe attend la validation de l'EPCI : décidez après elle."),
        ), req
    except (StaleDataError, approval.DecisionConflict):
        db.session.rollback()
        return _render(_load(request_id), status=409, conflict=conflict_message()), req
    flash(done_message(req), "success")
    return redirect(url_for("coordination.queue"), code=303), req


def approve(request_id: int):
    form = ApproveForm()
    form.asked_half_days = _load(request_id).half_days
    result, req = _decide(
        request_id,
        form,
        lambda req, f: approval.approve_request(
            req, actor=current_user, now=now_utc(), half_days=f.days.data, note=f.note.data or ""
        ),
        lambda req: _("Demande « %(title)s » acceptée.", title=req.title),
    )
    return result if result is not None else _render(req, approve_form=form, status=400)


def reject(request_id: int):
    form = RejectForm()
    result, req = _decide(
        request_id,
        form,
        lambda req, f: approval.reject_request(req, actor=current_user, now=now_utc(), reason=f.reason.data),
        lambda req: _("Demande « %(title)s » refusée.", title=req.title),
    )
    return result if result is not None else _render(req, reject_form=form, status=400)


def ask_information(request_id: int):
    form = InformationForm()
    result, req = _decide(
        request_id,
        form,
        lambda req, f: approval.request_information(req, actor=current_user, now=now_utc(), message=f.message.data),
        lambda req: _("Question envoyée au membre pour « %(title)s ».", title=req.title),
    )
    return result if result is not None else _render(req, info_form=form, status=400)
