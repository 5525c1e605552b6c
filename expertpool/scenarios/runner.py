"""Solving a scenario: the base problem read from the database the way the scheduler reads it, the
changes applied in memory, the same engine, and the drawing rights each plan draws on.

Nothing is written: the problem builder and the position module only read, the engine is pure, and
the ledgers are plain data changed in memory. The base is either the scheduler's own backlog (its
horizon, its held bookings) or the last 12 months replayed: the requests of that time with their
original windows, on the experts' patterns and leave of that time, every half-day replanned (no
booking held).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from expertpool.allocation import Member as EngineMember
from expertpool.allocation import Problem, problem_to_dict, solve
from expertpool.extensions import db
from expertpool.models import EnvelopeReview, Expert, InterventionRequest, Member, PoolSettings, RequestStatus
from expertpool.quota_policies import entitlement, previous_period
from expertpool.quotas import (
    APPROVED,
    Ledger,
    OpenRequest,
    Position,
    Positions,
    all_periods,
    balances,
    compute,
    ledger,
    unit_price_cents,
)
from expertpool.scenarios.changes import Changes, apply_to_problem
from expertpool.scenarios.plan_cache import Documents, plan_document, solve_once
from expertpool.scheduling.problem_builder import (
    Segment,
    Snapshot,
    build_problems,
    db_id,
    drawing_rights,
    horizon,
    split_by_period,
)
from expertpool.scheduling.solving import METHOD, solve_horizon
from expertpool.timeutil import today_paris
from expertpool.week_patterns import spans_between

BACKLOG, REPLAY = "backlog", "replay"
# A replayed request is one the pool agreed to serve: approved then, whatever became of it since.
REPLAYED_STATUSES = (
    RequestStatus.APPROVED,
    RequestStatus.SCHEDULED,
    RequestStatus.IN_PROGRESS,
    RequestStatus.COMPLETED,
    RequestStatus.RATED,
)


class ReplaySnapshot(Snapshot):
    """The last 12 months as the scheduler would have seen them with nothing booked yet: the experts
    who were in the pool then (those gone since included, for the days they were there), each day on
    the weekly pattern in force that day, with their leave of that time."""

    def _experts_planned(self):
        return Expert.id.in_(sorted(self.pattern_spans))

    def __init__(self, start: date, end: date, region: str):
        self.pattern_spans = spans_between(start, end)
        super().__init__(start, end, region)

    def balances(self, member_ids: list[int], period) -> dict[int, Position]:
        """Nothing read: a replay's members get their rights from the replayed ledger (`engine_members`
        replaces the builder's), so the positions of today's ledger would be read for nothing."""
        return {member_id: Position() for member_id in member_ids}

    def _read_demand(self, start: date, end: date, request_ids: list[int] | None) -> None:
        self.held = defaultdict(set)
        self.held_per_request = Counter()
        self.requests = list(
            db.session.scalars(
                select(InterventionRequest)
                .where(
                    InterventionRequest.status.in_(REPLAYED_STATUSES),
                    InterventionRequest.earliest <= end,
                    InterventionRequest.deadline >= start,
                )
                .options(
                    selectinload(InterventionRequest.role),
                    selectinload(InterventionRequest.skills),
                    selectinload(InterventionRequest.preferred_half_days),
                )
                .order_by(InterventionRequest.id)
            )
        )
        self.envelope_refused = {r.id for r in self.requests if r.envelope_review == EnvelopeReview.REFUSED}
        self.member_of = {r.id: r.member_id for r in self.requests}
        self.member_ids = sorted(set(self.member_of.values()))
        self.parent_of = dict(
            db.session.execute(select(Member.id, Member.parent_id).where(Member.parent_id.is_not(None))).all()
        )
        self.previous_experts = defaultdict(list)  # everything is replanned: no earlier expert to keep


def replay_window(now: datetime) -> tuple[date, date]:
    """The 12 months before today (Paris)."""
    end = today_paris(now) - timedelta(days=1)
    return end - timedelta(days=364), end


def replay_segments(start: date, end: date) -> list[Segment]:
    """One segment per period (open or closed) the 12 months meet; a replay charges each half-day to the
    period of its date as it was. Days no period covers are left to the nearest segment's problem."""
    segments = [
        Segment(max(start, p.start_date), min(end, p.end_date), p)
        for p in all_periods()
        if p.start_date <= end and p.end_date >= start
    ]
    return segments or [Segment(start, end, None)]


