"""Members pages: list with filters, create/edit/deactivate, detail (with EPCI roll-up), quota adjustment,
and the CSV import (upload → preview → confirm)."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from expertpool.coordination import member_import, members, quota_periods
from expertpool.coordination.forms.members import ImportTokenForm, ImportUploadForm, MemberFilterForm, MemberForm
from expertpool.coordination.forms.periods import AdjustmentForm
from expertpool.extensions import db
from expertpool.labels import MEMBER_KIND_LABELS as KIND_LABELS
from expertpool.labels import field_labels
from expertpool.list_page import paginate_query
from expertpool.models import Member, MemberKind, QuotaPeriod
from expertpool.quotas import balances, period_for
from expertpool.timeutil import now_utc, today_paris

PER_PAGE = 25


def members_list():
    form = MemberFilterForm(request.args, epci_choices=members.epci_choices())
    valid = form.validate()
    filters = (
        {
            "q": form.q.data or "",
            "kind": form.kind.data or "",
            "epci_id": form.epci.data,
            "active": form.active.data or "yes",
        }
        if valid
        else {}
    )
    query = members.search_members(**filters)
    page = paginate_query(query, request.args, PER_PAGE)
    period = period_for(today_paris())
    page_balances = balances([m.id for m in page.items], period)
    link_args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "coordination/members.html",
        form=form,
        page=page,
        balances=page_balances,
        period=period,
        kind_labels=KIND_LABELS,
        link_args=link_args,
    ), (200 if valid else 400)


def _member_data(form: MemberForm) -> dict:
    return {
        "name": " ".join(form.name.data.split()),
        "kind": form.kind.data,
        "insee_code": form.insee_code.data or None,
        "siren": form.siren.data or None,
        "population": form.population.data,
        "contribution_cents": form.contribution.data or 0,
        "parent_id": form.parent_id.data,
        "holds_envelope": bool(form.holds_envelope.data),
        "email": form.email.data or "",
        "phone": form.phone.data or "",
        "address": form.address.data or "",
    }


def _check_unique(form: MemberForm, member_id: int | None) -> bool:
    ok = True
    for field_name, label in (("insee_code", _("ce code INSEE")), ("siren", _("ce SIREN"))):
        clash = members.find_clash(field_name, getattr(form, field_name).data, member_id)
        if clash is not None:
            getattr(form, field_name).errors.append(_("« %(name)s » a déjà %(what)s.", name=clash.name, what=label))
            ok = False
    if member_id is not None and form.parent_id.data == member_id:
        form.parent_id.errors.append(_("Une structure ne peut pas être son propre EPCI."))
        ok = False
    return ok


def member_form(member_id: int | None = None):
    member = db.get_or_404(Member, member_id) if member_id is not None else None
    epcis = [(i, n) for i, n in members.epci_choices() if i != member_id]
    form = MemberForm(obj=member, epci_choices=epcis)
    if request.method == "GET" and member is not None:
        form.contribution.data = member.contribution_cents
    if form.validate_on_submit() and _check_unique(form, member_id):
        try:
            if member is None:
                member = members.create_member(_member_data(form), actor=current_user, now=now_utc())
                flash(_("Structure « %(name)s » créée.", name=member.name), "success")
            elif members.update_member(member, _member_data(form), actor=current_user, now=now_utc()):
                flash(_("Structure « %(name)s » modifiée.", name=member.name), "success")
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            form.name.errors.append(_("Une autre structure a le même code INSEE ou SIREN : rien n'a été écrit."))
        else:
            return redirect(url_for("coordination.member_detail", member_id=member.id), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("coordination/member_form.html", form=form, member=member), status


def member_set_active(member_id: int, active: bool):
    member = db.get_or_404(Member, member_id)
    if members.set_member_active(member, active, actor=current_user, now=now_utc()):
        db.session.commit()
        flash(_("Structure réactivée.") if active else _("Structure désactivée."), "success")
    return redirect(url_for("coordination.member_detail", member_id=member.id), code=303)


def member_deactivate(member_id: int):
    return member_set_active(member_id, False)


def member_reactivate(member_id: int):
    return member_set_active(member_id, True)


def _period_choices():
    return [(p.id, p.name) for p in db.session.scalars(select(QuotaPeriod).order_by(QuotaPeriod.start_date.desc()))]


def member_detail(member_id: int, adjust_form=None, status=200):
    member = db.get_or_404(Member, member_id)
    period = period_for(today_paris())
    if adjust_form is None:
        adjust_form = AdjustmentForm(
            formdata=None,
            period_choices=_period_choices(),
            envelope=member.kind == MemberKind.EPCI,
            period_id=period.id if period else None,
        )
    detail = members.member_detail(member, period)
    return render_template(
        "coordination/member_detail.html",
        member=member,
        period=period,
        detail=detail,
        adjust_form=adjust_form,
        kind_labels=KIND_LABELS,
    ), status


def member_adjust(member_id: int):
    member = db.get_or_404(Member, member_id)
    form = AdjustmentForm(period_choices=_period_choices(), envelope=member.kind == MemberKind.EPCI)
    if not form.validate_on_submit():
        return member_detail(member_id, adjust_form=form, status=400)
    period = db.session.get(QuotaPeriod, form.period_id.data)
    try:
        quota_periods.adjust_quota(
            member,
            period,
            kind=form.kind.data,
            delta=form.delta.data,
            reason=form.reason.data,
            actor=current_user,
            now=now_utc(),
        )
    except quota_periods.AdjustmentWouldBeNegative:
        db.session.rollback()
        form.delta.errors.append(_("Cet ajustement rendrait le droit de tirage négatif."))
        return member_detail(member_id, adjust_form=form, status=400)
    db.session.commit()
    flash(_("Droit de tirage ajusté."), "success")
    return redirect(url_for("coordination.member_detail", member_id=member.id) + "#droits", code=303)


# --- CSV import ----------------------------------------------------------------------------------


def import_upload():
    form = ImportUploadForm()
    if form.validate_on_submit():
        data = form.file.data.read(member_import.MAX_FILE_BYTES + 1)
        try:
            preview = member_import.build_preview(data)
        except member_import.ImportFileError as exc:
            form.file.errors.append(str(exc))
        else:
            return _preview_page(preview, member_import.make_token(data))
    status = 400 if request.method == "POST" else 200
    return render_template("coordination/member_import.html", form=form), status


def _preview_page(preview, token, status=200, changed=False):
    confirm = ImportTokenForm(formdata=None, token=token)
    return render_template(
        "coordination/member_import_preview.html",
        preview=preview,
        confirm=confirm,
        digest=preview.digest,
        changed=changed,
        kind_labels=KIND_LABELS,
        field_labels=field_labels,
        counts_text=import_counts_text(preview.counts, done=False),
    ), status


def import_counts_text(counts: dict[str, int], *, done: bool) -> str:
    """'2 structures à créer, 0 à mettre à jour, …' before the import, '2 structures créées, …' after it."""
    if done:
        parts = [
            ngettext("%(num)d structure créée", "%(num)d structures créées", counts["created"]),
            ngettext("%(num)d mise à jour", "%(num)d mises à jour", counts["updated"]),
            ngettext("%(num)d inchangée", "%(num)d inchangées", counts["unchanged"]),
            ngettext("%(num)d ligne rejetée", "%(num)d lignes rejetées", counts["rejected"]),
        ]
    else:
        parts = [
            ngettext("%(num)d structure à créer", "%(num)d structures à créer", counts["created"]),
            ngettext("%(num)d à mettre à jour", "%(num)d à mettre à jour", counts["updated"]),
            ngettext("%(num)d inchangée", "%(num)d inchangées", counts["unchanged"]),
            ngettext("%(num)d ligne rejetée", "%(num)d lignes rejetées", counts["rejected"]),
        ]
    return ", ".join(parts) + "."


def _preview_from_token():
    form = ImportTokenForm()
    if not form.validate_on_submit():
        abort(400)
    data = member_import.read_token(form.token.data)
    return member_import.build_preview(data), form.token.data


def member_import_confirm():
    try:
        preview, token = _preview_from_token()
    except member_import.ImportFileError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("coordination.member_import"), code=303)
    if request.form.get("digest") != preview.digest:
        # The members changed since the preview: show the new preview instead of writing a surprise.
        return _preview_page(preview, token, status=409, changed=True)
    try:
        counts = member_import.apply_import(preview, actor=current_user, now=now_utc())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash(_("L'import a échoué (doublon apparu entre-temps) : rien n'a été écrit. Recommencez."), "danger")
        return redirect(url_for("coordination.member_import"), code=303)
    flash(_("Import terminé : %(counts)s", counts=import_counts_text(counts, done=True)), "success")
    return redirect(url_for("coordination.members"), code=303)


def member_import_rejected():
    try:
        preview, _token = _preview_from_token()
    except member_import.ImportFileError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("coordination.member_import"), code=303)
    return Response(
        member_import.rejected_csv(preview),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=lignes-rejetees.csv"},
    )
