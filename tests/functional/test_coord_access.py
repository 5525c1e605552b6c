"""Every coordinator page and action: staff get it; members, experts and visitors never do."""

from datetime import date

import pytest
from factories import FIXED_NOW
from sqlalchemy import func, select

from expertpool.coordination.views import ROUTES
from expertpool.models import AuditLog, UserRole


@pytest.fixture
def objects(factory):
    member = factory.member()
    epci = factory.member(kind="epci", holds_envelope=True)
    user = factory.user(member=member)
    _expert_user, expert = factory.expert_user()
    period = factory.period(members=[member])
    req = factory.request(member=member, created_by=user)
    role = factory.role("dsi")
    skill = factory.skill("PostgreSQL")
    return {
        "member_id": member.id,
        "request_id": req.id,
        "expert_id": expert.id,
        "user_id": user.id,
        "period_id": period.id,
        "role_id": role.id,
        "skill_id": skill.id,
        "epci": epci,
    }


def _urls(app, objects):
    with app.test_request_context():
        from flask import url_for

        for rule, endpoint, _view, methods in ROUTES:
            values = {
                k: objects[k]
                for k in ("member_id", "request_id", "expert_id", "user_id", "period_id", "role_id", "skill_id")
                if f"<int:{k}>" in rule
            }
            for method in methods:
                yield method, url_for(f"coordination.{endpoint}", **values)


def _audit_count(db):
    return db.session.scalar(select(func.count(AuditLog.id)))


@pytest.mark.parametrize("role", [UserRole.MEMBER, UserRole.EXPERT, None])
def test_non_staff_are_refused_everywhere(app, client, db, factory, login, objects, role):
    if role is not None:
        login(factory.user(role=role))
    before = _audit_count(db)
    for method, url in _urls(app, objects):
        response = client.open(url, method=method, data={"reason": "x", "days": "1"})
        if role is None:
            assert response.status_code in (302, 303), (method, url)
            assert "/connexion" in response.headers["Location"] or "login" in response.headers["Location"]
        else:
            assert response.status_code == 403, (method, url, response.status_code)
    assert _audit_count(db) == before


@pytest.mark.parametrize("role", [UserRole.COORDINATOR, UserRole.ADMIN])
def test_staff_see_every_page(app, client, db, factory, login, objects, role):
    login(factory.user(role=role))
    _user, expert = factory.expert_user()
    req = db.session.get(
        __import__("expertpool.models", fromlist=["InterventionRequest"]).InterventionRequest, objects["request_id"]
    )
    factory.booking(req, expert, date(2027, 2, 1), to_reschedule=True)
    for method, url in _urls(app, objects):
        if method != "GET":
            continue
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert b"<h1" in response.data
    login(factory.user(role=role, locale="en"))  # the pages also render in English
    for method, url in _urls(app, objects):
        if method == "GET":
            assert client.get(url).status_code == 200, url


def test_home_shows_attention_items(client, db, factory, login):
    login(factory.user(role=UserRole.COORDINATOR))
    member = factory.member(name="Plouzané")
    factory.period(year=FIXED_NOW.year, members=[member], half_days=2)
    factory.request(member=member, title="Incident rançongiciel", urgency="critical")
    _user, expert = factory.expert_user(name="Anne DBA")
    done = factory.request(member=member, status="scheduled", half_days=4)
    for n, half in enumerate(["am", "pm", "am", "pm"]):
        factory.booking(done, expert, date(2027, 2, 1 + n // 2), half)
    factory.unavailability(expert, date(2027, 2, 2))
    response = client.get("/coordination/")
    text = response.get_data(as_text=True)
    assert "Incident rançongiciel" in text
    assert "Expert indisponible" in text
    assert "Plouzané" in text  # 4 half-days booked for 2 entitled
    assert "Prochaine planification" in text


def test_huge_ids_are_404_not_500(client, factory, login):
    login(factory.user(role=UserRole.COORDINATOR))
    for url in (
        "/coordination/membres/99999999999999999999",
        "/coordination/demandes/2147483648",
        "/coordination/journal?member=99999999999999999999",
    ):
        assert client.get(url).status_code in (400, 404), url
    for url in (
        "/coordination/membres?page=99999999999999999999",
        "/coordination/journal?page=-3",
        "/coordination/utilisateurs?page=99999999999999999999",
        "/coordination/roles-competences?role=99999999999999",
    ):
        assert client.get(url).status_code == 200, url
