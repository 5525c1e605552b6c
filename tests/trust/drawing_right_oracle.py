"""The drawing-right figures recomputed by the tests on their own, from the raw rows, the slow obvious way
(one booking and one request at a time), to check `expertpool.quotas` and every page and export built on it.

The rules (DESIGN.md): total = entitled + carried over + adjustments (never below 0); what a member uses is
covered in a fixed order — delivered, planned, approved-not-booked (in decision order), sent requests (in
submission order) — by its own right first, then by its EPCI's envelope (shared by the EPCI's communes in
the same order, communes by id within a booked layer, each commune no further than the cap its EPCI set
for it), and the rest is over quota. A request is judged in the period holding its first day (else its
deadline); one whose dates no period holds is judged against today's period only if it starts by today
(a later one waits for its own period to open).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC

from sqlalchemy import select

from expertpool.models import Booking, EnvelopeDraw, InterventionRequest, Member, Quota


@dataclass
class Expected:
    total: int = 0
    delivered: int = 0
    planned: int = 0
    approved: int = 0
    requested: int = 0
    # per layer: [own, envelope, over]
    layers: dict = field(
        default_factory=lambda: {k: [0, 0, 0] for k in ("delivered", "planned", "approved", "requested")}
    )

    @property
    def available(self) -> int:
        return max(0, self.total - self.delivered - self.planned - self.approved)

    @property
    def free_after_pending(self) -> int:
        return max(0, self.available - self.requested)

    @property
    def from_envelope(self) -> int:
        return self.layers["delivered"][1] + self.layers["planned"][1]

    @property
    def over_quota(self) -> int:
        return self.layers["delivered"][2] + self.layers["planned"][2]

    @property
    def envelope_drawn(self) -> int:
        """Booked and approved half-days taken from the envelope (what the cap limits)."""
        return self.from_envelope + self.layers["approved"][1]


def _stamp(value) -> str:
    if value is None:
        return "9999"
    return (value.astimezone(UTC) if value.tzinfo else value).replace(tzinfo=None).isoformat()


def expected_positions(session, period, today, all_periods) -> tuple[dict[int, Expected], dict[int, tuple]]:
    """({member id: Expected}, {open request id: (own, envelope, over)})."""

    return _positions(session, period, lambda req: period_of(req, today, all_periods))


def period_of(req, today, all_periods):
    """The period a request is judged in (None: its period is not open)."""
    days = (req.earliest, req.deadline, today) if req.earliest <= today else (req.earliest, req.deadline)
    for day in days:
        for p in all_periods:
            if p.start_date <= day <= p.end_date:
                return p
    return None


def _positions(session, period, period_of):
    members = {m.id: m.parent_id for m in session.scalars(select(Member))}
    own_total, envelope_total = defaultdict(int), {}
    for q in session.scalars(select(Quota).where(Quota.period_id == period.id)):
        total = max(0, q.entitled_half_days + q.carried_over_half_days + q.adjusted_half_days)
        if q.kind == "own":
            own_total[q.member_id] = total
        else:
            envelope_total[q.member_id] = total
    result = {m: Expected(total=own_total[m]) for m in members}
    held = defaultdict(int)
    for booking in session.scalars(select(Booking)):
        member_id = session.get(InterventionRequest, booking.request_id).member_id
        if booking.status in ("planned", "delivered"):
            held[booking.request_id] += 1
            if period.start_date <= booking.date <= period.end_date:
                setattr(result[member_id], booking.status, getattr(result[member_id], booking.status) + 1)
    open_requests = []
    for req in session.scalars(select(InterventionRequest)):
        if period_of(req) is None or period_of(req).id != period.id:
            continue
        if req.status == "approved":
            n = max(0, req.granted_half_days - held[req.id])
            result[req.member_id].approved += n
            open_requests.append((2, _stamp(req.decided_at or req.submitted_at), req.id, req, n))
        elif req.status in ("submitted", "needs_info"):
            result[req.member_id].requested += req.half_days
            open_requests.append((3, _stamp(req.submitted_at), req.id, req, req.half_days))
    room = {m: own_total[m] for m in members}
    envelope_room = dict(envelope_total)
    cap_room = {
        d.member_id: d.cap_half_days
        for d in session.scalars(select(EnvelopeDraw).where(EnvelopeDraw.period_id == period.id))
        if d.cap_half_days is not None
    }
    splits = {}

    def cover(member_id, layer, n):
        mine = min(room[member_id], n)
        room[member_id] -= mine
        return mine

    beyond = []
    for member_id in sorted(members):
        for rank, layer in ((0, "delivered"), (1, "planned")):
            n = getattr(result[member_id], layer)
            mine = cover(member_id, layer, n)
            result[member_id].layers[layer][0] += mine
            beyond.append(((rank, "", member_id), member_id, layer, None, n - mine))
    for rank, stamp, request_id, req, n in sorted(open_requests, key=lambda item: item[:3]):
        layer = "approved" if rank == 2 else "requested"
        mine = cover(req.member_id, layer, n)
        result[req.member_id].layers[layer][0] += mine
        splits[request_id] = [mine, 0, 0]
        beyond.append(((rank, stamp, request_id), req.member_id, layer, request_id, n - mine))
    for _key, member_id, layer, request_id, n in sorted(beyond, key=lambda item: item[0]):
        parent = members[member_id]
        take = min(envelope_room.get(parent, 0), cap_room.get(member_id, n), n) if parent in envelope_room else 0
        if parent in envelope_room:
            envelope_room[parent] -= take
        if member_id in cap_room:
            cap_room[member_id] -= take
        result[member_id].layers[layer][1] += take
        result[member_id].layers[layer][2] += n - take
        if request_id is not None:
            splits[request_id][1:] = [take, n - take]
    return result, {k: tuple(v) for k, v in splits.items()}


def expected_billable(session, period, expected: dict[int, Expected]) -> dict[int, int]:
    """Delivered half-days each member's yearly statement bills: beyond its own right for a member whose
    EPCI holds no envelope; a commune's beyond the envelope are billed to its EPCI instead."""
    parents = {m.id: m.parent_id for m in session.scalars(select(Member))}
    holders = {
        q.member_id
        for q in session.scalars(select(Quota).where(Quota.period_id == period.id, Quota.kind == "envelope"))
    }
    billed = {m: (0 if parents[m] in holders else e.layers["delivered"][2]) for m, e in expected.items()}
    for m, e in expected.items():
        if parents[m] in holders:
            billed[parents[m]] += e.layers["delivered"][2]
    return billed