@dataclass
class Solved:
    """One segment solved: its (changed) problem, its plan, and the ledger the plan draws on."""

    segment: Segment
    book: Ledger

    @property
    def problem(self) -> Problem:
        return self.segment.problem

    @property
    def plan(self):
        return self.segment.plan


@dataclass
class Output:
    base: str
    start: date
    end: date
    snapshot: Snapshot
    solved: list[Solved]
    unit_price_cents: int
    documents: dict = field(default_factory=dict)  # id(problem) -> (problem, plan_cache.Documents)

    def exchange(self, solved: Solved) -> Documents:
        """The solved problem and its plan in the exchange format (made when it was solved, if it was)."""
        kept = self.documents.get(id(solved.problem))
        if kept is not None and kept[0] is solved.problem:
            return kept[1]
        return Documents(problem_to_dict(solved.problem), plan_document(solved.plan))


class _Rights:
    """The drawing rights a scenario's policy gives, read once per period (members and previous balances)."""

    def __init__(self, changes: Changes):
        self.changes = changes
        self._members: dict[int, Member] = {}
        self._carried: dict[int, dict[int, int]] = {}

    def _member_rows(self, ids) -> dict[int, Member]:
        missing = [i for i in ids if i not in self._members]
        if missing:
            for member in db.session.scalars(select(Member).where(Member.id.in_(missing))):
                self._members[member.id] = member
        return self._members

    def _carried_over(self, seg: Segment, ids: list[int], cap: int) -> dict[int, int]:
        """What each member left unused in the period before, at most the scenario's cap."""
        if seg.period.id not in self._carried:
            before = previous_period(seg.period.start_date)
            left = {m: b.remaining for m, b in balances(ids, before).items()} if before and cap else {}
            self._carried[seg.period.id] = {m: min(cap, n) for m, n in left.items()}
        return self._carried[seg.period.id]

    def apply(self, book: Ledger, seg: Segment) -> Ledger:
        """The ledger under the scenario's rights and price (the same object when nothing changes, so
        that the baseline and the scenario share its positions)."""
        if not self.changes.touch_rights and not self.changes.unit_price_cents:
            return book
        own = dict(book.own)
        policy = self.changes.policy
        if policy is not None and seg.period is not None:
            ids = sorted(set(book.parent_of) | set(own))
            members = self._member_rows(ids)
            carried = self._carried_over(seg, ids, policy["carry_over_cap_half_days"])
            for member_id in ids:
                if member_id in members:
                    adjusted = own.get(member_id, (0, 0, 0))[2]
                    own[member_id] = (entitlement(policy, members[member_id]), carried.get(member_id, 0), adjusted)
        if self.changes.member_right is not None:
            member_id, half_days = self.changes.member_right
            if member_id in book.parent_of or member_id in own:
                _entitled, carried_n, adjusted = own.get(member_id, (0, 0, 0))
                own[member_id] = (half_days, carried_n, adjusted)
        price = self.changes.unit_price_cents or book.unit_price_cents
        return replace(book, own=own, unit_price_cents=price)


def _replayed_ledger(book: Ledger, problem: Problem) -> Ledger:
    """A replay's ledger: nothing booked, every replayed request approved and waiting for its half-days."""
    requests = [
        OpenRequest(db_id(r.id), db_id(r.member), APPROVED, r.half_days, (str(r.submitted_at or ""), db_id(r.id)))
        for r in problem.requests
    ]
    return replace(book, booked={}, requests=requests)


class PositionsOf(dict):
    """{id(ledger): (ledger, its positions)}: positions computed once per ledger object, whoever asks
    (the drawing rights given to the engine, the figures before the plan) for as long as the ledger
    lives; the ledger is held with them, so an id is never taken for another ledger's."""

    def of(self, book: Ledger) -> Positions:
        kept = self.get(id(book))
        if kept is None or kept[0] is not book:
            kept = self[id(book)] = (book, compute(book))
        return kept[1]


def engine_members(
    problem: Problem, book: Ledger, parent_of: dict[int, int], positions_of: PositionsOf | None = None
) -> tuple[EngineMember, ...]:
    """The problem's members with the quota and use the scheduler would give them under `book`
    (the builder's own rule: problem_builder.drawing_rights over the positions)."""
    positions = (positions_of if positions_of is not None else PositionsOf()).of(book).members
    ids = [db_id(m.id) for m in problem.members]
    demand: Counter = Counter()
    for r in problem.requests:
        demand[db_id(r.member)] += r.half_days
    rights = drawing_rights(ids, positions, demand, parent_of)
    return tuple(
        replace(m, quota=rights[member_id], used=positions[member_id].used)
        for m, member_id in zip(problem.members, ids, strict=True)
    )


