"""The drawing-right positions kept in the database (`stored_positions`), so that pages reading the whole
pool (the dashboard, the coordinator home) read SQL aggregates instead of computing 3,000 positions.

The figures are `quotas.positions()`'s, never computed another way: this module only decides WHICH
members to recompute and writes what quotas computed. It keeps them in the writing transaction:
- after each flush, the members a change touches are noted (bookings and requests through their
  request's member, quotas, envelope caps, a member joining or leaving an EPCI, a period opened);
- before the commit (and before a read of the stored rows in the same transaction) those members, with
  their EPCI and sibling communes (an envelope is shared: one commune's draw moves the others' figures),
  are recomputed through `quotas.positions()` and their rows replaced;
- Core statements on those tables say which members they touched (`touch` and `TOUCHED`, the plan
  writer's bulk writes); any other Core write marks the whole pool (retention purges: rare, and safe).
On PostgreSQL the recomputation runs under one transaction-level advisory lock, taken before reading:
two commits touching the same EPCI family cannot each write figures that miss the other's change.

Stored positions do not depend on the day: they are `quotas.positions()` without `now` (a request is
charged to the period holding its dates), as the dashboard and the coordinator home always read them.
`flask rebuild-positions` recomputes every row (after a migration, or as a repair).
"""

from __future__ import annotations

from collections.abc import Iterable

import click
from flask.cli import with_appcontext
from sqlalchemy import delete, event, func, insert, select, text
from sqlalchemy.orm import Session

from expertpool import quotas
from expertpool.models import (
    Booking,
    EnvelopeDraw,
    InterventionRequest,
    Member,
    Quota,
    QuotaKind,
    QuotaPeriod,
    StoredPosition,
)
from expertpool.quotas import Position, Split

# Execution option of a Core statement whose writer called `touch` for the members it changed.
TOUCHED = {"positions_touched": True}

_MEMBERS, _REQUESTS, _EVERYTHING = "positions_members", "positions_requests", "positions_everything"
_LOCK_KEY = 7_313_013  # pg_advisory_xact_lock key of the stored positions' writers

# Attributes a position depends on (a change of another one, a title or a rating, recomputes nothing).
_BOOKING = ("request_id", "date", "status")
_REQUEST = (
    "member_id",
    "status",
    "half_days",
    "approved_half_days",
    "earliest",
    "deadline",
    "submitted_at",
    "decided_at",
    "envelope_review",
)
_SOURCES = {t.name for t in (Booking.__table__, InterventionRequest.__table__, Quota.__table__)} | {
    EnvelopeDraw.__table__.name,
    Member.__table__.name,
    QuotaPeriod.__table__.name,
}


def touch(session: Session, member_ids: Iterable[int] = (), request_ids: Iterable[int] = ()) -> None:
    """Have the members (or the members of the requests) recomputed before `session` commits."""
    session.info.setdefault(_MEMBERS, set()).update(member_ids)
    session.info.setdefault(_REQUESTS, set()).update(request_ids)


def touch_everything(session: Session) -> None:
    session.info[_EVERYTHING] = True


def _changed(obj, names: tuple[str, ...]) -> bool:
    state = obj._sa_instance_state
    return any(state.attrs[name].history.has_changes() for name in names)


def _before(obj, name: str):
    history = obj._sa_instance_state.attrs[name].history
    return history.deleted[0] if history.deleted else None


