"""The audit log page: every change, who, when, before/after; filterable, paginated, read-only."""

from flask import render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from expertpool.coordination import audit_labels, members
from expertpool.coordination.forms.audit import AuditFilterForm
from expertpool.extensions import db
from expertpool.fields import optional_int
from expertpool.list_page import paginate_query
from expertpool.models import AuditLog, Expert, Member

PER_PAGE = 50


def filtered_audit(member_id=None, expert_id=None, request_id=None, action="", member_name=""):
    query = select(AuditLog).options(selectinload(AuditLog.actor)).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    if member_id:
        query = query.where(AuditLog.member_id == member_id)
    if member_name:
        matching = members.search_members(q=member_name, active="all").with_only_columns(Member.id).order_by(None)
        query = query.where(AuditLog.member_id.in_(matching))
    if expert_id:
        query = query.where(AuditLog.expert_id == expert_id)
    if request_id:
        query = query.where(AuditLog.request_id == request_id)
    if action:
        query = query.where(AuditLog.action == action)
    return query


def _member_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i and 0 < i < 2**31}  # beyond, PostgreSQL's integer would overflow (a 500)
    if not ids:
        return {}
    return dict(db.session.execute(select(Member.id, Member.name).where(Member.id.in_(ids))).all())


def audit_page():
    actions = list(db.session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))
    experts = [
        tuple(r) for r in db.session.execute(select(Expert.id, Expert.display_name).order_by(Expert.display_name))
    ]
    asked_member = optional_int(request.args.get("member"))
    form = AuditFilterForm(
        request.args,
        member_choices=sorted(_member_names([asked_member]).items()),
        expert_choices=experts,
        action_choices=[(code, audit_labels.action_label(code)) for code in actions],
    )
    valid = form.validate()
    filters = {}
    if valid:
        filters = {
            "member_id": form.member.data,
            "member_name": (form.member_name.data or "").strip(),
            "expert_id": form.expert.data,
            "request_id": form.request.data,
            "action": form.action.data or "",
        }
    page = paginate_query(filtered_audit(**filters), request.args, PER_PAGE)
    # Only the names the page shows: one query, whatever the size of the pool.
    names = {"members": _member_names(row.member_id for row in page.items), "experts": dict(experts)}
    link_args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "coordination/audit.html", form=form, page=page, names=names, link_args=link_args, labels=audit_labels
    ), (200 if valid else 400)
