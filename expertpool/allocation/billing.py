"""Which half-days of a plan lie beyond the members' drawing rights, request by request (rule 8's witness).

A member's right left before the plan (quota − used) covers its requests in this order: critical ones
first (they are served first), then, for each request with `accepted_billable`, what it received beyond
that quote (rule 8 guarantees the right holds it), then the rest in submission order. What a request
received and the right did not cover is billable. The web application adds it up per request, so that
the next run knows how much of the accepted quote is left.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime

from .model import Plan, Problem, Request

_NEVER = datetime.max.replace(tzinfo=UTC)


def _sent(request: Request) -> tuple:
    return (request.submitted_at or _NEVER, request.id)


def billable_half_days(problem: Problem, plan: Plan) -> dict[str, int]:
    """{request id: half-days it received beyond its member's drawing right} (requests with none left out)."""
    served = Counter(a.request for a in plan.assignments)
    by_member: dict[str, list[Request]] = defaultdict(list)
    for request in problem.requests:
        if served[request.id]:
            by_member[request.member].append(request)
    billable: dict[str, int] = {}
    for member in problem.members:
        requests = sorted(by_member.get(member.id, ()), key=lambda r: (r.urgency != "critical", _sent(r)))
        room = max(0, member.quota - member.used)
        covered: Counter = Counter()
        for request in requests:  # critical first: they take the right first
            if request.urgency == "critical":
                covered[request.id] = min(room, served[request.id])
                room -= covered[request.id]
        for request in requests:  # what a quote does not cover must be within the right
            if request.urgency != "critical" and request.accepted_billable is not None:
                need = max(0, served[request.id] - request.accepted_billable)
                covered[request.id] = min(room, need)
                room -= covered[request.id]
        for request in requests:  # the rest of the right, in submission order
            if request.urgency != "critical":
                more = min(room, served[request.id] - covered[request.id])
                covered[request.id] += more
                room -= more
        for request in requests:
            if served[request.id] > covered[request.id]:
                billable[request.id] = served[request.id] - covered[request.id]
    return billable
