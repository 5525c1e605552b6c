"""RGPD erasure: after anonymisation no table holds the person's name, email or texts (every text and
JSON column of every table is scanned), the records stay and print the same totals, and the refusals."""

import pytest
from factories import FIXED_NOW
from privacy_support import (
    GWEN_EMAIL,
    GWEN_NAME,
    GWEN_TEXTS,
    SOIZIC_EMAIL,
    SOIZIC_NAME,
    SOIZIC_TEXTS,
    YANN_EMAIL,
    YANN_NAME,
    YANN_TEXTS,
    build_people,
)
from sqlalchemy import JSON, String, Text, cast, func, select

from expertpool.auth.services import load_user
from expertpool.extensions import db as _db
from expertpool.models import AuditLog, Base, Booking, BookingStatus, ProviderIdentity, User, UserRole
from expertpool.privacy.erasure import ErasureRefused, anonymise
from expertpool.reports.statement import summary
from expertpool.reports.statement_data import build_statement


@pytest.fixture
def people(factory):
    return build_people(factory)


@pytest.fixture
def request_context(app):
    with app.test_request_context("/"):  # the refusals are sentences in the reader's language
        yield


def find_everywhere(db, needles) -> list[str]:
    """Every (table.column) of the schema whose text or JSON holds one of `needles` (any case)."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, String | Text | JSON):
                continue
            values = db.session.execute(select(cast(column, Text)).where(column.is_not(None))).scalars()
            text = "\n".join(values).lower()
            found += [f"{table.name}.{column.name}: {n}" for n in needles if n.lower() in text or _escaped(n) in text]
    return found


def _escaped(needle: str) -> str:
    import json

    return json.dumps(needle)[1:-1].lower()


def statement_figures(app, member, period):
    with app.test_request_context("/"):
        return [(item.key, item.value) for item in summary(build_statement(member, period))]


def test_after_erasure_nothing_holds_their_name_email_or_texts(app, db, people):
    before = statement_figures(app, people.member, people.past_period)
    assert find_everywhere(db, [GWEN_NAME, GWEN_EMAIL, *GWEN_TEXTS]), "the scan must see the data first"
    counts = anonymise(people.gwen, actor=people.coordinator, now=FIXED_NOW)

    assert find_everywhere(db, [GWEN_NAME, GWEN_EMAIL, *GWEN_TEXTS]) == []
    # The others' data is untouched.
    assert len(find_everywhere(db, [YANN_NAME, YANN_EMAIL, *YANN_TEXTS])) >= 5
    gwen = db.session.get(User, people.gwen.id)
    assert gwen.name == f"Ancien utilisateur n°{gwen.id}"
    assert not gwen.active and gwen.password_hash is None and gwen.anonymised_at == FIXED_NOW
    # The request, its bookings and the statement stay.
    done = people.requests["done"]
    db.session.refresh(done)
    assert done.created_by_id == gwen.id and done.rating == 5 and len(done.bookings) == 5
    assert statement_figures(app, people.member, people.past_period) == before
    assert counts["notifications"] == 1 and counts["mails"] == 1 and counts["sign_in_failures"] == 1
    # ProConnect can no longer sign her in as this account; Yann's identity stays.
    assert counts["provider_identities"] == 1 and counts["join_requests"] == 1
    assert [i.subject for i in db.session.scalars(select(ProviderIdentity))] == ["sub-yann"]
    assert counts["mentions"] >= 3  # the coordinator's message and notification, the audit snapshots
    row = db.session.scalars(select(AuditLog).where(AuditLog.action == "user.anonymise")).one()
    assert row.actor_id == people.coordinator.id and row.entity_id == gwen.id
    assert GWEN_NAME not in str(row.after) and row.after["rows"]["messages"] == 2


def test_sessions_of_an_erased_person_are_refused(db, people):
    session_id = people.gwen.get_id()
    assert load_user(session_id) is not None
    anonymise(people.gwen, actor=people.coordinator, now=FIXED_NOW)
    assert load_user(session_id) is None


def test_an_expert_who_leaves_keeps_the_delivered_half_days_and_loses_the_feed(app, db, people):
    before = statement_figures(app, people.member, people.past_period)
    anonymise(people.soizic, actor=people.admin, now=FIXED_NOW)
    assert find_everywhere(db, [SOIZIC_NAME, SOIZIC_EMAIL, *SOIZIC_TEXTS]) == []
    expert = people.soizic_expert
    db.session.refresh(expert)
    assert expert.feed_token is None and not expert.active
    assert expert.display_name == f"Ancien utilisateur n°{people.soizic.id}"
    delivered = db.session.scalar(
        select(func.count(Booking.id)).where(Booking.expert_id == expert.id, Booking.status == BookingStatus.DELIVERED)
    )
    assert delivered == 5
    assert statement_figures(app, people.member, people.past_period) == before


def test_an_expert_with_future_bookings_is_refused_with_them_listed(db, factory, people, request_context):
    future = factory.booking(people.requests["yann"], people.soizic_expert, FIXED_NOW.date(), "pm")
    with pytest.raises(ErasureRefused) as refused:
        anonymise(people.soizic, actor=people.admin, now=FIXED_NOW)
    assert refused.value.bookings == [future]
    assert "1 demi-journée planifiée" in refused.value.reasons[0]
    assert db.session.get(User, people.soizic.id).name == SOIZIC_NAME


def test_the_last_admin_is_refused_and_a_second_erasure_too(db, factory, people, request_context):
    with pytest.raises(ErasureRefused) as refused:
        anonymise(people.admin, actor=people.admin, now=FIXED_NOW)
    assert "dernier administrateur" in refused.value.reasons[0]
    other = factory.user(UserRole.ADMIN, email="autre.admin@pool.fr")
    anonymise(people.admin, actor=other, now=FIXED_NOW)
    with pytest.raises(ErasureRefused, match="déjà effacées"):
        anonymise(people.admin, actor=other, now=FIXED_NOW)


def test_the_audit_log_stays_append_only_outside_erasure(db, people):
    from expertpool.models import AuditLogIsAppendOnly

    row = db.session.scalars(select(AuditLog).where(AuditLog.action == "user.create")).first()
    row.after = {"email": "x"}
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    _db.session.rollback()
