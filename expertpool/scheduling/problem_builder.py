"""Builds the engine's allocation problems from the database: one per quota period the horizon meets.

Everything is read in a fixed number of queries (a snapshot), whatever the size of the pool; the
problems themselves are plain engine dataclasses with string ids ("e-12", "m-3", "r-45").
"""

import gc
import threading
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from expertpool.allocation import Expert as EngineExpert
from expertpool.allocation import Member as EngineMember
from expertpool.allocation import Plan, Problem, Unserved, billable_half_days
from expertpool.allocation import Request as EngineRequest
from expertpool.allocation import Unavailability as EngineUnavailability
from expertpool.calendars import public_holidays
from expertpool.extensions import db
from expertpool.models import (
    Booking,
    EnvelopeReview,
    Expert,
    InterventionRequest,
    Member,
    PoolSettings,
    QuotaPeriod,
    Unavailability,
)
from expertpool.models.enums import BookingStatus, RequestStatus
from expertpool.models.expert import week_bit
from expertpool.periods import PERIOD_NOT_OPEN, name_of_period_at, open_periods
from expertpool.quotas import Position, balances
from expertpool.quotes import accepted_billable_left
from expertpool.timeutil import today_paris
from expertpool.week_patterns import Span, mask_on

HALVES = ("am", "pm")


def expert_key(expert_id: int) -> str:
    return f"e-{expert_id}"


def member_key(member_id: int) -> str:
    return f"m-{member_id}"


def request_key(request_id: int) -> str:
    return f"r-{request_id}"


def db_id(key: str) -> int:
    """12 from "e-12" (the engine's string ids back to database ids)."""
    return int(key.split("-", 1)[1])


def next_working_day(now: datetime, region: str) -> date:
    """The first weekday after today (Paris) that is not a public holiday: a run never books today."""
    day = today_paris(now) + timedelta(days=1)
    off = public_holidays(region, day, day + timedelta(days=30))
    while day.weekday() >= 5 or day in off:
        day += timedelta(days=1)
    return day


def horizon(
    now: datetime, settings: PoolSettings, start: date | None = None, weeks: int | None = None
) -> tuple[date, date]:
    start = start or next_working_day(now, settings.holidays_region)
    weeks = weeks or settings.horizon_weeks
    return start, start + timedelta(days=7 * weeks - 1)


@dataclass
class Segment:
    """One allocation problem: the part of the horizon inside one quota period."""

    start: date
    end: date
    period: QuotaPeriod | None
    problem: Problem | None = None
    plan: Plan | None = None
    balances: dict[int, Position] = field(default_factory=dict)  # member db id -> balance before the run


def split_by_period(start: date, end: date) -> list[Segment]:
    """The horizon cut at open quota-period boundaries (at 1 January when no period is open).

    A segment without an open period books nothing (see `build_problems`): each booked half-day is
    charged to the period of its date, so none may fall where no period is open yet.
    """
    periods = open_periods(start, end)
    segments = []
    day = start
    while day <= end:
        period = next((p for p in periods if p.contains(day)), None)
        if period is not None:
            seg_end = min(end, period.end_date)
        else:  # no period: cut at the next period's start or at the year's end, whichever comes first
            later = [p.start_date for p in periods if p.start_date > day]
            seg_end = min([end, date(day.year, 12, 31), *(d - timedelta(days=1) for d in later)])
        segments.append(Segment(day, seg_end, period))
        day = seg_end + timedelta(days=1)
    return segments


