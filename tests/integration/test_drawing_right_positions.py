"""The drawing-right position (expertpool.quotas): a constant number of queries, the pure computation over
a plan held in memory, submission order, and the statement and exports agreeing with it."""

from datetime import date, timedelta

from factories import FIXED_NOW
from query_counter import QueryCounter
from sqlalchemy import insert, select

from expertpool import quotas
from expertpool.models import (
    Booking,
    BookingStatus,
    InterventionRequest,
    Member,
    Quota,
    QuotaKind,
    RequestStatus,
)
from expertpool.reports import exports
from expertpool.reports.statement_data import build_statement


def counted(db) -> QueryCounter:
    return QueryCounter(db.engine)


def _bulk_pool(db, factory, period, start: int, stop: int, expert, role_id) -> list[int]:
    """Members start..stop-1 (ids from 10 000, bulk inserted): every fifth an EPCI with an envelope over
    the next four communes; each with a quota, two booked half-days, an approved and a sent request."""
    base = 10_000
    ids = [base + n for n in range(start, stop)]
    db.session.execute(
        insert(Member),
        [
            {
                "id": base + n,
                "name": f"Membre {n}",
                "kind": "epci" if n % 5 == 0 else "commune",
                "holds_envelope": n % 5 == 0,
                "parent_id": None if n % 5 == 0 else base + n - n % 5,
                "insee_code": f"{n:05d}",
            }
            for n in range(start, stop)
        ],
    )
    db.session.execute(
        insert(Quota),
        [{"member_id": m, "period_id": period.id, "kind": QuotaKind.OWN, "entitled_half_days": 3} for m in ids]
        + [
            {"member_id": base + n, "period_id": period.id, "kind": QuotaKind.ENVELOPE, "entitled_half_days": 4}
            for n in range(start, stop)
            if n % 5 == 0
        ],
    )
    statuses = (RequestStatus.SCHEDULED, RequestStatus.APPROVED, RequestStatus.SUBMITTED)
    db.session.execute(
        insert(InterventionRequest),
        [
            {
                "id": 3 * m + k,
                "member_id": m,
                "role_id": role_id,
                "title": "Demande",
                "half_days": 3,
                "earliest": date(2027, 2, 1),
                "deadline": date(2027, 6, 30),
                "status": status,
                "submitted_at": FIXED_NOW,
            }
            for m in ids
            for k, status in enumerate(statuses)
        ],
    )
    db.session.execute(
        insert(Booking),
        [
            {
                "request_id": 3 * m,
                "expert_id": expert.id,
                "date": date(2027, 1, 4) + timedelta(days=m - base),
                "half": half,
                "status": BookingStatus.PLANNED,
            }
            for m in ids
            for half in ("am", "pm")
        ],
    )
    return ids


def test_positions_take_the_same_number_of_queries_for_10_and_2000_members(db, factory):
    factory.settings(unit_price_cents=18000)
    period = factory.period(2027, half_days=0)
    expert = factory.expert("Yann", roles=("dba",))
    role_id = factory.role("dba").id
    ids = _bulk_pool(db, factory, period, 0, 10, expert, role_id)
    db.session.expire_all()
    with counted(db) as small:
        result = quotas.positions(ids, period)
    assert len(result.members) == 10 and len(result.envelopes) == 2
    ids += _bulk_pool(db, factory, period, 10, 2000, expert, role_id)
    db.session.expire_all()
    with counted(db) as large:
        result = quotas.positions(ids, period)
    assert len(result.members) == 2000 and len(result.envelopes) == 400
    assert small.count == large.count <= 6
    # A commune: own right 3, 2 booked, then 3 approved (1 own, 2 from the envelope of 4 shared by four).
    commune = result.members[ids[1]]
    assert (commune.total, commune.planned, commune.approved, commune.requested) == (3, 2, 3, 3)
    assert commune.approved_split == quotas.Split(own=1, envelope=2)
    # Past quotas.WHOLE_POOL members the read scans the pool instead of filtering by id: same figures.
    targeted = quotas.positions(ids[:8], period)
    assert all(targeted.members[i] == result.members[i] for i in ids[:8])
    assert targeted.envelopes == {k: v for k, v in result.envelopes.items() if k in targeted.envelopes}


