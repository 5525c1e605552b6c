"""The constraints that protect data hold on both databases."""

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from expertpool.models import AuditLog, AuditLogIsAppendOnly, BookingStatus, Member, User, is_valid_siren


def _fails(db, action):
    """`action` is refused by the database; the test's transaction goes on."""
    savepoint = db.session.begin_nested()
    with pytest.raises(IntegrityError):  # noqa: PT012 - the flush is what the database refuses
        action()
        db.session.flush()
    savepoint.rollback()


def test_second_booking_of_the_same_expert_half_day_fails(db, factory):
    expert = factory.expert()
    first, second = factory.request(), factory.request()
    factory.booking(first, expert, date(2027, 1, 12), "am")
    _fails(db, lambda: factory.booking(second, expert, date(2027, 1, 12), "am"))
    # The other half of the same day, and the same half for another expert, are free.
    factory.booking(second, expert, date(2027, 1, 12), "pm")
    factory.booking(second, factory.expert(), date(2027, 1, 12), "am")


def test_a_cancelled_booking_keeps_its_history_without_blocking_the_slot(db, factory):
    expert = factory.expert()
    old = factory.booking(factory.request(), expert, date(2027, 1, 13), "pm")
    old.status = BookingStatus.CANCELLED
    db.session.flush()
    again = factory.booking(factory.request(), expert, date(2027, 1, 13), "pm")
    assert again.id != old.id
    # …but a delivered booking holds the half-day like a planned one.
    again.status = BookingStatus.DELIVERED
    db.session.flush()
    _fails(db, lambda: factory.booking(factory.request(), expert, date(2027, 1, 13), "pm"))


@pytest.mark.parametrize(
    ("siren", "valid"),
    [
        ("732829320", True),  # a real SIREN (check digit valid)
        ("732829321", False),  # one digit off: Luhn fails
        ("12345678", False),
        ("abcdefghi", False),
        ("", False),
    ],
)
def test_siren_check_digit(siren, valid):
    assert is_valid_siren(siren) is valid


def test_email_is_unique_whatever_the_case(db, factory):
    factory.user(email="Maire@Plouzane.fr")
    assert db.session.query(User).filter_by(email="maire@plouzane.fr").count() == 1
    _fails(db, lambda: factory.user(email="MAIRE@plouzane.FR"))


def test_member_user_needs_a_member(db, factory):
    _fails(db, lambda: db.session.add(User(email="x@example.org", name="X", role="member")))


def test_insee_code_is_unique(db, factory):
    factory.member(insee_code="29212")
    _fails(db, lambda: db.session.add(Member(name="Doublon", kind="commune", insee_code="29212")))


def test_request_window_and_quantity_are_checked_by_the_database(db, factory):
    _fails(db, lambda: factory.request(half_days=0))
    _fails(db, lambda: factory.request(half_days=121))
    _fails(db, lambda: factory.request(earliest=date(2027, 2, 1), deadline=date(2027, 1, 1)))
    _fails(db, lambda: factory.request(rating=6))


def test_unavailability_half_only_on_a_single_day(db, factory):
    expert = factory.expert()
    factory.unavailability(expert, date(2027, 1, 14), half="pm")
    _fails(db, lambda: factory.unavailability(expert, date(2027, 1, 14), date(2027, 1, 15), half="am"))
    _fails(db, lambda: factory.unavailability(expert, date(2027, 1, 15), date(2027, 1, 14)))


def test_audit_log_is_append_only(db, factory):
    from expertpool import audit
    from expertpool.timeutil import now_utc

    member = factory.member()
    row = audit.record(None, "member.create", member, now=now_utc(), after={"name": member.name})
    db.session.flush()
    row.action = "tampered"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.query(AuditLog).filter_by(action="tampered").count() == 0


def test_naive_datetimes_are_refused(db, factory):
    from datetime import datetime

    member = factory.member()
    member.created_at = datetime(2027, 1, 1, 12, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(Exception, match="naive datetime"):
        db.session.flush()
    db.session.rollback()