class Snapshot:
    """What the allocation needs from the database, read once for the whole horizon."""

    # {expert id: its weekly patterns over the horizon} when each day takes the pattern in force that
    # day (a replay of the past, `week_patterns`); None: every day takes today's pattern.
    pattern_spans: dict[int, list[Span]] | None = None

    def __init__(self, start: date, end: date, region: str, request_ids: list[int] | None = None):
        """`request_ids` limits the requests to plan (an instant booking plans one); every booking is
        still read, so nothing already held is given again."""
        self.start, self.end, self.region = start, end, region
        self._balances: dict[tuple, dict[int, Position]] = {}
        # Problems built on this snapshot, by what earlier segments gave (see `build_problems`): a
        # scenario's baseline and the scenario build the first one, at least, the same way.
        self.problems: dict[tuple, tuple[Problem, dict[int, Position]]] = {}
        self.experts: list[Expert] = list(
            db.session.scalars(
                select(Expert)
                .where(self._experts_planned())
                .options(selectinload(Expert.roles), selectinload(Expert.skills), selectinload(Expert.user))
                .order_by(Expert.id)
            )
        )
        self.unavailabilities: dict[int, list[Unavailability]] = defaultdict(list)
        for away in db.session.scalars(
            select(Unavailability).where(Unavailability.start_date <= end, Unavailability.end_date >= start)
        ):
            self.unavailabilities[away.expert_id].append(away)
        self._read_demand(start, end, request_ids)

    def _read_demand(self, start: date, end: date, request_ids: list[int] | None) -> None:
        """The requests to plan and what the bookings already hold (a replay reads its own)."""
        # Every half-day held by a planned or delivered booking: never given again, never moved.
        self.held: dict[int, set[tuple[date, str]]] = defaultdict(set)
        for expert_id, day, half in db.session.execute(
            select(Booking.expert_id, Booking.date, Booking.half).where(
                Booking.status.in_(BookingStatus.HOLDING), Booking.date >= start, Booking.date <= end
            )
        ):
            self.held[expert_id].add((day, half))
        self.requests: list[InterventionRequest] = list(
            db.session.scalars(
                select(InterventionRequest)
                .where(
                    InterventionRequest.status.in_(RequestStatus.SCHEDULABLE),
                    *([InterventionRequest.id.in_(request_ids)] if request_ids is not None else []),
                )
                .options(
                    selectinload(InterventionRequest.role),
                    selectinload(InterventionRequest.skills),
                    selectinload(InterventionRequest.preferred_half_days),
                )
                .order_by(InterventionRequest.id)
            )
        )
        request_ids = [r.id for r in self.requests]
        self.envelope_refused = {r.id for r in self.requests if r.envelope_review == EnvelopeReview.REFUSED}
        self.member_of = {r.id: r.member_id for r in self.requests}
        self.held_per_request: Counter = Counter()
        if request_ids:
            self.held_per_request.update(
                dict(
                    db.session.execute(
                        select(Booking.request_id, func.count(Booking.id))
                        .where(Booking.request_id.in_(request_ids), Booking.status.in_(BookingStatus.HOLDING))
                        .group_by(Booking.request_id)
                    ).all()
                )
            )
        self.member_ids = sorted({r.member_id for r in self.requests})
        # The EPCI of each asking commune: whose envelope it may draw on once its own quota is used.
        self.parent_of: dict[int, int] = (
            dict(
                db.session.execute(
                    select(Member.id, Member.parent_id).where(
                        Member.id.in_(self.member_ids), Member.parent_id.is_not(None)
                    )
                ).all()
            )
            if self.member_ids
            else {}
        )
        # Continuity: the experts who served each member before, the most recent first.
        self.previous_experts: dict[int, list[int]] = defaultdict(list)
        if self.member_ids:
            for member_id, expert_id, _last in db.session.execute(
                select(InterventionRequest.member_id, Booking.expert_id, func.max(Booking.date))
                .join(Booking, Booking.request_id == InterventionRequest.id)
                .where(InterventionRequest.member_id.in_(self.member_ids), Booking.status.in_(BookingStatus.HOLDING))
                .group_by(InterventionRequest.member_id, Booking.expert_id)
                .order_by(func.max(Booking.date).desc(), Booking.expert_id)
            ):
                self.previous_experts[member_id].append(expert_id)

    def balances(self, member_ids: list[int], period: QuotaPeriod) -> dict[int, Position]:
        """The members' positions before the run (`quotas.balances`), read once per snapshot: problems
        built twice on one snapshot (a scenario and its baseline) read the same rows."""
        key = (period.id, tuple(member_ids))
        if key not in self._balances:
            self._balances[key] = balances(member_ids, period)
        return self._balances[key]

    def _experts_planned(self):
        """Which experts the problems hold: those in the pool today."""
        return Expert.active.is_(True)

    def remaining(self, req: InterventionRequest) -> int:
        """Half-days still to book: what was granted minus what bookings already hold."""
        return max(0, req.granted_half_days - self.held_per_request[req.id])


def _segments_of(req: InterventionRequest, segments: list[Segment]) -> list[int]:
    """Indices of the segments whose dates meet the request's window. A window outside the whole
    horizon still goes to one problem, so that the engine explains why it is not served."""
    meeting = [k for k, s in enumerate(segments) if req.earliest <= s.end and req.deadline >= s.start]
    if meeting:
        return meeting
    return [0] if req.deadline < segments[0].start else [len(segments) - 1]


