"""The approval queue and decision forms: good and bad input, one audit row per action, none on failure."""

from datetime import timedelta

import pytest
from factories import FIXED_NOW
from query_counter import QueryCounting
from sqlalchemy import func, select

from expertpool.models import AuditLog, InterventionRequest, Notification, RequestMessage, RequestStatus, UserRole


def audit_rows(db):
    return db.session.scalar(select(func.count(AuditLog.id)))


@pytest.fixture
def coordinator(factory, login):
    user = factory.user(role=UserRole.COORDINATOR)
    login(user)
    return user


@pytest.fixture
def member(factory):
    member = factory.member(name="Commune de Locmaria")
    factory.period(year=2027, members=[member], half_days=6)
    factory.period(year=2026, members=[member], half_days=6)
    return member


def test_queue_sorted_by_urgency_then_age_with_quota_position(client, db, factory, coordinator, member):
    factory.settings(unit_price_cents=18000)
    old = factory.request(member=member, title="Ancienne", submitted_at=FIXED_NOW - timedelta(days=10))
    factory.request(member=member, title="Récente", submitted_at=FIXED_NOW - timedelta(days=1))
    factory.request(member=member, title="Critique", urgency="critical", submitted_at=FIXED_NOW)
    factory.request(member=member, title="Trop grosse", half_days=10, submitted_at=FIXED_NOW - timedelta(days=2))
    text = client.get("/coordination/demandes").get_data(as_text=True)
    assert text.index("Critique") < text.index("Ancienne") < text.index("Trop grosse") < text.index("Récente")
    assert "Hors droit : 2 jours" in text
    assert "720,00" in text  # 4 half-days over quota × 180 €
    assert old.title in text


def test_approve_with_adjusted_days(client, db, factory, coordinator, member):
    author = factory.user(member=member)
    req = factory.request(member=member, half_days=8, created_by=author)
    before = audit_rows(db)
    response = client.post(f"/coordination/demandes/{req.id}/accepter", data={"days": "2,5", "note": "Suffisant"})
    assert response.status_code == 303
    db.session.refresh(req)
    assert req.status == RequestStatus.APPROVED
    assert req.approved_half_days == 5
    assert req.over_quota_half_days == 0
    assert audit_rows(db) == before + 1
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == author.id)) == 1


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("0", "Au moins 0,5 jour"),
        ("-2", "Au moins 0,5 jour"),
        ("", "Indiquez le nombre de jours accordés."),
        ("abc", "Indiquez un nombre de jours"),
        ("1,25", "demi-journées"),
        ("61", "Au plus 60 jours"),
    ],
)
def test_approve_refuses_bad_days(client, db, factory, coordinator, member, days, message):
    req = factory.request(member=member)
    before = audit_rows(db)
    response = client.post(f"/coordination/demandes/{req.id}/accepter", data={"days": days})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert message in text
    assert 'id="days-error"' in text  # next to the field
    db.session.refresh(req)
    assert req.status == RequestStatus.SUBMITTED
    assert req.approved_half_days is None
    assert audit_rows(db) == before


def test_reject_needs_a_reason(client, db, factory, coordinator, member):
    req = factory.request(member=member)
    before = audit_rows(db)
    response = client.post(f"/coordination/demandes/{req.id}/refuser", data={"reason": "   "})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Le motif du refus est obligatoire." in text
    assert 'id="reason-error"' in text
    db.session.refresh(req)
    assert req.status == RequestStatus.SUBMITTED
    assert audit_rows(db) == before
    response = client.post(f"/coordination/demandes/{req.id}/refuser", data={"reason": "Hors du périmètre du pool"})
    assert response.status_code == 303
    db.session.refresh(req)
    assert req.status == RequestStatus.REJECTED
    assert req.rejection_reason == "Hors du périmètre du pool"
    assert audit_rows(db) == before + 1


def test_ask_information_then_member_answers_back_to_queue(client, db, factory, coordinator, member):
    from expertpool.approval import answer_information

    author = factory.user(member=member)
    req = factory.request(member=member, created_by=author)
    before = audit_rows(db)
    response = client.post(f"/coordination/demandes/{req.id}/precisions", data={"message": ""})
    assert response.status_code == 400
    assert "Écrivez votre question." in response.get_data(as_text=True)
    assert audit_rows(db) == before
    response = client.post(f"/coordination/demandes/{req.id}/precisions", data={"message": "Quelle version ?"})
    assert response.status_code == 303
    db.session.refresh(req)
    assert req.status == RequestStatus.NEEDS_INFO
    assert audit_rows(db) == before + 1
    answer_information(req, actor=author, now=FIXED_NOW, body="PostgreSQL 16")
    assert req.status == RequestStatus.SUBMITTED
    assert db.session.scalar(select(func.count(RequestMessage.id)).where(RequestMessage.request_id == req.id)) == 2
    assert "PostgreSQL 16" in client.get(f"/coordination/demandes/{req.id}").get_data(as_text=True)


def test_deciding_twice_shows_the_conflict_message(client, db, factory, coordinator, member):
    req = factory.request(member=member)
    assert client.post(f"/coordination/demandes/{req.id}/accepter", data={"days": "2"}).status_code == 303
    before = audit_rows(db)
    response = client.post(f"/coordination/demandes/{req.id}/refuser", data={"reason": "Non"})
    assert response.status_code == 409
    assert "traitée par un autre coordinateur" in response.get_data(as_text=True)
    assert audit_rows(db) == before
    assert db.session.get(InterventionRequest, req.id).status == RequestStatus.APPROVED


def test_unknown_request_is_404(client, coordinator):
    assert client.get("/coordination/demandes/999999").status_code == 404
    assert client.post("/coordination/demandes/999999/accepter", data={"days": "1"}).status_code == 404


def _statements(client, url):
    from expertpool.extensions import db as _db

    return QueryCounting(_db).get(client, url, fresh=False)[0]


@pytest.mark.parametrize("url", ["/coordination/demandes", "/coordination/"])
def test_queue_and_home_queries_do_not_grow_with_rows(client, db, factory, coordinator, url):
    epci = factory.member(kind="epci", holds_envelope=True)
    period = factory.period(year=2027)
    factory.quota(epci, period, 40, kind="envelope")

    def add_requests(n):
        for _ in range(n):
            commune = factory.member(parent_id=epci.id)
            factory.quota(commune, period, 4)
            factory.request(member=commune, half_days=6)
            factory.request(member=commune, half_days=2, status=RequestStatus.APPROVED)

    add_requests(10)
    _statements(client, url)  # warm-up
    small = _statements(client, url)
    add_requests(190)
    assert _statements(client, url) == small
