"""The envelope pages: an EPCI's users cap each commune's draw, choose whether draws need their approval
and approve or refuse draws in their own queue ("À valider par l'EPCI"); a coordinator sets the caps too.

An EPCI user acts only on the EPCI's own communes, a commune user reaches none of these pages (404).
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from expertpool import envelopes, quotas
from expertpool.envelope.forms import ApprovalSettingForm, ApproveDrawForm, CapForm, RefuseDrawForm
from expertpool.extensions import db
from expertpool.models import InterventionRequest, Member, QuotaPeriod
from expertpool.permissions import is_staff, member_required, staff_required
from expertpool.timeutil import now_utc, today_paris

bp = Blueprint("envelope", __name__)


# --- loading and access ---------------------------------------------------------------------------


def _my_epci_or_404() -> Member:
    epci = envelopes.epci_of(current_user)
    if epci is None:
        abort(404)
    return epci


def _epci_or_404(epci_id: int) -> Member:
    epci = db.session.get(Member, epci_id)
    if epci is None or not epci.holds_envelope:
        abort(404)
    return epci


def _commune_or_404(epci: Member, commune_id: int) -> Member:
    try:
        return envelopes.commune_of(epci, commune_id)
    except envelopes.NotACommuneOfTheEpci:
        abort(404)


def _period(period_id) -> QuotaPeriod | None:
    """The period asked for (?periode=…, a prepared next one included), else today's."""
    periods = quotas.all_periods()
    if period_id:
        chosen = next((p for p in periods if str(p.id) == str(period_id)), None)
        if chosen is not None:
            return chosen
    return quotas.period_for(today_paris(now_utc()), periods)


# --- the envelope page ----------------------------------------------------------------------------


def _render_manage(epci: Member, period: QuotaPeriod | None, *, forms=None, setting_form=None, status=200):
    communes = sorted(epci.children, key=lambda m: m.name)
    result = quotas.positions([epci.id, *(c.id for c in communes)], period, now=now_utc())
    forms = forms or {}
    rows = []
    for commune in communes:
        position = result.members.get(commune.id) or quotas.Position()
        form = forms.get(commune.id)
        if form is None:
            form = CapForm(formdata=None, prefix=f"c{commune.id}", period=period.id if period else "")
            form.cap.data = position.envelope_cap
        rows.append((commune, position, form))
    staff = is_staff(current_user)
    if setting_form is None:
        setting_form = ApprovalSettingForm(formdata=None, required=epci.envelope_draws_need_approval)
    return render_template(
        "envelope/manage.html",
        epci=epci,
        period=period,
        periods=quotas.all_periods(),
        envelope=result.envelopes.get(epci.id),
        rows=rows,
        staff=staff,
        setting_form=setting_form,
        pending=[] if staff else envelopes.pending_reviews(epci),
        cap_url=(lambda commune: _cap_url(epci, commune, staff)),
    ), status


def _cap_url(epci: Member, commune: Member, staff: bool) -> str:
    if staff:
        return url_for("envelope.staff_cap", epci_id=epci.id, commune_id=commune.id)
    return url_for("envelope.cap", commune_id=commune.id)


def _manage_url(epci: Member, period: QuotaPeriod | None) -> str:
    args = {"periode": period.id} if period is not None else {}
    if is_staff(current_user):
        return url_for("envelope.staff_manage", epci_id=epci.id, **args)
    return url_for("envelope.manage", **args)


@bp.route("/mon-espace/enveloppe")
@member_required
def manage():
    return _render_manage(_my_epci_or_404(), _period(request.args.get("periode")))


@bp.route("/coordination/membres/<int:epci_id>/enveloppe")
@staff_required
def staff_manage(epci_id: int):
    return _render_manage(_epci_or_404(epci_id), _period(request.args.get("periode")))


def _save_cap(epci: Member, commune_id: int):
    commune = _commune_or_404(epci, commune_id)
    form = CapForm(prefix=f"c{commune.id}")
    period_id = form.period.data or ""
    period = db.session.get(QuotaPeriod, int(period_id)) if period_id.isdigit() and len(period_id) < 10 else None
    valid = form.validate()
    if period is None:  # a page left open while the period was removed, or a tampered form
        form.cap.errors = [*form.cap.errors, _("Cette période n'existe plus : rechargez la page.")]
        return _render_manage(epci, _period(None), forms={commune.id: form}, status=400)
    if not valid:
        return _render_manage(epci, period, forms={commune.id: form}, status=400)
    changed = envelopes.set_cap(epci, commune, period, form.cap.data, actor=current_user, now=now_utc())
    db.session.commit()
    if changed:
        if form.cap.data is None:
            flash(_("%(commune)s n'a plus de plafond sur l'enveloppe.", commune=commune.name), "success")
        else:
            flash(_("Plafond de %(commune)s enregistré.", commune=commune.name), "success")
    return redirect(_manage_url(epci, period), code=303)


