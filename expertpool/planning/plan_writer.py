"""Writes a solved plan: the allocation-run row, and for a commit the bookings, request states, audit
rows and notifications, all in the caller's transaction (flushed, never committed here).

Before a commit writes, `lock_experts` and `leave_out_changes` make it see what other transactions
committed meanwhile: the experts' rows are locked (the leave declaration locks its expert's row too, so
the two serialise), and requests that changed or half-days declared unavailable are left out. The
bookings, request states and audit rows are then written in bulk: the statements of a run do not grow
with the number of half-days it books.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from expertpool import audit, envelopes, position_store, quotes
from expertpool.allocation import Unserved, billable_half_days, plan_to_dict
from expertpool.allocation.explain import QUOTE_NOT_ACCEPTED
from expertpool.extensions import db
from expertpool.links import epci_envelope_link, expert_assignments_link, member_request_link
from expertpool.models import (
    AllocationRun,
    AuditLog,
    Booking,
    Expert,
    InterventionRequest,
    RequestStatus,
    Unavailability,
    User,
    UserRole,
)
from expertpool.models.enums import BookingStatus, RunMode
from expertpool.notifications import notify, slot_params
from expertpool.scheduling.outcome import Outcome
from expertpool.scheduling.problem_builder import Snapshot, db_id


@dataclass(frozen=True, slots=True)
class NewBooking:
    """A booking written in bulk: what the notifications need of it."""

    request_id: int
    expert_id: int
    date: date
    half: str


def conflicting_slots(outcome: Outcome) -> set[tuple[int, date, str]]:
    """The plan's half-days that a planned or delivered booking holds NOW (read inside the transaction)."""
    wanted = {(db_id(a.expert), a.date, a.half) for a in outcome.plan.assignments}
    if not wanted:
        return set()
    held = db.session.execute(
        select(Booking.expert_id, Booking.date, Booking.half).where(
            Booking.status.in_(BookingStatus.HOLDING),
            Booking.expert_id.in_({e for e, _d, _h in wanted}),
            Booking.date >= min(d for _e, d, _h in wanted),
            Booking.date <= max(d for _e, d, _h in wanted),
        )
    )
    return wanted & {tuple(row) for row in held}


def lock_experts(outcome: Outcome) -> None:
    """Lock the rows of the experts the plan books (PostgreSQL: SELECT … FOR UPDATE, in id order so that
    two lockers never deadlock; SQLite: the run's transaction already holds the write lock). A leave
    declared meanwhile waits for our commit and then sees the new bookings; one committed before is
    seen by `leave_out_changes`."""
    expert_ids = sorted({db_id(a.expert) for a in outcome.plan.assignments})
    if expert_ids:
        db.session.execute(select(Expert.id).where(Expert.id.in_(expert_ids)).order_by(Expert.id).with_for_update())


def leave_out_changes(outcome: Outcome) -> None:
    """Read again, under the locks, what the plan relies on: the requests (locked and refreshed, so the
    writes below cannot meet a stale version) and the experts' unavailability; leave out what changed."""
    seen = {r.id: (r.status, r.version, r.granted_half_days) for r in outcome.snapshot.requests}
    current = {}
    if seen:
        for req in db.session.scalars(
            select(InterventionRequest)
            .where(InterventionRequest.id.in_(seen))
            .with_for_update()
            .execution_options(populate_existing=True)
        ):
            current[req.id] = (req.status, req.version, req.granted_half_days)
    changed = {request_id for request_id, state in seen.items() if current.get(request_id) != state}
    wanted = outcome.plan.assignments
    away: dict[int, list[Unavailability]] = defaultdict(list)
    if wanted:
        for item in db.session.scalars(
            select(Unavailability)
            .where(
                Unavailability.expert_id.in_({db_id(a.expert) for a in wanted}),
                Unavailability.start_date <= outcome.end,
                Unavailability.end_date >= outcome.start,
            )
            .execution_options(populate_existing=True)
        ):
            away[item.expert_id].append(item)
    unavailable = {a for a in wanted if any(u.covers(a.date, a.half) for u in away.get(db_id(a.expert), ()))}
    outcome.leave_out(unavailable, changed)


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


