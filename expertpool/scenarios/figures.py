"""A solved scenario's figures, from the one drawing-right position computed over its plan in memory.

Each period's ledger (what the plan draws on) is booked with the plan's half-days (`Ledger.with_plan`)
and `quotas.compute` gives the positions before and after: what is within or over quota, billable, or
drawn on an envelope is exactly what the pages would show once that plan were written. The figures are
plain JSON (stored in the scenario row), keyed by database ids as strings.
"""

from collections import Counter, defaultdict
from dataclasses import replace
from statistics import median

from sqlalchemy import select

from expertpool.allocation import free_half_days
from expertpool.allocation.metrics import jain_index
from expertpool.extensions import db
from expertpool.models import Expert, Member, Role
from expertpool.quotas import APPROVED, Ledger, compute
from expertpool.scenarios.runner import Output, PositionsOf
from expertpool.scheduling.problem_builder import db_id


def booked_with(book: Ledger, extra: Counter, member_of: dict[int, int]) -> Ledger:
    """The ledger once the plan's half-days are booked: `with_plan` for the approved requests it holds,
    and the plan's other half-days (a request judged in another period) booked to their member."""
    after = book.with_plan(dict(extra))
    held = {r.id for r in book.requests if r.layer == APPROVED}
    booked = dict(after.booked)
    for request_id, n in extra.items():
        if request_id not in held:
            member_id = member_of[request_id]
            planned, delivered = booked.get(member_id, (0, 0))
            booked[member_id] = (planned + n, delivered)
    return replace(after, booked=booked)


def _names():
    """{member id: name}, {role code: label}, {expert id: name}: three queries whatever the size."""
    members = dict(db.session.execute(select(Member.id, Member.name)).all())
    roles = dict(db.session.execute(select(Role.code, Role.label)).all())
    experts = dict(db.session.execute(select(Expert.id, Expert.display_name)).all())
    return members, roles, experts


def figures(output: Output, positions_before: PositionsOf | None = None) -> dict:
    """The figures of a solved output. `positions_before`: positions already computed for the same
    ledger objects (the baseline's, shared with a scenario that keeps its rights; the drawing rights'
    of a replay)."""
    positions_before = PositionsOf() if positions_before is None else positions_before
    member_names, role_labels, expert_names = _names()
    member_of = dict(output.snapshot.member_of)
    members: dict[int, dict] = {}
    roles: dict[str, Counter] = defaultdict(Counter)
    experts: dict[str, Counter] = defaultdict(Counter)
    envelopes: dict[int, Counter] = defaultdict(Counter)
    reasons: Counter = Counter()
    delays: list[int] = []
    totals: Counter = Counter()
    for solved in output.solved:
        problem, plan, book = solved.problem, solved.plan, solved.book
        for r in problem.requests:
            member_of.setdefault(db_id(r.id), db_id(r.member))
        extra = Counter(db_id(a.request) for a in plan.assignments)
        before, after = positions_before.of(book), compute(booked_with(book, extra, member_of))
        served: Counter = Counter(a.request for a in plan.assignments)
        first_day = {}
        for a in plan.assignments:
            first_day[a.request] = min(first_day.get(a.request, a.date), a.date)
        unserved = Counter()
        for u in plan.unserved:
            unserved[u.request] += u.half_days
            reasons[u.reason] += u.half_days
        for r in problem.requests:
            member_id = db_id(r.member)
            row = members.setdefault(
                member_id,
                {"name": member_names.get(member_id, r.member), "demand": 0, "served": 0, "over": 0, "unserved": 0},
            )
            row["demand"] += r.half_days
            row["served"] += served[r.id]
            row["unserved"] += unserved[r.id]
            roles[r.role]["served"] += served[r.id]
            roles[r.role]["unserved"] += unserved[r.id]
            if r.id in first_day:
                delays.append((first_day[r.id] - max(r.earliest, problem.horizon_start)).days)
        for member_id in {db_id(r.member) for r in problem.requests}:
            row, now_ = members[member_id], after.members.get(member_id)
            then = before.members.get(member_id)
            if now_ is None:
                continue
            over = now_.booked_split.over - (then.booked_split.over if then else 0)
            row["over"] += over
            totals["billable_cents"] += over * book.unit_price_cents
            row.setdefault("right", now_.total)
            row.setdefault("level", None if now_.level is None else round(now_.level, 4))
        for epci_id, position in after.envelopes.items():
            then = before.envelopes.get(epci_id)
            drawn = position.booked_split.own - (then.booked_split.own if then else 0)
            envelopes[epci_id]["drawn"] += drawn
            envelopes[epci_id]["total"] = max(envelopes[epci_id]["total"], position.total)
        for expert in problem.experts:
            experts[expert.id]["free"] += len(free_half_days(expert, problem))
        for a in plan.assignments:
            experts[a.expert]["proposed"] += 1
    served_total = sum(row["served"] for row in members.values())
    over_total = sum(row["over"] for row in members.values())
    for row in members.values():
        row["within"] = row["served"] - row["over"]
    levels = [row["level"] for row in members.values() if row.get("level") is not None and row["demand"]]
    waiting = [row for row in members.values() if row["unserved"] > 0]
    # As the engine's min_level_unmet: the lowest level among members still waiting below their right.
    waiting_levels = [row["level"] for row in waiting if row.get("level") is not None and row["level"] < 1]
    return {
        "base": output.base,
        "horizon": [output.start.isoformat(), output.end.isoformat()],
        "unit_price_cents": output.unit_price_cents,
        "totals": {
            "served": served_total,
            "within": served_total - over_total,
            "over": over_total,
            "unserved": sum(reasons.values()),
            "billable_cents": totals["billable_cents"],
            "waiting_members": len(waiting),
            "median_delay_days": median(delays) if delays else None,
            "min_level": round(min(waiting_levels), 4) if waiting_levels else None,
            "jain": round(jain_index(levels), 4),
        },
        "unserved_by_reason": dict(sorted(reasons.items())),
        "members": {str(k): v for k, v in sorted(members.items())},
        "roles": {
            code: {"label": role_labels.get(code, code), "served": c["served"], "unserved": c["unserved"]}
            for code, c in sorted(roles.items())
        },
        "experts": {
            key: {
                "name": expert_names.get(db_id(key), "") if db_id(key) > 0 else "",
                "added": db_id(key) < 0,
                "free": c["free"],
                "proposed": c["proposed"],
            }
            for key, c in sorted(experts.items(), key=lambda kv: db_id(kv[0]))
        },
        "envelopes": {
            str(epci_id): {"name": member_names.get(epci_id, ""), "drawn": c["drawn"], "total": c["total"]}
            for epci_id, c in sorted(envelopes.items())
        },
    }