@dataclass
class Base:
    """What a scenario and its baseline read once: the window, the snapshot, the ledgers per period."""

    kind: str
    start: date
    end: date
    snapshot: Snapshot
    ledgers: dict = field(default_factory=dict)  # (segment start, member ids) -> Ledger, never modified
    replayed: dict = field(default_factory=dict)  # (ledger key, requests) -> the replay's Ledger
    positions: PositionsOf = field(default_factory=PositionsOf)


def read_base(kind: str, changes: Changes, *, now: datetime) -> Base:
    settings = PoolSettings.load(db.session)
    if kind == REPLAY:
        start, end = replay_window(now)
        return Base(kind, start, end, ReplaySnapshot(start, end, settings.holidays_region))
    start, end = horizon(now, settings, None, changes.horizon_weeks)
    return Base(kind, start, end, Snapshot(start, end, settings.holidays_region))


def solve_base(
    kind: str, changes: Changes, *, now: datetime, base: Base | None = None, keep_plans: bool = True
) -> Output:
    """Apply the changes in memory to the base and solve each period's problem with the scheduler's
    builder and engine (`base`: already read, e.g. for the baseline; read here otherwise). Plans are
    read from and kept in the plan cache unless `keep_plans` is False (the engine alone, as the
    scheduler runs it: the benchmark's reference)."""
    base = base or read_base(kind, changes, now=now)
    snapshot = base.snapshot
    segments = replay_segments(base.start, base.end) if kind == REPLAY else split_by_period(base.start, base.end)
    rights = _Rights(changes)
    by_start = {seg.start: seg for seg in segments}
    books: dict[date, Ledger] = {}
    changed: dict[date, Problem] = {}
    documents: dict = {}

    def solve_one(problem: Problem):
        seg = by_start[problem.horizon_start]
        ids = tuple(sorted(db_id(m.id) for m in problem.members))
        key = (seg.start, ids)
        if key not in base.ledgers:
            base.ledgers[key] = ledger(ids, seg.period, now=now)
        book = base.ledgers[key]
        if kind == REPLAY:  # the same ledger object for the same requests: its positions are shared
            asked = (key, tuple((r.id, r.half_days) for r in problem.requests))
            if asked not in base.replayed:
                base.replayed[asked] = _replayed_ledger(book, problem)
            book = base.replayed[asked]
        book = rights.apply(book, seg)
        members = None
        if kind == REPLAY or changes.touch_rights:
            members = engine_members(problem, book, snapshot.parent_of, base.positions)
        problem = apply_to_problem(problem, changes, members=members)
        books[seg.start], changed[seg.start] = book, problem
        return solve_once(problem, documents) if keep_plans else solve(problem, method=METHOD)

    build_problems(snapshot, segments, solve_one=solve_one)
    solved = []
    price = changes.unit_price_cents or unit_price_cents()
    for seg in segments:
        if seg.start in changed:
            seg.problem = changed[seg.start]
        solved.append(Solved(seg, books.get(seg.start) or Ledger(seg.period, price)))
    return Output(kind, base.start, base.end, snapshot, solved, price, documents)


def baseline(kind: str, changes: Changes, *, now: datetime, base: Base | None = None) -> Output:
    """What a scenario is compared with: the same base solved without any change (same horizon). For
    the backlog it is the scheduler's preview: the same builder and engine on the same snapshot (the
    tests check it against `scheduler_preview`)."""
    unchanged = Changes(horizon_weeks=changes.horizon_weeks if kind == BACKLOG else None)
    return solve_base(kind, unchanged, now=now, base=base)


def scheduler_preview(changes: Changes, *, now: datetime) -> Output:
    """The scheduler's own preview (`scheduling.solving.solve_horizon`) as an Output, with its ledgers."""
    outcome = solve_horizon(now=now, weeks=changes.horizon_weeks)
    solved = [
        Solved(seg, ledger(sorted(db_id(m.id) for m in seg.problem.members), seg.period, now=now))
        for seg in outcome.segments
    ]
    return Output(BACKLOG, outcome.start, outcome.end, outcome.snapshot, solved, unit_price_cents())