def _week_of_mask(mask: int) -> dict[int, frozenset[str]]:
    week = {}
    for weekday in range(7):
        halves = frozenset(h for h in HALVES if mask & week_bit(weekday, h))
        if halves:
            week[weekday] = halves
    return week


def _week_over(spans: list[Span], start: date, end: date) -> tuple[dict, list[EngineUnavailability]]:
    """The engine's one weekly pattern for an expert whose pattern changed within [start, end] (or who
    joined or left then): every half-day any pattern of those days gives, and each half-day the pattern
    in force that day does not give (or a day the expert was not in the pool) as an unavailability."""
    meeting = [(f, u, m) for f, u, m in spans if f <= end and (u is None or u >= start)]
    if len(meeting) == 1 and meeting[0][0] <= start and (meeting[0][1] is None or meeting[0][1] >= end):
        return _week_of_mask(meeting[0][2]), []  # one pattern all along: the usual case
    union = 0
    for _from, _until, mask in meeting:
        union |= mask
    week = _week_of_mask(union)
    away: list[EngineUnavailability] = []
    off_since: date | None = None  # the first day of the current run of days given nothing
    day = start
    while day <= end:
        given = mask_on(spans, day)
        halves = week.get(day.weekday(), frozenset())
        missing = [h for h in HALVES if h in halves and not given & week_bit(day.weekday(), h)]
        if len(missing) == len(halves):  # nothing that day (or a day no pattern works): one run
            off_since = off_since or day
        else:
            if off_since is not None:
                away.append(EngineUnavailability(off_since, day - timedelta(days=1)))
                off_since = None
            away.extend(EngineUnavailability(day, day, h) for h in missing)
        day += timedelta(days=1)
    if off_since is not None:
        away.append(EngineUnavailability(off_since, end))
    # A run made only of days no pattern works would say nothing: keep the runs that hide a worked day.
    return week, [a for a in away if a.half or _works_between(week, a.start, a.end)]


def _works_between(week: dict, start: date, end: date) -> bool:
    day = start
    while day <= end:
        if day.weekday() in week:
            return True
        day += timedelta(days=1)
    return False


def _engine_expert(expert: Expert, seg: Segment, snapshot: Snapshot) -> EngineExpert:
    spans = snapshot.pattern_spans.get(expert.id) if snapshot.pattern_spans is not None else None
    if spans is None:
        week, away = _week_of_mask(expert.week_mask), []
    else:
        week, away = _week_over(spans, seg.start, seg.end)
    unavailable = tuple(
        EngineUnavailability(max(a.start_date, seg.start), min(a.end_date, seg.end), a.half)
        for a in snapshot.unavailabilities.get(expert.id, ())
        if a.start_date <= seg.end and a.end_date >= seg.start
    ) + tuple(away)
    booked = frozenset((d, h) for d, h in snapshot.held.get(expert.id, ()) if seg.start <= d <= seg.end)
    return EngineExpert(
        id=expert_key(expert.id),
        roles=frozenset(r.code for r in expert.roles),
        skills=frozenset(s.name for s in expert.skills),
        week=week,
        unavailable=unavailable,
        booked=booked,
    )


def envelope_shares(needs: dict[int, int], remaining: int, limits: dict[int, int] | None = None) -> dict[int, int]:
    """Split what is left of one envelope among the communes that need it: in proportion to each
    one's need, in whole half-days (largest remainders), summing to at most `remaining`, none above its
    limit (what its cap leaves it): what a capped commune cannot take goes to the others, the same way."""
    limits = limits or {}
    shares: dict[int, int] = {}
    asking = {m: need for m, need in needs.items() if need > 0 and limits.get(m, remaining) > 0}
    while remaining > 0 and asking:
        part = _proportional_shares(asking, remaining)
        capped = {m for m, share in part.items() if m in limits and share >= limits[m]}
        if not capped:
            shares.update(part)
            break
        for m in capped:
            shares[m] = limits[m]
            remaining -= limits[m]
            del asking[m]
    return shares


def _proportional_shares(needs: dict[int, int], remaining: int) -> dict[int, int]:
    # When every need fits, the rest is still handed out in the same proportion: a larger drawing
    # right only lowers the commune's level, as its true right (own + whole envelope) would.
    asking = {member_id: need for member_id, need in needs.items() if need > 0}
    total_need = sum(asking.values())
    if remaining <= 0 or total_need == 0:
        return {}
    exact = {member_id: remaining * need / total_need for member_id, need in asking.items()}
    shares = {member_id: int(value) for member_id, value in exact.items()}
    leftover = remaining - sum(shares.values())
    for member_id in sorted(exact, key=lambda m: (shares[m] - exact[m], m))[:leftover]:
        shares[member_id] += 1
    return shares