def write_commit(outcome: Outcome, run: AllocationRun, *, actor, now: datetime) -> None:
    """Bookings, request states, one audit row per scheduled request and one for the run, notifications.

    Written in bulk (one executemany per table), after `leave_out_changes` refreshed the requests."""
    new_bookings: dict[int, list[NewBooking]] = defaultdict(list)  # request db id -> its new bookings
    for a in sorted(outcome.plan.assignments, key=lambda a: (a.date, a.half, a.expert)):
        booking = NewBooking(db_id(a.request), db_id(a.expert), a.date, a.half)
        new_bookings[booking.request_id].append(booking)
    _insert_bookings(new_bookings, run, now)

    unserved = {db_id(u.request): u for u in outcome.plan.unserved}
    # What each request received beyond its member's right: the next run reads the quote left from it.
    billable: Counter = Counter()
    for seg in outcome.segments:
        if seg.problem is not None and seg.plan is not None:
            for key, n in billable_half_days(seg.problem, seg.plan).items():
                billable[db_id(key)] += n
    snapshot = outcome.snapshot
    changes: list[tuple[InterventionRequest, dict]] = []
    audit_rows: list[dict] = []
    quote_grown: list[InterventionRequest] = []
    for req in snapshot.requests:
        if req.id in outcome.changed_requests:
            continue  # changed under the run (cancelled, edited): left as the other writer put it
        added = len(new_bookings.get(req.id, ()))
        held_before = snapshot.held_per_request[req.id]
        item = unserved.get(req.id)
        if _quote_outgrown(req, item):
            quote_grown.append(req)
        if added == 0 and held_before < req.granted_half_days:
            # An explanation only (no state change): kept current for the member's page.
            if item is not None and (req.unserved_reason, req.unserved_params) != (item.reason, _stored(item)):
                changes.append(
                    (req, {"unserved_reason": item.reason, "unserved_params": _stored(item), "unserved_message": ""})
                )
            continue
        # New half-days, or a request fully booked by hand (a move) but still "approved".
        changes.append(
            _schedule(
                req,
                held_before=held_before,
                booked=held_before + added,
                unserved=item,
                billable=billable[req.id],
                run=run,
                actor=actor,
                now=now,
                audit_rows=audit_rows,
            )
        )
    _update_requests(changes)
    # These bulk writes bypass the ORM: the stored positions of the members of the requests booked or
    # scheduled are recomputed at commit because they are named here.
    scheduled = [req.id for req, values in changes if "status" in values]
    position_store.touch(db.session, request_ids=[*new_bookings, *scheduled])
    audit_rows.append(
        audit.values(
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
    )
    insert_rows(AuditLog, audit_rows)
    db.session.flush()
    _notify(new_bookings, snapshot, now=now)
    _notify_envelope_draws(outcome, new_bookings, now=now)
    _notify_new_quotes(quote_grown, now=now)


def _notify_envelope_draws(outcome: Outcome, new_bookings: dict[int, list[NewBooking]], *, now: datetime) -> None:
    """An EPCI hears when one of its communes starts drawing on its envelope (once per period)."""
    communes = {outcome.snapshot.member_of[rid] for rid in new_bookings} & set(outcome.snapshot.parent_of)
    if not communes:
        return
    link = epci_envelope_link()
    for seg in outcome.segments:
        if seg.period is not None and seg.plan is not None and seg.plan.assignments:
            envelopes.notify_first_draws(communes, seg.period, now=now, link=link)


def _quote_outgrown(req: InterventionRequest, item: Unserved | None) -> bool:
    """The run stopped at the accepted quote, newly, although approval had not outgrown it: other
    requests ahead (or a smaller right) made the billable part grow, and the member must hear of it
    (approval itself tells the member when it makes the billable part outgrow the quote)."""
    return (
        item is not None
        and item.reason == QUOTE_NOT_ACCEPTED
        and req.unserved_reason != QUOTE_NOT_ACCEPTED
        and (req.over_quota_half_days or 0) <= quotes.accepted_half_days(req)
    )


def _notify_new_quotes(requests: list[InterventionRequest], *, now: datetime) -> None:
    """The member's users hear of the new quote to accept. A full replan of a pool without accepted
    quotes may stop hundreds of requests at once: they are judged together and their members' users read
    in one query, so the run's statements do not grow with them."""
    if not requests:
        return
    due = {req.id: d for req, d in quotes.quotes_due(requests, now) if d is not None}
    readers: dict[int, list[User]] = {}
    for user in db.session.scalars(
        select(User)
        .where(
            User.member_id.in_({req.member_id for req in requests}),
            User.role == UserRole.MEMBER,
            User.active.is_(True),
        )
        .order_by(User.id)
    ):
        readers.setdefault(user.member_id, []).append(user)
    for req in requests:
        if req.id not in due:
            continue
        link = member_request_link(req.id)
        params = {"title": req.title, "over": due[req.id].half_days, "amount": due[req.id].amount_cents}
        for user in readers.get(req.member_id, []):
            notify(user, "quote.to_accept", params, now=now, link=link)


def _insert_bookings(new_bookings: dict[int, list[NewBooking]], run: AllocationRun, now: datetime) -> None:
    rows = [
        {
            "request_id": b.request_id,
            "expert_id": b.expert_id,
            "date": b.date,
            "half": b.half,
            "status": BookingStatus.PLANNED,
            "to_reschedule": False,
            "note": "",
            "allocation_run_id": run.id,
            "sequence": 0,
            "created_at": now,
            "updated_at": now,
        }
        for bookings in new_bookings.values()
        for b in bookings
    ]
    copy_rows(Booking, rows)


def insert_rows(model, rows: list[dict]) -> None:
    """One executemany of `rows` (dicts with the same keys) into `model`'s table. Core, not the ORM's
    bulk insert: nothing needs the new ids, and a multi-row VALUES costs more to compile than it saves.
    The caller names the members whose positions the rows change (`position_store.touch`)."""
    if rows:
        db.session.execute(insert(model.__table__).execution_options(**position_store.TOUCHED), rows)


def copy_rows(model, rows: list[dict]) -> None:
    """`insert_rows` for plain columns (no JSON), through PostgreSQL's COPY when the session is on
    PostgreSQL: thousands of bookings go in one stream instead of one INSERT each, under the same
    constraints (the unique held-slot index and the foreign keys check every row alike)."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        insert_rows(model, rows)
        return
    columns = list(rows[0])
    table = model.__table__
    quoted = ", ".join(connection.dialect.identifier_preparer.quote(column) for column in columns)
    statement = f"COPY {table.name} ({quoted}) FROM STDIN"  # noqa: S608 - names from the model
    # The columns' own bind processing (UTC datetimes…), as an INSERT through SQLAlchemy would apply it.
    identity = lambda value: value  # noqa: E731
    processors = [table.c[column].type.bind_processor(connection.dialect) or identity for column in columns]
    cursor = connection.connection.driver_connection.cursor()
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([process(row[column]) for process, column in zip(processors, columns, strict=True)])
    except connection.dialect.dbapi.IntegrityError as exc:
        # The driver's own error, raised past SQLAlchemy: wrapped as SQLAlchemy would, so that the
        # callers' handling of a slot booked behind their back stays the same.
        raise IntegrityError(statement, None, exc) from exc


def _schedule(
    req: InterventionRequest,
    *,
    held_before: int,
    booked: int,
    unserved: Unserved | None,
    billable: int,
    run: AllocationRun,
    actor,
    now: datetime,
    audit_rows: list[dict],
) -> tuple[InterventionRequest, dict]:
    """The request's new state (scheduled when fully booked, else approved with the engine's reason)
    and its audit row."""
    before = {"status": req.status, "booked": held_before}
    values = {"status": req.status, "updated_at": now}
    if booked >= req.granted_half_days:
        values.update(status=RequestStatus.SCHEDULED, unserved_reason="", unserved_params=None, unserved_message="")
    elif unserved is not None:
        values.update(unserved_reason=unserved.reason, unserved_params=_stored(unserved), unserved_message="")
    if billable:
        values["billable_booked_half_days"] = (req.billable_booked_half_days or 0) + billable
        before["billable_booked_half_days"] = req.billable_booked_half_days or 0
    audit_rows.append(
        audit.values(
            actor,
            "request.schedule",
            req,
            now=now,
            before=before,
            after={
                "status": values["status"],
                "booked": booked,
                "allocation_run_id": run.id,
                **({"billable_booked_half_days": values["billable_booked_half_days"]} if billable else {}),
            },
            member_id=req.member_id,
            request_id=req.id,
        )
    )
    return req, values


def _update_requests(changes: list[tuple[InterventionRequest, dict]]) -> None:
    """One executemany per set of changed columns, each row guarded by its version like the ORM would;
    the loaded objects then take the new values without a further statement."""
    groups: dict[tuple[str, ...], list[tuple[InterventionRequest, dict]]] = defaultdict(list)
    for req, values in changes:
        groups[tuple(sorted(values))].append((req, values))
    table = InterventionRequest.__table__
    for columns, items in groups.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"), table.c.version == bindparam("_version"))
            .values({**{column: bindparam(column) for column in columns}, "version": bindparam("_new_version")})
            .execution_options(**position_store.TOUCHED)
        )
        params = [
            {**values, "_id": req.id, "_version": req.version, "_new_version": req.version + 1} for req, values in items
        ]
        matched = db.session.execute(statement, params).rowcount
        if matched != len(items):
            raise StaleDataError(f"{len(items) - matched} request(s) changed during the allocation run")
        for req, values in items:
            for column, value in values.items():
                set_committed_value(req, column, value)
            set_committed_value(req, "version", req.version + 1)


def _stored(unserved: Unserved) -> dict:
    """What a request row keeps of the engine's explanation: the code's facts and the half-days left
    unserved; its page writes the sentence in its reader's language (expertpool/unserved_reasons.py)."""
    return {**unserved.params, "half_days": unserved.half_days}


def _notify(new_bookings: dict[int, list[NewBooking]], snapshot: Snapshot, *, now: datetime) -> None:
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
        link = member_request_link(req.id)
        for user in users_by_member.get(req.member_id, ()):
            notify(user, "request.scheduled", {"title": req.title, "slots": slot_params(bookings)}, now=now, link=link)
    experts = {e.id: e for e in snapshot.experts}
    by_expert: dict[int, list[NewBooking]] = defaultdict(list)
    for bookings in new_bookings.values():
        for booking in bookings:
            by_expert[booking.expert_id].append(booking)
    link = expert_assignments_link()
    for expert_id, bookings in by_expert.items():
        user = experts[expert_id].user if expert_id in experts else None
        if user is None or not user.active:
            continue
        notify(user, "booking.assigned", {"slots": slot_params(bookings, with_expert=False)}, now=now, link=link)


def request_ids_in(run: AllocationRun) -> set[int]:
    plan = run.plan or {}
    keys = {a["request"] for a in plan.get("assignments", ())} | {u["request"] for u in plan.get("unserved", ())}
    return {db_id(k) for k in keys}