def test_position_over_a_plan_held_in_memory_writes_nothing(db, factory):
    factory.settings(unit_price_cents=18000)
    period = factory.period(2027, half_days=0)
    member = factory.member("Plouguin")
    factory.quota(member, period, 4)
    first = factory.request(member, status=RequestStatus.APPROVED, half_days=3)
    second = factory.request(member, status=RequestStatus.SUBMITTED, half_days=3)
    book = quotas.ledger([member.id], period)
    before = quotas.compute(book)
    assert (before.members[member.id].approved, before.members[member.id].available) == (3, 1)
    assert (before.requests[second.id].own, before.requests[second.id].over) == (1, 2)
    preview = quotas.compute(book.with_plan({first.id: 2}))
    position = preview.members[member.id]
    assert (position.planned, position.approved, position.available, position.free_after_pending) == (2, 1, 1, 0)
    assert db.session.scalar(select(Booking.id)) is None


def test_requests_are_judged_in_submission_order(db, factory):
    factory.settings(unit_price_cents=18000)
    period = factory.period(2027, half_days=0)
    member = factory.member("Plouguin")
    factory.quota(member, period, 10)
    later = factory.request(member, half_days=6, submitted_at=FIXED_NOW)
    earlier = factory.request(member, half_days=6, submitted_at=FIXED_NOW - timedelta(days=1))
    splits = quotas.request_splits([later, earlier], FIXED_NOW)
    assert (splits[earlier.id].own, splits[earlier.id].over) == (6, 0)
    assert (splits[later.id].own, splits[later.id].over, splits[later.id].over_quota_price_cents) == (4, 2, 36000)
    position = quotas.balance(member.id, period)
    assert (position.requested, position.available, position.free_after_pending) == (12, 10, 0)
    assert position.over_after_pending == 2


def test_statement_and_exports_totals_equal_the_positions(db, factory, app):
    factory.settings(unit_price_cents=18000)
    period = factory.period(2027, half_days=0)
    epci = factory.member("CC", kind="epci", holds_envelope=True)
    communes = [factory.member(f"Commune {n}", parent_id=epci.id) for n in range(3)]
    factory.quota(epci, period, 2)
    factory.quota(epci, period, 3, kind=QuotaKind.ENVELOPE)
    expert = factory.expert("Yann", roles=("dba",))
    day = date(2027, 1, 4)
    for n, commune in enumerate(communes):
        factory.quota(commune, period, 1)
        req = factory.request(commune, status=RequestStatus.IN_PROGRESS, half_days=4)
        for k in range(n + 2):
            factory.booking(req, expert, day, "am", BookingStatus.DELIVERED if k % 2 == 0 else BookingStatus.PLANNED)
            day += timedelta(days=1)
    result = quotas.positions([epci.id, *(c.id for c in communes)], period)
    with app.test_request_context("/"):
        dataset = exports.drawing_rights(period, None)
    header = [column.title for column in dataset.columns]
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in dataset.rows}
    for member_id, position in result.members.items():
        row = rows[member_id]
        assert (row["Droit de tirage total (jours)"], row["Planifié (jours)"], row["Réalisé (jours)"]) == (
            position.total,
            position.planned,
            position.delivered,
        )
        assert row["Hors droit de tirage réservé (jours)"] == position.over_quota
        assert row["Pris sur l'enveloppe de l'EPCI (jours)"] == position.from_envelope
        statement = build_statement(db.session.get(Member, member_id), period)
        assert statement.figures.balance == position
    # The EPCI pays what its communes delivered beyond own rights and envelope.
    envelope = result.envelopes[epci.id]
    assert rows[epci.id]["Hors droit facturable (jours)"] == envelope.delivered_over_quota
    assert sum(r["Hors droit facturable (jours)"] for r in rows.values()) == sum(
        p.delivered_over_quota for p in result.members.values()
    )
