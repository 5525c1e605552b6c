"""Quota periods, experts, roles and skills, users and the audit log: good and bad input, one audit row each."""

from datetime import date

import pytest
from factories import POPULATION_PERIOD_FORM
from sqlalchemy import func, select

from expertpool.models import (
    AuditLog,
    Booking,
    Expert,
    OutboxMail,
    Quota,
    QuotaPeriod,
    Role,
    Skill,
    User,
    UserRole,
)


def count(db, model):
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def coordinator(factory, login):
    user = factory.user(role=UserRole.COORDINATOR)
    login(user)
    return user


# --- quota periods -------------------------------------------------------------------------------

PERIOD = POPULATION_PERIOD_FORM


def test_open_period_preview_then_confirm_with_carry_over(client, db, factory, coordinator):
    small = factory.member(name="Petite", population=300)
    big = factory.member(name="Grande", population=50000)
    factory.member(name="Inactive", population=10, active=False)
    previous = factory.period(year=2027, members=[small, big], half_days=6, carry_over_cap_half_days=4)
    assert previous.carry_over_cap_half_days == 4
    periods, quotas, audit = count(db, QuotaPeriod), count(db, Quota), count(db, AuditLog)
    response = client.post("/coordination/periodes/nouvelle", data={**PERIOD, "confirm": "0"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Aperçu : 2 droits" in text and "Confirmer l'ouverture" in text
    assert count(db, QuotaPeriod) == periods and count(db, Quota) == quotas  # preview writes nothing
    response = client.post("/coordination/periodes/nouvelle", data={**PERIOD, "confirm": "1"})
    assert response.status_code == 303
    period = db.session.scalar(select(QuotaPeriod).where(QuotaPeriod.name == "2028"))
    got = {q.member_id: q for q in db.session.scalars(select(Quota).where(Quota.period_id == period.id))}
    assert got[small.id].entitled_half_days == 8 and got[small.id].carried_over_half_days == 4
    assert got[big.id].entitled_half_days == 40
    assert period.carry_over_cap_half_days == 4
    assert count(db, AuditLog) == audit + 1


@pytest.mark.parametrize(
    ("changes", "message", "field"),
    [
        ({"name": ""}, "Indiquez un nom", "name"),
        ({"end_date": "2027-06-01"}, "La fin doit suivre le début.", "end_date"),
        ({"start_date": "pas une date"}, "Indiquez une date valide.", "start_date"),
        ({"policy": "fixed", "fixed_days": ""}, "Indiquez le nombre de jours par membre.", "fixed_days"),
        ({"carry_over_cap": "-1"}, "Au moins 0 jour", "carry_over_cap"),
        ({"bands-0-days": "", "bands-1-days": "", "bands-2-days": ""}, "Remplissez au moins une tranche.", "bands"),
    ],
)
def test_period_form_refuses_bad_input(client, db, coordinator, changes, message, field):
    periods, audit = count(db, QuotaPeriod), count(db, AuditLog)
    response = client.post("/coordination/periodes/nouvelle", data={**PERIOD, **changes, "confirm": "1"})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(db, QuotaPeriod) == periods and count(db, AuditLog) == audit


def test_overlapping_period_is_refused(client, db, factory, coordinator):
    factory.period(year=2028)
    response = client.post("/coordination/periodes/nouvelle", data={**PERIOD, "confirm": "1"})
    assert response.status_code == 400
    assert "chevauche la période" in response.get_data(as_text=True)


def test_edit_period_policy(client, db, factory, coordinator):
    period = factory.period(year=2028)
    audit = count(db, AuditLog)
    response = client.post(
        f"/coordination/periodes/{period.id}/modifier", data={**PERIOD, "policy": "proportional", "unit_price": "200"}
    )
    assert response.status_code == 303
    assert period.policy == "proportional" and period.unit_price_cents == 20000
    assert count(db, AuditLog) == audit + 1


# --- experts -------------------------------------------------------------------------------------


def test_create_expert_with_skills_pattern_and_rate(client, db, factory, coordinator):
    dba = factory.role("dba")
    factory.skill("PostgreSQL")
    expert_user = factory.user(role=UserRole.EXPERT, name="Anne")
    audit = count(db, AuditLog)
    page = client.get("/coordination/experts/nouveau").get_data(as_text=True)
    assert '<datalist id="skill-suggestions">' in page and 'value="PostgreSQL"' in page
    response = client.post(
        "/coordination/experts/nouveau",
        data={
            "display_name": "Anne Le Gall",
            "user_id": str(expert_user.id),
            "roles": [str(dba.id)],
            "skills-0": "postgresql",
            "skills-1": "Sauvegardes",
            "skills-2": "",
            "week": ["mon-am", "mon-pm", "thu-am"],
            "bio": "DBA",
            "day_rate": "650,00",
            "works_remote": "y",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    expert = db.session.scalar(select(Expert).where(Expert.display_name == "Anne Le Gall"))
    assert expert.user_id == expert_user.id
    assert [s.name for s in expert.skills] == ["PostgreSQL", "Sauvegardes"]  # the existing one is reused
    assert expert.week_pattern() == {"mon": ["am", "pm"], "thu": ["am"]}
    assert expert.day_rate_cents == 65000 and expert.works_on_site is False
    assert count(db, AuditLog) == audit + 1


def test_expert_form_refuses_bad_input(client, db, factory, coordinator):
    factory.role("dba")
    experts, audit = count(db, Expert), count(db, AuditLog)
    response = client.post(
        "/coordination/experts/nouveau", data={"display_name": "", "day_rate": "-5", "skills-0": "x" * 61}
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    for message in (
        "Indiquez le nom de l'expert.",
        "Choisissez au moins un rôle.",
        "60 caractères au plus.",
        "Le montant doit être positif",
    ):
        assert message in text
    assert count(db, Expert) == experts and count(db, AuditLog) == audit


def test_deactivating_an_expert_flags_future_bookings(client, db, factory, coordinator):
    _user, expert = factory.expert_user()
    req = factory.request(status="scheduled")
    future = factory.booking(req, expert, date(2099, 3, 1))
    past = factory.booking(req, expert, date(2020, 3, 2))
    bookings, audit = count(db, Booking), count(db, AuditLog)
    response = client.post(f"/coordination/experts/{expert.id}/desactiver", follow_redirects=True)
    assert "Expert désactivé : 1 demi-journée planifiée à replanifier." in response.get_data(as_text=True)
    db.session.refresh(future)
    db.session.refresh(past)
    assert expert.active is False
    assert future.to_reschedule is True and future.status == "planned" and future.sequence == 1
    assert past.to_reschedule is False
    assert count(db, Booking) == bookings  # never deleted
    assert count(db, AuditLog) == audit + 1
    assert "1 demi-journée à replanifier" in client.get("/coordination/experts").get_data(as_text=True)


def test_roles_and_skills_lists(client, db, factory, coordinator):
    audit = count(db, AuditLog)
    response = client.post("/coordination/roles", data={"code": "DBA!", "label": ""})
    assert response.status_code == 400
    assert "Lettres minuscules" in response.get_data(as_text=True)
    assert count(db, AuditLog) == audit
    assert client.post("/coordination/roles", data={"code": "rssi", "label": "RSSI"}).status_code == 303
    role = db.session.scalar(select(Role).where(Role.code == "rssi"))
    assert client.post(f"/coordination/roles/{role.id}", data={"code": "rssi", "label": "Sécurité"}).status_code == 303
    assert role.label == "Sécurité"
    assert client.post("/coordination/competences", data={"name": "Active Directory"}).status_code == 303
    response = client.post("/coordination/competences", data={"name": "active directory"})
    assert response.status_code == 400 and "existe déjà" in response.get_data(as_text=True)
    skill = db.session.scalar(select(Skill).where(Skill.name == "Active Directory"))
    assert client.post(f"/coordination/competences/{skill.id}/supprimer").status_code == 303
    assert count(db, AuditLog) == audit + 4


# --- users ---------------------------------------------------------------------------------------


def test_invite_user_good_and_bad(client, db, factory, coordinator):
    member = factory.member()
    users, audit = count(db, User), count(db, AuditLog)
    response = client.post(
        "/coordination/utilisateurs/inviter",
        data={"email": "pas-un-email", "name": "", "role": "member", "locale": "fr"},
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Adresse e-mail invalide." in text and "Un utilisateur membre doit être rattaché" in text
    response = client.post(
        "/coordination/utilisateurs/inviter",
        data={"email": "x@example.org", "name": "X", "role": "admin", "locale": "fr"},
    )
    assert response.status_code == 400  # a coordinator cannot make an administrator
    assert count(db, User) == users and count(db, AuditLog) == audit
    response = client.post(
        "/coordination/utilisateurs/inviter",
        data={
            "email": "Secretaire@Mairie.fr",
            "name": "Secrétaire",
            "role": "member",
            "member_id": str(member.id),
            "locale": "fr",
        },
    )
    assert response.status_code == 303
    assert count(db, User) == users + 1 and count(db, AuditLog) == audit + 1
    assert db.session.scalar(select(OutboxMail).where(OutboxMail.recipient == "secretaire@mairie.fr"))
    response = client.post(
        "/coordination/utilisateurs/inviter",
        data={"email": "secretaire@mairie.fr", "name": "Bis", "role": "expert", "locale": "fr"},
    )
    assert response.status_code == 400 and "existe déjà" in response.get_data(as_text=True)


def test_change_role_deactivate_and_resend(client, db, factory, coordinator):
    user = factory.user(role=UserRole.EXPERT)
    member = factory.member()
    audit = count(db, AuditLog)
    response = client.post(f"/coordination/utilisateurs/{user.id}", data={"role": "member"})
    assert response.status_code == 400 and "doit être rattaché" in response.get_data(as_text=True)
    token = user.session_token
    response = client.post(
        f"/coordination/utilisateurs/{user.id}", data={"role": "member", "member_id": str(member.id)}
    )
    assert response.status_code == 303
    assert user.role == "member" and user.member_id == member.id and user.session_token != token
    assert client.post(f"/coordination/utilisateurs/{user.id}/reinviter").status_code == 303
    assert user.invited_at is not None
    assert client.post(f"/coordination/utilisateurs/{user.id}/desactiver").status_code == 303
    assert user.active is False
    assert count(db, AuditLog) == audit + 3
    assert client.get(f"/coordination/utilisateurs/{coordinator.id}").status_code == 403  # not oneself
    admin = factory.user(role=UserRole.ADMIN)
    assert client.post(f"/coordination/utilisateurs/{admin.id}", data={"role": "member"}).status_code == 403
    client.post(f"/coordination/utilisateurs/{admin.id}/desactiver")
    assert admin.active is True
    assert count(db, AuditLog) == audit + 3


# --- audit log -----------------------------------------------------------------------------------


def test_audit_log_filters_and_is_read_only(client, app, db, factory, coordinator):
    member = factory.member(name="Trégunc")
    other = factory.member(name="Elliant")
    client.post(f"/coordination/membres/{member.id}/desactiver")
    client.post(f"/coordination/membres/{other.id}/desactiver")
    text = client.get(f"/coordination/journal?member={member.id}").get_data(as_text=True)
    assert "member.deactivate" in text and "Elliant</span>" not in text
    text = client.get("/coordination/journal?action=member.deactivate").get_data(as_text=True)
    assert "2 modifications" in text
    assert client.get("/coordination/journal?request=abc").status_code == 400
    methods = {m for rule in app.url_map.iter_rules() if rule.endpoint == "coordination.audit" for m in rule.methods}
    assert "POST" not in methods and "DELETE" not in methods
