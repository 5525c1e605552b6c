"""Member structures: search, create, edit, deactivate, and what their detail page shows."""

from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from expertpool.audit import record, snapshot
from expertpool.extensions import db
from expertpool.models import InterventionRequest, Member, MemberKind, Quota, QuotaKind, QuotaPeriod, User
from expertpool.quotas import balances, positions
from expertpool.text_search import Field, search

MEMBER_FIELDS = (
    "name",
    "kind",
    "insee_code",
    "siren",
    "population",
    "contribution_cents",
    "parent_id",
    "address",
    "email",
    "phone",
    "holds_envelope",
)


def epci_choices() -> list[tuple[int, str]]:
    return [
        (m.id, m.name)
        for m in db.session.scalars(select(Member).where(Member.kind == MemberKind.EPCI).order_by(Member.name))
    ]


def search_members(q: str = "", kind: str = "", epci_id: int | None = None, active: str = "yes") -> Select:
    """The members matching the list's filters, best match first, then by name (a query for `db.paginate`)."""
    query = select(Member).options(selectinload(Member.parent)).order_by(Member.name, Member.id)
    # A code is looked up as typed; a name as words, whatever their case, accents or order.
    found = search(
        [
            Field(Member.search_name, 10),
            Field(func.coalesce(Member.insee_code, ""), 1),
            Field(func.coalesce(Member.siren, ""), 1),
        ],
        q,
        db.engine.dialect.name,
    )
    if found is not None:
        query = query.where(found.where).order_by(None).order_by(found.rank.desc(), Member.name, Member.id)
    if kind:
        query = query.where(Member.kind == kind)
    if epci_id:
        query = query.where(or_(Member.parent_id == epci_id, Member.id == epci_id))
    if active == "yes":
        query = query.where(Member.active.is_(True))
    elif active == "no":
        query = query.where(Member.active.is_(False))
    return query


def find_clash(field: str, value, member_id: int | None) -> Member | None:
    """Another member already holding this INSEE code or SIREN (both unique)."""
    if not value:
        return None
    query = select(Member).where(getattr(Member, field) == value)
    if member_id is not None:
        query = query.where(Member.id != member_id)
    return db.session.scalar(query)


def _apply(member: Member, data: dict) -> None:
    for name in MEMBER_FIELDS:
        if name in data:
            setattr(member, name, data[name])
    if member.kind != MemberKind.EPCI:
        member.holds_envelope = False


def create_member(data: dict, *, actor, now: datetime) -> Member:
    member = Member(created_at=now)
    _apply(member, data)
    db.session.add(member)
    db.session.flush()
    record(actor, "member.create", member, now=now, after=snapshot(member, *MEMBER_FIELDS), member_id=member.id)
    return member


def update_member(member: Member, data: dict, *, actor, now: datetime) -> bool:
    """Apply the edits; returns False (and writes nothing) when nothing changed."""
    before = snapshot(member, *MEMBER_FIELDS)
    _apply(member, data)
    after = snapshot(member, *MEMBER_FIELDS)
    if before == after:
        return False
    changed = [k for k in MEMBER_FIELDS if before[k] != after[k]]
    db.session.flush()
    record(
        actor,
        "member.update",
        member,
        now=now,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
        member_id=member.id,
    )
    return True


def set_member_active(member: Member, active: bool, *, actor, now: datetime) -> bool:
    """Deactivate (or reactivate) a structure; its history, quotas and users stay."""
    if member.active == active:
        return False
    member.active = active
    db.session.flush()
    record(
        actor,
        "member.reactivate" if active else "member.deactivate",
        member,
        now=now,
        before={"active": not active},
        after={"active": active},
        member_id=member.id,
    )
    return True


def member_detail(member: Member, period: QuotaPeriod | None) -> dict:
    """Everything the detail page shows, in a fixed number of queries."""
    users = list(db.session.scalars(select(User).where(User.member_id == member.id).order_by(User.name)))
    quotas = list(
        db.session.scalars(
            select(Quota)
            .join(QuotaPeriod)
            .options(selectinload(Quota.period), selectinload(Quota.adjustments))
            .where(Quota.member_id == member.id)
            .order_by(QuotaPeriod.start_date.desc(), Quota.kind)
        )
    )
    period_ids = sorted({q.period_id for q in quotas})
    history = []
    for period_id in sorted(period_ids, reverse=True):
        own = next((q for q in quotas if q.period_id == period_id and q.kind == QuotaKind.OWN), None)
        envelope = next((q for q in quotas if q.period_id == period_id and q.kind == QuotaKind.ENVELOPE), None)
        quota_period = (own or envelope).period
        history.append(
            {
                "period": quota_period,
                "own": own,
                "envelope": envelope,
                "balance": balances([member.id], quota_period)[member.id],
            }
        )
    requests = list(
        db.session.scalars(
            select(InterventionRequest)
            .options(selectinload(InterventionRequest.role))
            .where(InterventionRequest.member_id == member.id)
            .order_by(InterventionRequest.created_at.desc())
            .limit(50)
        )
    )
    children = list(db.session.scalars(select(Member).where(Member.parent_id == member.id).order_by(Member.name)))
    rollup = None
    if member.kind == MemberKind.EPCI and period is not None:
        result = positions([member.id, *(c.id for c in children)], period)
        child_balances = {c.id: result.members[c.id] for c in children}
        rollup = {
            "envelope": result.envelopes.get(member.id),
            "children": [(c, child_balances[c.id]) for c in children],
            "total_used": sum(b.used for b in child_balances.values()),
            "total_own": sum(b.total for b in child_balances.values()),
        }
    return {
        "users": users,
        "history": history,
        "requests": requests,
        "children": children,
        "rollup": rollup,
        "balance": balances([member.id], period)[member.id] if period else None,
    }
