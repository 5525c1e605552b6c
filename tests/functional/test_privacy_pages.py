"""The personal-data pages: a person downloads their data and (a member user) erases it; the staff do
the same for a person who asks, and see why an erasure is refused."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from privacy_support import GWEN_EMAIL, GWEN_NAME, build_people
from sqlalchemy import select

from expertpool.models import AuditLog, User
from expertpool.timeutil import today_paris


@pytest.fixture
def people(factory):
    return build_people(factory)


def _zip_json(response) -> dict:
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    return json.loads(archive.read("donnees.json"))


def test_a_member_user_downloads_their_data_from_the_profile(client, login, people):
    login(people.gwen)
    profile = client.get("/compte/profil").text
    assert "/compte/mes-donnees" in profile
    page = client.get("/compte/mes-donnees")
    assert page.status_code == 200 and "Télécharger mes données (ZIP)" in page.text
    document = _zip_json(client.post("/compte/mes-donnees/export"))
    assert document["user_id"] == people.gwen.id
    assert document["data"]["account"][0]["email"] == GWEN_EMAIL


def test_a_member_user_erases_their_data_after_confirming(client, db, login, people):
    login(people.gwen)
    refused = client.post("/compte/mes-donnees/effacer", data={})
    assert refused.status_code == 400 and "Cochez la case pour confirmer" in refused.text
    assert db.session.get(User, people.gwen.id).name == GWEN_NAME
    response = client.post("/compte/mes-donnees/effacer", data={"confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    gwen = db.session.get(User, people.gwen.id)
    assert gwen.anonymised_at is not None and gwen.email != GWEN_EMAIL
    # Logged out, and the session is not coming back.
    assert client.get("/compte/profil").status_code == 302
    assert db.session.scalars(select(AuditLog.actor_id).where(AuditLog.action == "user.anonymise")).one() == gwen.id


def test_staff_export_a_persons_data_and_it_is_audited(client, db, login, people):
    login(people.coordinator)
    page = client.get(f"/coordination/utilisateurs/{people.soizic.id}/donnees")
    assert page.status_code == 200 and "Anonymiser cet utilisateur" in page.text
    document = _zip_json(client.post(f"/coordination/utilisateurs/{people.soizic.id}/donnees/export"))
    assert len(document["data"]["agenda"]) == 5
    row = db.session.scalars(select(AuditLog).where(AuditLog.action == "user.export_data")).one()
    assert (row.actor_id, row.entity_id) == (people.coordinator.id, people.soizic.id)


def test_an_expert_with_future_half_days_cannot_leave_yet_and_they_are_listed(client, db, factory, login, people):
    day = today_paris() + timedelta(days=3)
    factory.booking(people.requests["yann"], people.soizic_expert, day, "pm")
    login(people.coordinator)
    page = client.get(f"/coordination/utilisateurs/{people.soizic.id}/donnees")
    assert "1 demi-journée planifiée" in page.text and "Anonymiser cet utilisateur" not in page.text
    assert "Pare-feu" in page.text and "/planification/" in page.text
    response = client.post(f"/coordination/utilisateurs/{people.soizic.id}/donnees/anonymiser", data={"confirm": "y"})
    assert response.status_code == 409 and "déplacez-la ou annulez-la" in response.text
    assert db.session.get(User, people.soizic.id).anonymised_at is None


def test_an_erased_experts_calendar_feed_is_refused(client, db, login, people):
    assert client.get("/feeds/experts/feed-soizic-0123456789.ics").status_code == 200
    login(people.coordinator)
    response = client.post(f"/coordination/utilisateurs/{people.soizic.id}/donnees/anonymiser", data={"confirm": "y"})
    assert response.status_code == 303
    assert client.get("/feeds/experts/feed-soizic-0123456789.ics").status_code == 404


def test_a_coordinator_cannot_erase_an_admin_nor_staff_themselves(client, login, people):
    login(people.coordinator)
    url = f"/coordination/utilisateurs/{people.admin.id}/donnees"
    assert client.post(url + "/anonymiser", data={"confirm": "y"}).status_code == 403
    assert "Vous ne pouvez pas effacer ce compte" in client.get(url).text
    own = f"/coordination/utilisateurs/{people.coordinator.id}/donnees/anonymiser"
    assert client.post(own, data={"confirm": "y"}).status_code == 403


def test_an_anonymised_account_cannot_be_reactivated(client, db, login, people):
    login(people.coordinator)
    client.post(f"/coordination/utilisateurs/{people.gwen.id}/donnees/anonymiser", data={"confirm": "y"})
    response = client.post(f"/coordination/utilisateurs/{people.gwen.id}/reactiver", follow_redirects=True)
    assert "il ne peut pas être réactivé" in response.text
    assert db.session.get(User, people.gwen.id).active is False