def drawing_rights(
    member_ids: list[int],
    balances_: dict[int, Position],
    demand: Counter,
    parent_of: dict[int, int],
    envelope_demand: Counter | None = None,
) -> dict[int, int]:
    """{member db id: the quota given to the engine}: its own total plus its share of its EPCI's envelope.

    A commune draws on its own quota first, then on the envelope it shares with its sibling communes.
    The engine's Member has one independent quota, so the shared envelope cannot be modelled exactly
    (it would couple the siblings' levels); we model it conservatively instead: the envelope's
    remaining half-days are cut into fixed shares before solving, in proportion to each commune's
    demand beyond its own remaining quota in this problem. Each commune is then served within quota up
    to its own quota plus its share, and the siblings together never draw more than the envelope
    holds; what the split leaves unused is at worst served later as over quota, never lost.
    What a commune's booked half-days already took from the envelope (quotas.Position.from_envelope)
    is part of its right. A commune's share never exceeds what the cap its EPCI set leaves it
    (Position.envelope_after_booked), and the half-days of requests whose envelope draw the EPCI
    refused (outside `envelope_demand`) ask nothing of the envelope.
    """
    envelope_demand = demand if envelope_demand is None else envelope_demand
    quotas = {member_id: balances_[member_id].total for member_id in member_ids}
    needs_by_epci: dict[int, dict[int, int]] = defaultdict(dict)
    limits: dict[int, int] = {}
    envelope_left: dict[int, int] = {}
    for member_id in member_ids:
        balance, epci_id = balances_[member_id], parent_of.get(member_id)
        if epci_id is None or balance.envelope_after_booked <= 0:
            continue
        # The siblings all read the same envelope, so any one of them tells what it still holds.
        envelope_left[epci_id] = balance.envelope_pool_after_booked
        limits[member_id] = balance.envelope_after_booked
        beyond_own = max(0, demand[member_id] - balance.left_after_booked)
        needs_by_epci[epci_id][member_id] = min(beyond_own, envelope_demand[member_id])
    for epci_id, needs in needs_by_epci.items():
        for member_id, share in envelope_shares(needs, envelope_left[epci_id], limits).items():
            quotas[member_id] += balances_[member_id].from_envelope + share
    return quotas


def build_problems(snapshot: Snapshot, segments: list[Segment], *, solve_one) -> None:
    """Fill each segment's problem and plan, in date order: a later period sees what the earlier one
    gave (those half-days are no longer requested, and their experts count for continuity)."""
    with heap_frozen():
        _build_problems(snapshot, segments, solve_one)


_freezes = threading.local()


@contextmanager
def heap_frozen():
    """While a run lasts, the objects alive when it starts (the snapshot's thousands of rows, which
    live as long as the run) are out of the cyclic garbage collector's sight: it stops walking them at
    each of its passes while problems and plans are made (a third of a year's replan went there).
    Nested uses freeze what was made since; the outermost gives everything back at its end. The
    freeze is the process's: another thread's run ending meanwhile only gives the objects back sooner
    (a matter of speed, never of correctness)."""
    depth = getattr(_freezes, "depth", 0)
    _freezes.depth = depth + 1
    gc.freeze()
    try:
        yield
    finally:
        _freezes.depth = depth
        if depth == 0:
            gc.unfreeze()


def _build_problems(snapshot: Snapshot, segments: list[Segment], solve_one) -> None:
    active = {e.id for e in snapshot.experts}
    placement = {r.id: _segments_of(r, segments) for r in snapshot.requests}
    given: Counter = Counter()  # request db id -> half-days given by earlier segments
    billable_given: Counter = Counter()  # request db id -> of which beyond the drawing right
    served_by: dict[int, list[int]] = defaultdict(list)  # member db id -> experts given by earlier segments
    for k, seg in enumerate(segments):
        # What the segment's problem depends on besides the snapshot: what earlier segments gave.
        state = (seg.start, seg.end, _frozen(given), _frozen(billable_given), _frozen(served_by))
        if state in snapshot.problems:  # built already on this snapshot (a scenario's baseline)
            seg.problem, seg.balances = snapshot.problems[state]
        elif not _build_segment(snapshot, seg, k, placement, given, billable_given, served_by, active):
            continue
        else:
            snapshot.problems[state] = (seg.problem, seg.balances)
        seg.plan = solve_one(seg.problem)
        for key, n in billable_half_days(seg.problem, seg.plan).items():
            billable_given[db_id(key)] += n
        for a in seg.plan.assignments:
            given[db_id(a.request)] += 1
            served_by[snapshot.member_of[db_id(a.request)]].append(db_id(a.expert))