@bp.route("/mon-espace/enveloppe/plafonds/<int:commune_id>", methods=["POST"])
@member_required
def cap(commune_id: int):
    return _save_cap(_my_epci_or_404(), commune_id)


@bp.route("/coordination/membres/<int:epci_id>/enveloppe/plafonds/<int:commune_id>", methods=["POST"])
@staff_required
def staff_cap(epci_id: int, commune_id: int):
    return _save_cap(_epci_or_404(epci_id), commune_id)


@bp.route("/mon-espace/enveloppe/validation", methods=["POST"])
@member_required
def approval_setting():
    """The EPCI's own choice: whether each draw of a commune on its envelope needs its approval."""
    epci = _my_epci_or_404()
    form = ApprovalSettingForm()
    if not form.validate():
        return _render_manage(epci, _period(None), setting_form=form, status=400)
    envelopes.set_approval_required(epci, bool(form.required.data), actor=current_user, now=now_utc())
    db.session.commit()
    if form.required.data:
        flash(_("Les tirages de vos communes sur l'enveloppe vous seront soumis avant la décision du pool."), "success")
    else:
        flash(_("Les tirages de vos communes sur l'enveloppe ne demandent plus votre validation."), "success")
    return redirect(url_for("envelope.manage"), code=303)


# --- the EPCI's queue -----------------------------------------------------------------------------


def _render_queue(epci: Member, *, refuse_forms=None, status=200):
    pending = envelopes.pending_reviews(epci)
    now = now_utc()
    refuse_forms = refuse_forms or {}
    splits = quotas.request_splits(pending, now)
    items = [
        (
            req,
            splits[req.id],
            refuse_forms.get(req.id) or RefuseDrawForm(formdata=None, prefix=f"r{req.id}"),
        )
        for req in pending
    ]
    return render_template(
        "envelope/queue.html", epci=epci, items=items, approve_form=ApproveDrawForm(formdata=None)
    ), status


@bp.route("/mon-espace/enveloppe/a-valider")
@member_required
def queue():
    return _render_queue(_my_epci_or_404())


def _request_of_my_communes_or_404(epci: Member, request_id: int) -> InterventionRequest:
    req = db.session.get(InterventionRequest, request_id)
    if req is None or req.member.parent_id != epci.id:
        abort(404)
    return req


def _review(request_id: int, *, approve: bool):
    epci = _my_epci_or_404()
    req = _request_of_my_communes_or_404(epci, request_id)
    form = ApproveDrawForm() if approve else RefuseDrawForm(prefix=f"r{req.id}")
    if not form.validate():
        return _render_queue(epci, refuse_forms={} if approve else {req.id: form}, status=400)
    try:
        envelopes.review_draw(
            req,
            epci,
            approve=approve,
            reason="" if approve else form.reason.data,
            actor=current_user,
            now=now_utc(),
            member_link=url_for("requests.detail", request_id=req.id),
            staff_link=url_for("coordination.request_detail", request_id=req.id),
        )
        db.session.commit()
    except (envelopes.ReviewNotPending, StaleDataError):
        db.session.rollback()
        flash(_("Ce tirage n'attend plus votre validation."), "warning")
        return redirect(url_for("envelope.queue"), code=303)
    if approve:
        flash(_("Tirage de %(commune)s accepté.", commune=req.member.name), "success")
    else:
        flash(_("Tirage de %(commune)s refusé : la commune est prévenue.", commune=req.member.name), "success")
    return redirect(url_for("envelope.queue"), code=303)


@bp.route("/mon-espace/enveloppe/a-valider/<int:request_id>/accepter", methods=["POST"])
@member_required
def approve(request_id: int):
    return _review(request_id, approve=True)


@bp.route("/mon-espace/enveloppe/a-valider/<int:request_id>/refuser", methods=["POST"])
@member_required
def refuse(request_id: int):
    return _review(request_id, approve=False)
