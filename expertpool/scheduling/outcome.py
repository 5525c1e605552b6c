"""The solved horizon (`Outcome`): one problem and plan per quota period, their union, and the figures a
run or a scenario shows of it. Plain data read from a `Snapshot`: writing it is the planning feature's
job (`planning/plan_writer.py`); a scenario only reads it.
"""

from collections import Counter
from dataclasses import replace
from datetime import date

from expertpool.allocation import Assignment, Plan, free_half_days
from expertpool.scheduling.problem_builder import Segment, Snapshot, db_id, member_key, request_key


def plain(value):
    """JSON-safe copy of engine metrics (numpy scalars and tuples become plain numbers and lists)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


class Outcome:
    """The solved horizon: its segments (one problem and plan per quota period) and their union."""

    def __init__(self, start: date, end: date, segments: list[Segment], snapshot: Snapshot):
        self.start, self.end, self.segments, self.snapshot = start, end, segments, snapshot
        self.plan = _combined_plan(segments, self.engine_metrics())
        self.requests = {request_key(r.id): r for r in snapshot.requests}
        self.changed_requests: set[int] = set()  # db ids of requests changed under the run: left alone
        self.left_out: dict = {}

    @property
    def booked_half_days(self) -> int:
        return len(self.plan.assignments)

    @property
    def unserved_half_days(self) -> int:
        return sum(u.half_days for u in self.plan.unserved)

    def summary(self) -> dict:
        """Per member: own right and envelope share apart, used, proposed, unserved and level after; per
        expert: free and proposed.

        Each member is listed once even when the horizon meets two periods: its rights and level are
        those of the first period it asks in, what is proposed is summed, and what is unserved is the
        combined plan's (an earlier period's shortfall may be served by the next one).
        """
        members: dict[int, dict] = {}
        expert_free: Counter = Counter()
        expert_proposed: Counter = Counter()
        unserved: Counter = Counter()
        for item in self.plan.unserved:
            unserved[member_key(self.requests[item.request].member_id)] += item.half_days
        for seg in self.segments:
            served = Counter(a.request for a in seg.plan.assignments)
            proposed: Counter = Counter()
            demand: Counter = Counter()
            for req in seg.problem.requests:
                proposed[req.member] += served[req.id]
                demand[req.member] += req.half_days
            for member in seg.problem.members:
                member_id = db_id(member.id)
                if member_id in members:
                    row = members[member_id]
                    row["proposed"] += proposed[member.id]
                    if seg.period and seg.period.name not in row["period"]:
                        row["period"] = f"{row['period']} / {seg.period.name}" if row["period"] else seg.period.name
                    continue
                own = seg.balances[member_id].total if member_id in seg.balances else member.quota
                members[member_id] = {
                    "member_id": member_id,
                    "period": seg.period.name if seg.period else "",
                    "quota": member.quota,
                    "own_right": own,
                    "envelope_share": max(0, member.quota - own),
                    "used": member.used,
                    "proposed": proposed[member.id],
                    "demand": demand[member.id],
                    "unserved": unserved[member.id],
                }
            for expert in seg.problem.experts:
                expert_free[expert.id] += len(free_half_days(expert, seg.problem))
            expert_proposed.update(a.expert for a in seg.plan.assignments)
        for row in members.values():
            after = row["used"] + row["proposed"]
            row["level_after"] = round(after / row["quota"], 4) if row["quota"] else None
        experts = [
            {
                "expert_id": db_id(key),
                "free": free,
                "proposed": expert_proposed[key],
                "load": round(expert_proposed[key] / free, 4) if free else None,
            }
            for key, free in sorted(expert_free.items(), key=lambda kv: db_id(kv[0]))
        ]
        return {"members": list(members.values()), "experts": experts}

    def engine_metrics(self) -> dict:
        """The engine's figures: as they are for one period, listed per period for two."""
        if len(self.segments) == 1:
            return plain(self.segments[0].plan.metrics)
        return {
            "periods": [
                {
                    "start": s.start.isoformat(),
                    "end": s.end.isoformat(),
                    "period": s.period.name if s.period else "",
                    "metrics": plain(s.plan.metrics),
                }
                for s in self.segments
            ]
        }

    def metrics(self, duration_s: float) -> dict:
        figures = {
            **self.engine_metrics(),
            "booked_half_days": self.booked_half_days,
            "unserved_half_days": self.unserved_half_days,
            "duration_s": round(duration_s, 3),
        }
        if self.left_out:
            figures["left_out"] = self.left_out
        return figures

    def leave_out(self, unavailable: set[Assignment], changed_requests: set[int]) -> None:
        """Drop the half-days an expert became unavailable on, and everything of the requests that
        changed under the run; `left_out` says what was dropped (shown with the run)."""
        keys = {request_key(r) for r in changed_requests}
        unavailable = {a for a in unavailable if a.request not in keys}
        if not unavailable and not keys:
            return
        dropped_for_requests = sum(1 for a in self.plan.assignments if a.request in keys)
        for seg in self.segments:
            seg.plan = replace(
                seg.plan,
                assignments=tuple(a for a in seg.plan.assignments if a not in unavailable and a.request not in keys),
                unserved=tuple(u for u in seg.plan.unserved if u.request not in keys),
            )
        self.plan = _combined_plan(self.segments, self.plan.metrics)
        self.changed_requests |= changed_requests
        self.left_out = {
            "changed_requests": sorted(self.changed_requests),
            "changed_requests_half_days": dropped_for_requests,
            "unavailable_half_days": len(unavailable),
        }


def _combined_plan(segments: list[Segment], metrics: dict) -> Plan:
    """The union of the segments' plans. A request's unserved part is the one its LAST segment reports:
    an earlier period's shortfall may still be served by the next one."""
    assignments: list[Assignment] = []
    unserved = {}
    for seg in segments:
        assignments.extend(seg.plan.assignments)
        for req in seg.problem.requests:
            unserved.pop(req.id, None)
        for item in seg.plan.unserved:
            unserved[item.request] = item
    return Plan(tuple(assignments), tuple(unserved.values()), metrics)