def _frozen(counts: dict) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in counts.items() if v))


def _build_segment(snapshot, seg: Segment, k: int, placement, given, billable_given, served_by, active) -> bool:
    """Fill the segment's problem; False when no open period covers it (nothing to solve: every
    request says why, see `_leave_unbooked`)."""
    requests = []
    for req in snapshot.requests:
        if k not in placement[req.id]:
            continue
        half_days = snapshot.remaining(req) - given[req.id]
        if half_days <= 0:
            continue
        # Clip the window's start to the horizon (the engine's reasons then name real dates), but
        # never past the deadline: a deadline already passed is for the engine to explain.
        earliest = max(req.earliest, seg.start) if req.deadline >= seg.start else req.earliest
        preferred = req.preferred_expert_id if req.preferred_expert_id in active else None
        requests.append(
            EngineRequest(
                id=request_key(req.id),
                member=member_key(req.member_id),
                role=req.role.code,
                skills=frozenset(s.name for s in req.skills),
                half_days=half_days,
                earliest=earliest,
                deadline=req.deadline,
                urgency=req.urgency,
                preferred_expert=expert_key(preferred) if preferred else None,
                submitted_at=req.submitted_at,
                # Beyond the drawing right, only what the member accepted in a quote (rule 8).
                accepted_billable=_quote_left(req, billable_given[req.id]),
                preferred_half_days=frozenset(
                    p.slot for p in req.preferred_half_days if seg.start <= p.date <= seg.end
                ),
            )
        )
    if seg.period is None:
        _leave_unbooked(seg, requests)
        return False
    member_ids = sorted({db_id(r.member) for r in requests})
    seg.balances = snapshot.balances(member_ids, seg.period) if member_ids else {}
    demand: Counter = Counter()
    envelope_demand: Counter = Counter()
    for r in requests:
        demand[db_id(r.member)] += r.half_days
        if db_id(r.id) not in snapshot.envelope_refused:
            envelope_demand[db_id(r.member)] += r.half_days
    quotas = drawing_rights(member_ids, seg.balances, demand, snapshot.parent_of, envelope_demand)
    members = []
    for member_id in member_ids:
        balance = seg.balances[member_id]
        # The most recent first: this run's earlier period, then the bookings in the database.
        previous = [*reversed(served_by[member_id]), *snapshot.previous_experts.get(member_id, ())]
        members.append(
            EngineMember(
                id=member_key(member_id),
                quota=quotas[member_id],
                used=balance.used,
                previous_experts=tuple(dict.fromkeys(expert_key(e) for e in previous if e in active)),
            )
        )
    seg.problem = Problem(
        horizon_start=seg.start,
        horizon_end=seg.end,
        holidays=frozenset(public_holidays(snapshot.region, seg.start, seg.end)),
        experts=tuple(_engine_expert(e, seg, snapshot) for e in snapshot.experts),
        members=tuple(members),
        requests=tuple(requests),
    )
    return True


def _quote_left(req: InterventionRequest, given_beyond: int) -> int | None:
    """The accepted quote's half-days left for this problem, after what earlier periods gave beyond it."""
    left = accepted_billable_left(req)
    return None if left is None else max(0, left - given_beyond)


def _leave_unbooked(seg: Segment, requests: list[EngineRequest]) -> None:
    """A part of the horizon no open period covers: nothing is booked there, and every request that
    still needs half-days in it says why (a reason code, worded for its reader like the engine's)."""
    params = {"period": name_of_period_at(seg.start), "from": seg.start.isoformat()}
    seg.problem = Problem(
        horizon_start=seg.start,
        horizon_end=seg.end,
        holidays=frozenset(),
        experts=(),
        members=(),
        requests=tuple(requests),
    )
    unserved = tuple(Unserved(r.id, r.half_days, PERIOD_NOT_OPEN, params) for r in requests)
    seg.plan = Plan((), unserved, {"period_not_open": True, "unserved_half_days": sum(r.half_days for r in requests)})
