"""The plan writer writes in bulk: the SQL statements of a commit run do not grow with the number of
half-days it books (issue 13), and the run still passes the invariants."""

from collections import Counter
from datetime import date

from factories import FIXED_NOW
from planning_helpers import small_pool
from query_counter import QueryCounter
from sqlalchemy import func, select

from expertpool.extensions import db as _db
from expertpool.invariants import check_invariants
from expertpool.models import AuditLog, Booking, BookingStatus, InterventionRequest, RequestStatus
from expertpool.planning.service import run_allocation


def _counted_commit(**kwargs) -> tuple[int, Counter]:
    with QueryCounter(_db.engine) as counter:
        run = run_allocation(actor=None, now=FIXED_NOW, mode="commit", **kwargs)
    return run.booked_half_days, counter.kinds


def test_statements_per_run_do_not_grow_with_the_half_days(db, factory):
    pool = small_pool(factory, half_days=(4, 4), quotas=(40, 40), weeks=1)
    db.session.commit()
    booked, small = _counted_commit()
    assert booked == 8
    # Two more requests of the same members, four times the half-days, in February.
    for member in (pool.member_a, pool.member_b):
        factory.request(
            member,
            status=RequestStatus.APPROVED,
            half_days=16,
            earliest=date(2027, 2, 1),
            deadline=date(2027, 3, 31),
            skills=("postgresql",),
            title="Audit de sécurité",
        )
    db.session.commit()
    booked_large, large = _counted_commit(horizon_start=date(2027, 2, 1), weeks=4)
    assert booked_large == 32
    print(f"\n8 half-days: {sum(small.values())} statements {dict(small)}")
    print(f"32 half-days: {sum(large.values())} statements {dict(large)}")
    # Three times more half-days, at most 0.1 statement more for each of them.
    assert sum(large.values()) - sum(small.values()) <= 0.1 * (booked_large - booked)
    assert large["INSERT"] == small["INSERT"]
    # Everything was written all the same: bookings, request states, one audit row per request and run.
    assert db.session.scalar(select(func.count(Booking.id))) == 40
    states = db.session.scalars(select(InterventionRequest.status)).all()
    assert sorted(states) == [RequestStatus.SCHEDULED] * 4
    actions = Counter(db.session.scalars(select(AuditLog.action)))
    assert actions["request.schedule"] == 4 and actions["allocation.run"] == 2
    assert check_invariants(db.session) == []


def test_bookings_written_in_one_stream_read_back_as_the_orm_writes_them(db, factory):
    """On PostgreSQL the bookings go in through COPY, past SQLAlchemy's INSERT: each one still reads back
    with the values and types an INSERT gives (status, UTC time of the run, its run, no note)."""
    pool = small_pool(factory, half_days=(4, 4), quotas=(40, 40), weeks=1)
    run = run_allocation(actor=None, now=FIXED_NOW, mode="commit")
    bookings = list(db.session.scalars(select(Booking).execution_options(populate_existing=True)))
    assert len(bookings) == run.booked_half_days == 8
    assert {b.request_id for b in bookings} == {pool.request_a.id, pool.request_b.id}
    for b in bookings:
        assert (b.expert_id, b.status, b.to_reschedule, b.note, b.sequence) == (
            pool.expert.id,
            BookingStatus.PLANNED,
            False,
            "",
            0,
        )
        assert b.allocation_run_id == run.id
        assert b.created_at == b.updated_at == FIXED_NOW and b.created_at.utcoffset().total_seconds() == 0
        assert b.half in ("am", "pm") and isinstance(b.date, date)
    assert check_invariants(db.session) == []
