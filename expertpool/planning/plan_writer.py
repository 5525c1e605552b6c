"""Writes a solved plan: the allocation-run row, and for a commit the bookings, request states, audit
rows and notifications, all in the caller's transaction (flushed, never committed here)."""

from collections import Counter, defaultdict
from datetime import date, datetime

from babel.dates import format_date
from flask import current_app, has_request_context, url_for
from sqlalchemy import select
from werkzeug.routing import BuildError

from expertpool import audit
from expertpool.allocation import Assignment, Plan, Unserved, free_half_days, plan_to_dict
from expertpool.extensions import db
from expertpool.i18n import translate_for
from expertpool.models import AllocationRun, Booking, InterventionRequest, RequestStatus, User, UserRole
from expertpool.models.enums import HOLDING_BOOKING_STATUSES, BookingStatus, RunMode
from expertpool.notifications import notify
from expertpool.planning.problem_builder import Segment, Snapshot, db_id, member_key, request_key

FLUSH_EVERY = 200  # bookings per flush: bounded memory, and a failure surfaces near its cause
MAX_SLOTS_IN_MESSAGE = 12


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
        return {
            **self.engine_metrics(),
            "booked_half_days": self.booked_half_days,
            "unserved_half_days": self.unserved_half_days,
            "duration_s": round(duration_s, 3),
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


def conflicting_slots(outcome: Outcome) -> set[tuple[int, date, str]]:
    """The plan's half-days that a planned or delivered booking holds NOW (read inside the transaction)."""
    wanted = {(db_id(a.expert), a.date, a.half) for a in outcome.plan.assignments}
    if not wanted:
        return set()
    held = db.session.execute(
        select(Booking.expert_id, Booking.date, Booking.half).where(
            Booking.status.in_(HOLDING_BOOKING_STATUSES),
            Booking.expert_id.in_({e for e, _d, _h in wanted}),
            Booking.date >= min(d for _e, d, _h in wanted),
            Booking.date <= max(d for _e, d, _h in wanted),
        )
    )
    return wanted & {tuple(row) for row in held}


def write_run(
    outcome: Outcome, *, mode: str, actor, now: datetime, finished_at: datetime, duration_s: float
) -> AllocationRun:
    run = AllocationRun(
        mode=mode,
        status="done",
        triggered_by_id=getattr(actor, "id", None),
        horizon_start=outcome.start,
        horizon_end=outcome.end,
        started_at=now,
        finished_at=finished_at,
        booked_half_days=outcome.booked_half_days,
        unserved_half_days=outcome.unserved_half_days,
        metrics=outcome.metrics(duration_s),
        # The per-member and per-expert figures ride with the plan (both only read on the run's page),
        # so that lists of runs stay light: they load neither.
        plan={**plan_to_dict(outcome.plan), "summary": outcome.summary()},
    )
    db.session.add(run)
    db.session.flush()
    return run


def _add_booking(run: AllocationRun, assignment: Assignment, now: datetime) -> Booking:
    booking = Booking(
        request_id=db_id(assignment.request),
        expert_id=db_id(assignment.expert),
        date=assignment.date,
        half=assignment.half,
        status=BookingStatus.PLANNED,
        allocation_run_id=run.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(booking)
    return booking


def write_commit(outcome: Outcome, run: AllocationRun, *, actor, now: datetime) -> None:
    """Bookings, request states, one audit row per scheduled request and one for the run, notifications."""
    new_bookings: dict[int, list[Booking]] = defaultdict(list)  # request db id -> its new bookings
    ordered = sorted(outcome.plan.assignments, key=lambda a: (a.date, a.half, a.expert))
    for k, assignment in enumerate(ordered, start=1):
        booking = _add_booking(run, assignment, now)
        new_bookings[booking.request_id].append(booking)
        if k % FLUSH_EVERY == 0:
            db.session.flush()
    db.session.flush()

    unserved = {db_id(u.request): u for u in outcome.plan.unserved}
    snapshot = outcome.snapshot
    for req in snapshot.requests:
        added = len(new_bookings.get(req.id, ()))
        held_before = snapshot.held_per_request[req.id]
        item = unserved.get(req.id)
        if added == 0 and held_before < req.granted_half_days:
            # An explanation only (no state change): kept current for the member's page.
            if item is not None and (req.unserved_reason, req.unserved_message) != (item.reason, item.message):
                req.unserved_reason, req.unserved_message = item.reason, item.message
            continue
        # New half-days, or a request fully booked by hand (a move) but still "approved".
        _record_schedule(
            req, held_before=held_before, booked=held_before + added, unserved=item, run=run, actor=actor, now=now
        )
    audit.record(
        actor,
        "allocation.run",
        run,
        now=now,
        after={
            "mode": RunMode.COMMIT,
            "horizon_start": run.horizon_start,
            "horizon_end": run.horizon_end,
            "booked_half_days": run.booked_half_days,
            "unserved_half_days": run.unserved_half_days,
        },
    )
    db.session.flush()
    _notify(new_bookings, snapshot, now=now)


def _record_schedule(
    req: InterventionRequest,
    *,
    held_before: int,
    booked: int,
    unserved: Unserved | None,
    run: AllocationRun,
    actor,
    now: datetime,
) -> None:
    """The request's new state (scheduled when fully booked, else approved with the engine's reason)."""
    before = {"status": req.status, "booked": held_before}
    if booked >= req.granted_half_days:
        req.status = RequestStatus.SCHEDULED
        req.unserved_reason, req.unserved_message = "", ""
    elif unserved is not None:
        req.unserved_reason, req.unserved_message = unserved.reason, unserved.message
    req.updated_at = now
    audit.record(
        actor,
        "request.schedule",
        req,
        now=now,
        before=before,
        after={"status": req.status, "booked": booked, "allocation_run_id": run.id},
        member_id=req.member_id,
        request_id=req.id,
    )


def page_link(endpoint: str, fallback: str, **values) -> str:
    """A path to a page of another feature, or to `fallback` when that page does not exist (yet)."""
    for name, args in ((endpoint, values), (fallback, {})):
        if name not in current_app.view_functions:
            continue
        try:
            if has_request_context():
                return url_for(name, **args)
            # The scheduler process has no request: build the path from the URL map directly.
            return current_app.url_map.bind("localhost").build(name, args)
        except BuildError:
            continue
    return ""


def slots_text(user: User, bookings) -> str:
    """'lundi 18 janvier matin, mardi 19 janvier après-midi…' in the recipient's language."""
    locale = getattr(user, "locale", None) or "fr"
    ordered = sorted(bookings, key=lambda b: (b.date, b.half))
    parts = [
        f"{format_date(b.date, format='EEEE d MMMM y', locale=locale)} "
        f"{translate_for(user, 'matin' if b.half == 'am' else 'après-midi')}"
        for b in ordered[:MAX_SLOTS_IN_MESSAGE]
    ]
    if len(ordered) > MAX_SLOTS_IN_MESSAGE:
        parts.append("…")
    return ", ".join(parts)


def _notify(new_bookings: dict[int, list[Booking]], snapshot: Snapshot, *, now: datetime) -> None:
    if not new_bookings:
        return
    requests = {r.id: r for r in snapshot.requests if r.id in new_bookings}
    member_ids = {r.member_id for r in requests.values()}
    users_by_member = defaultdict(list)
    for user in db.session.scalars(
        select(User).where(User.member_id.in_(member_ids), User.role == UserRole.MEMBER, User.active.is_(True))
    ):
        users_by_member[user.member_id].append(user)
    for request_id, bookings in new_bookings.items():
        req = requests[request_id]
        link = page_link("requests.detail", "requests.index", request_id=req.id)
        for user in users_by_member.get(req.member_id, ()):
            notify(
                user,
                "request.scheduled",
                translate_for(
                    user,
                    "Vos demi-journées sont planifiées pour « %(title)s » : %(slots)s.",
                    title=req.title,
                    slots=slots_text(user, bookings),
                ),
                now=now,
                link=link,
                mail_subject=translate_for(user, "Vos demi-journées sont planifiées"),
            )
    experts = {e.id: e for e in snapshot.experts}
    by_expert: dict[int, list[Booking]] = defaultdict(list)
    for bookings in new_bookings.values():
        for booking in bookings:
            by_expert[booking.expert_id].append(booking)
    link = page_link("agenda.assignments", "agenda.index")
    for expert_id, bookings in by_expert.items():
        user = experts[expert_id].user if expert_id in experts else None
        if user is None or not user.active:
            continue
        notify(
            user,
            "booking.assigned",
            translate_for(
                user,
                "De nouvelles demi-journées sont inscrites à votre agenda : %(slots)s.",
                slots=slots_text(user, bookings),
            ),
            now=now,
            link=link,
            mail_subject=translate_for(user, "Nouvelles interventions planifiées"),
        )


def request_ids_in(run: AllocationRun) -> set[int]:
    plan = run.plan or {}
    keys = {a["request"] for a in plan.get("assignments", ())} | {u["request"] for u in plan.get("unserved", ())}
    return {db_id(k) for k in keys}
