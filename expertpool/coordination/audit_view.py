"""The audit log page: every change, who, when, before/after; filterable, paginated, read-only."""

from flask import render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from expertpool.coordination import audit_labels
from expertpool.coordination.forms.audit import AuditFilterForm
from expertpool.extensions import db
from expertpool.list_page import requested_page
from expertpool.models import AuditLog, Expert, Member

PER_PAGE = 50


def filtered_audit(member_id=None, expert_id=None, request_id=None, action=""):
    query = select(AuditLog).options(selectinload(AuditLog.actor)).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    if member_id:
        query = query.where(AuditLog.member_id == member_id)
    if expert_id:
        query = query.where(AuditLog.expert_id == expert_id)
    if request_id:
        query = query.where(AuditLog.request_id == request_id)
    if action:
        query = query.where(AuditLog.action == action)
    return query


def audit_page():
    actions = list(db.session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))
    members = [tuple(r) for r in db.session.execute(select(Member.id, Member.name).order_by(Member.name))]
    experts = [
        tuple(r) for r in db.session.execute(select(Expert.id, Expert.display_name).order_by(Expert.display_name))
    ]
    form = AuditFilterForm(
        request.args,
        member_choices=members,
        expert_choices=experts,
        action_choices=[(code, audit_labels.action_label(code)) for code in actions],
    )
    valid = form.validate()
    filters = {}
    if valid:
        filters = {
            "member_id": form.member.data,
            "expert_id": form.expert.data,
            "request_id": form.request.data,
            "action": form.action.data or "",
        }
    page = db.paginate(filtered_audit(**filters), page=requested_page(request.args), per_page=PER_PAGE, error_out=False)
    names = {"members": dict(members), "experts": dict(experts)}
    link_args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "coordination/audit.html", form=form, page=page, names=names, link_args=link_args, labels=audit_labels
    ), (200 if valid else 400)
