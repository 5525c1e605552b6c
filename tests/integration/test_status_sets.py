"""The named sets of statuses and the granted half-days: one definition each, the same in Python and SQL."""

from sqlalchemy import select

from expertpool.models import BookingStatus, InterventionRequest, RequestStatus


def test_the_sets_are_class_attributes_not_statuses():
    assert len(RequestStatus) == 10 and len(BookingStatus) == 4
    for name in ("EDITABLE", "AWAITING_DECISION", "OPEN", "SCHEDULABLE", "STARTABLE", "FINISHED", "CLOSED"):
        statuses = getattr(RequestStatus, name)
        assert statuses and all(RequestStatus(s) in statuses for s in statuses)
    assert RequestStatus.DRAFT in RequestStatus.EDITABLE and RequestStatus.APPROVED not in RequestStatus.EDITABLE
    assert set(RequestStatus.AWAITING_DECISION) < set(RequestStatus.EDITABLE) < set(RequestStatus.OPEN)
    assert BookingStatus.PLANNED in BookingStatus.HOLDING and BookingStatus.CANCELLED not in BookingStatus.HOLDING


def test_a_set_filters_in_sql(db, factory):
    member = factory.member()
    kept = [factory.request(member, status=s) for s in RequestStatus.AWAITING_DECISION]
    factory.request(member, status=RequestStatus.APPROVED)
    found = db.session.scalars(
        select(InterventionRequest.id).where(InterventionRequest.status.in_(RequestStatus.AWAITING_DECISION))
    ).all()
    assert sorted(found) == sorted(r.id for r in kept)


def test_granted_half_days_reads_the_same_in_python_and_in_sql(db, factory):
    asked = factory.request(half_days=6)
    cut = factory.request(half_days=6, status=RequestStatus.APPROVED, approved_half_days=4)
    assert (asked.granted_half_days, cut.granted_half_days) == (6, 4)
    in_sql = dict(db.session.execute(select(InterventionRequest.id, InterventionRequest.granted_half_days)).all())
    assert in_sql == {asked.id: 6, cut.id: 4}
    assert db.session.scalar(select(InterventionRequest.id).where(InterventionRequest.granted_half_days == 4)) == cut.id