def _note_flush(session: Session, _context) -> None:
    members, requests = set(), set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        new_or_gone = obj in session.new or obj in session.deleted
        if isinstance(obj, Booking) and (new_or_gone or _changed(obj, _BOOKING)):
            requests.update(r for r in (obj.request_id, _before(obj, "request_id")) if r is not None)
        elif isinstance(obj, InterventionRequest) and (new_or_gone or _changed(obj, _REQUEST)):
            members.update(m for m in (obj.member_id, _before(obj, "member_id")) if m is not None)
        elif isinstance(obj, Quota | EnvelopeDraw):
            members.update(m for m in (obj.member_id, _before(obj, "member_id")) if m is not None)
        elif isinstance(obj, Member) and (new_or_gone or _changed(obj, ("parent_id",))):
            # Leaving or joining an EPCI moves the figures of both families.
            members.update(m for m in (obj.id, obj.parent_id, _before(obj, "parent_id")) if m is not None)
        elif isinstance(obj, QuotaPeriod) and (new_or_gone or _changed(obj, ("start_date", "end_date"))):
            # A period opened (or its dates moved) changes which period open requests are charged to.
            touch_everything(session)
    if members or requests:
        touch(session, members, requests)


def _note_core_write(state) -> None:
    """A Core INSERT/UPDATE/DELETE on a table positions are read from, not touched by its writer: the
    whole pool is recomputed at commit."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _SOURCES and not state.execution_options.get("positions_touched"):
        touch_everything(state.session)


def _forget(session: Session, *_args) -> None:
    for key in (_MEMBERS, _REQUESTS, _EVERYTHING):
        session.info.pop(key, None)


def _pending(session: Session) -> bool:
    return bool(session.info.get(_MEMBERS) or session.info.get(_REQUESTS) or session.info.get(_EVERYTHING))


def _before_commit(session: Session) -> None:
    refresh(session)


def refresh(session: Session) -> None:
    """Recompute the stored positions of what this transaction changed so far (nothing if nothing)."""
    session.flush()
    while _pending(session):
        members = session.info.pop(_MEMBERS, set())
        requests = session.info.pop(_REQUESTS, set())
        everything = session.info.pop(_EVERYTHING, False)
        with quotas.reading_through(session):
            _lock(session)
            if requests and not everything:
                members |= set(
                    session.scalars(select(InterventionRequest.member_id).where(InterventionRequest.id.in_(requests)))
                )
            _recompute(session, None if everything else members)
        session.flush()  # anything the recomputation flushed (the settings row of a fresh database)


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def _recompute(session: Session, member_ids: set[int] | None) -> None:
    """Recompute the rows of `member_ids` (None: every member) and of their EPCI families, every period,
    and write those that changed (a full replan touches hundreds of members, few of whose figures move
    in every period)."""
    if member_ids is not None and not member_ids:
        return
    ids = list(session.scalars(select(Member.id))) if member_ids is None else sorted(member_ids)
    periods = quotas.all_periods()
    table = StoredPosition.__table__
    for period in periods:
        result = quotas.positions(ids, period, periods=periods)
        fresh = {(row["member_id"], row["kind"]): row for row in _rows(period.id, result)}
        stored = select(table).where(table.c.period_id == period.id)
        if member_ids is not None:
            stored = stored.where(table.c.member_id.in_(sorted({member_id for member_id, _kind in fresh})))
        current = {(row.member_id, row.kind): dict(row._mapping) for row in session.execute(stored)}
        moved = {key[0] for key in set(current) | set(fresh) if current.get(key) != fresh.get(key)}
        if not moved:
            continue
        session.execute(delete(table).where(table.c.period_id == period.id, table.c.member_id.in_(sorted(moved))))
        rows = [row for key, row in fresh.items() if key[0] in moved]
        if rows:
            session.execute(insert(table), rows)


def _rows(period_id: int, result: quotas.Positions) -> list[dict]:
    rows = [
        _row(member_id, period_id, QuotaKind.OWN, position, result.envelopes.get(member_id))
        for member_id, position in result.members.items()
    ]
    return rows + [
        _row(epci_id, period_id, QuotaKind.ENVELOPE, position, None) for epci_id, position in result.envelopes.items()
    ]


def _row(member_id: int, period_id: int, kind: str, p: Position, envelope: Position | None) -> dict:
    row = {"member_id": member_id, "period_id": period_id, "kind": kind}
    row.update(entitled=p.entitled, carried_over=p.carried_over, adjusted=p.adjusted)
    for layer in ("delivered", "planned", "approved", "requested"):
        split = getattr(p, f"{layer}_split")
        row.update({f"{layer}_own": split.own, f"{layer}_envelope": split.envelope, f"{layer}_over": split.over})
    row.update(
        envelope_available=p.envelope_available,
        has_envelope=p.has_envelope,
        envelope_after_booked=p.envelope_after_booked,
        envelope_cap=p.envelope_cap,
        envelope_pool_after_booked=p.envelope_pool_after_booked,
        total=p.total,
        planned=p.planned,
        delivered=p.delivered,
        remaining=p.remaining,
        used=p.used,
        level=p.level,
        over_quota=p.over_quota,
        is_over_quota=quotas.is_over_quota(p, envelope) if kind == QuotaKind.OWN else p.over_quota > 0,
        billable=quotas.billable_half_days(p, envelope) if kind == QuotaKind.OWN else p.delivered_over_quota,
    )
    return row


def position(row, unit_price_cents: int) -> Position:
    """The Position a stored row holds (the price: the pool's, at read time)."""

    def split(layer: str) -> Split:
        return Split(getattr(row, f"{layer}_own"), getattr(row, f"{layer}_envelope"), getattr(row, f"{layer}_over"))

    return Position(
        row.entitled,
        row.carried_over,
        row.adjusted,
        split("delivered"),
        split("planned"),
        split("approved"),
        split("requested"),
        unit_price_cents,
        row.envelope_available,
        bool(row.has_envelope),
        row.envelope_after_booked,
        row.envelope_cap,
        row.envelope_pool_after_booked,
    )


def read(session: Session, member_ids: Iterable[int], period_id: int) -> dict[tuple[int, str], Position]:
    """{(member_id, kind): Position} of the members' stored rows in the period (one query)."""
    refresh(session)
    ids = sorted(set(member_ids))
    if not ids:
        return {}
    price = quotas.unit_price_cents()
    table = StoredPosition.__table__  # plain rows: the ORM's identity map would keep figures replaced since
    rows = session.execute(select(table).where(table.c.period_id == period_id, table.c.member_id.in_(ids)))
    return {(row.member_id, row.kind): position(row, price) for row in rows}


def rebuild(session: Session) -> int:
    """Recompute every stored row (a migration's fill, a repair); returns the rows written."""
    session.flush()
    _forget(session)
    with quotas.reading_through(session):
        _lock(session)
        _recompute(session, None)
    return session.scalar(select(func.count()).select_from(StoredPosition)) or 0


def register() -> None:
    """Listen on every session (the app's, a script's): idempotent."""
    for name, listener in (
        ("after_flush", _note_flush),
        ("do_orm_execute", _note_core_write),
        ("before_commit", _before_commit),
        ("after_rollback", _forget),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def differences(session: Session) -> list[str]:
    """The stored rows that differ from `quotas.positions()` computed now over the whole pool, in every
    period (a check for the tests and for a suspicious operator): [] when the store is exact."""
    table = StoredPosition.__table__
    stored = {(r.member_id, r.period_id, r.kind): dict(r._mapping) for r in session.execute(select(table))}
    expected = {}
    with quotas.reading_through(session):
        ids = list(session.scalars(select(Member.id)))
        periods = quotas.all_periods()
        for period in periods:
            for row in _rows(period.id, quotas.positions(ids, period, periods=periods)):
                expected[(row["member_id"], row["period_id"], row["kind"])] = row
    return [
        f"stored position {key}: {stored.get(key)} instead of {expected.get(key)}"
        for key in sorted(set(stored) | set(expected))
        if stored.get(key) != expected.get(key)
    ]


@click.command("rebuild-positions")
@with_appcontext
def rebuild_positions_command() -> None:
    """Recompute every stored drawing-right position (after a migration, or as a repair)."""
    from expertpool.extensions import db

    rows = rebuild(db.session)
    db.session.commit()
    click.echo(f"{rows} positions stored")


COMMANDS = [rebuild_positions_command]
