"""The low-severity findings of the second attack: a cancelled expert's report, feeds that outlive accounts,
a CSV of a million columns, guessable passwords, live links in the outbox, a short SECRET_KEY."""

import re
import time

import pytest
from sqlalchemy import func
from trust.routes import client_as
from trust.world import MONDAY

from expertpool.config import ConfigError, from_environment
from expertpool.models import AuditLog, BookingStatus, Expert, InterventionRequest, Member, OutboxMail, User

# --- an expert whose booking was cancelled ---------------------------------------------------------


def test_an_expert_whose_booking_was_cancelled_no_longer_reads_nor_writes_the_report(app, db, factory, world):
    member = db.session.get(Member, world.ids["member"])
    expert_y = db.session.get(Expert, world.users["expert_y"].expert.id)
    req = factory.request(member, title="Annulée pour Y", report="Rapport du membre A")
    factory.booking(req, expert_y, MONDAY, "am", status=BookingStatus.CANCELLED)
    db.session.commit()
    expert = client_as(app, world, "expert_y")
    assert expert.get(f"/agenda/demandes/{req.id}/rapport").status_code == 404
    assert expert.post(f"/agenda/demandes/{req.id}/rapport", data={"report": "écrasé"}).status_code == 404
    assert expert.get(f"/feeds/demandes/{req.id}.ics").status_code == 404
    db.session.expire_all()
    assert db.session.get(InterventionRequest, req.id).report == "Rapport du membre A"
    # The expert who still holds half-days of a request keeps it.
    assert (
        client_as(app, world, "expert_x").get(f"/agenda/demandes/{world.ids['scheduled']}/rapport").status_code == 200
    )


# --- calendar feeds and deactivated accounts ---------------------------------------------------------


def test_an_experts_feed_dies_with_the_experts_account(app, db, world):
    url = f"/feeds/experts/{world.ids['expert_feed_token']}.ics"
    anonymous = app.test_client()
    assert anonymous.get(url).status_code == 200
    db.session.get(User, world.ids["user_ids"]["expert_x"]).active = False
    db.session.commit()
    assert anonymous.get(url).status_code == 404


def test_deactivating_a_user_revokes_the_expert_feed_and_rotates_the_structures_feed(app, db, world):
    anonymous = app.test_client()
    coordinator = client_as(app, world, "coordinator")
    member_url = f"/feeds/membres/{world.ids['member_feed_token']}.ics"
    assert anonymous.get(member_url).status_code == 200
    assert (
        coordinator.post(f"/coordination/utilisateurs/{world.ids['user_ids']['member_a']}/desactiver").status_code
        == 303
    )
    assert anonymous.get(member_url).status_code == 404
    db.session.expire_all()
    new_token = db.session.get(Member, world.ids["member"]).feed_token
    assert new_token and new_token != world.ids["member_feed_token"]
    assert anonymous.get(f"/feeds/membres/{new_token}.ics").status_code == 200
    assert (
        coordinator.post(f"/coordination/utilisateurs/{world.ids['user_ids']['expert_x']}/desactiver").status_code
        == 303
    )
    db.session.expire_all()
    assert db.session.get(Expert, world.ids["expert"]).feed_token is None
    actions = [a.action for a in db.session.query(AuditLog).filter(AuditLog.action.like("feed_token.%"))]
    assert sorted(actions) == ["feed_token.regenerate", "feed_token.revoke"]


def test_a_coordinator_revokes_any_feed_from_the_coordination_pages(app, db, world):
    anonymous = app.test_client()
    coordinator = client_as(app, world, "coordinator")
    member_page = coordinator.get(f"/coordination/membres/{world.ids['member']}").get_data(as_text=True)
    revoke_member = f"/coordination/membres/{world.ids['member']}/calendrier/revoquer"
    assert f'action="{revoke_member}"' in member_page
    expert_page = coordinator.get(f"/coordination/experts/{world.ids['expert']}/modifier").get_data(as_text=True)
    revoke_expert = f"/coordination/experts/{world.ids['expert']}/calendrier/revoquer"
    assert f'action="{revoke_expert}"' in expert_page
    for revoke, feed in (
        (revoke_member, f"/feeds/membres/{world.ids['member_feed_token']}.ics"),
        (revoke_expert, f"/feeds/experts/{world.ids['expert_feed_token']}.ics"),
    ):
        response = coordinator.post(revoke, follow_redirects=True)
        assert "Abonnement au calendrier révoqué" in response.get_data(as_text=True)
        assert anonymous.get(feed).status_code == 404
    db.session.expire_all()
    assert db.session.query(AuditLog).filter_by(action="feed_token.revoke").count() == 2
    # Nothing left to revoke: no button, no second audit row.
    assert f'action="{revoke_member}"' not in coordinator.get(f"/coordination/membres/{world.ids['member']}").text
    coordinator.post(revoke_member)
    assert db.session.query(AuditLog).filter_by(action="feed_token.revoke").count() == 2


# --- a CSV import of a million empty columns ----------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b";" * 1_000_000,
        b"Nom;Code INSEE\r\n" + b";" * 1_000_000 + b"\r\n",
        b"Nom;Code INSEE\r\nBrest;29019" + b";" * 1_000_000 + b"\r\n",
    ],
    ids=["header", "empty-row", "row"],
)
def test_a_csv_with_a_million_columns_is_refused_fast_in_french(app, db, world, content):
    coordinator = client_as(app, world, "coordinator")
    # Encoded by hand: the test client would spool a body this large to a temporary file.
    multipart = (
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="membres.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + content + b"\r\n--B--\r\n"
    )
    started = time.perf_counter()
    response = coordinator.post(
        "/coordination/membres/import", data=multipart, content_type="multipart/form-data; boundary=B"
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 400
    assert "Trop de colonnes (100 au plus) : vérifiez le séparateur du fichier." in response.get_data(as_text=True)
    assert elapsed < 3, f"{elapsed:.1f} s"


# --- passwords ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("abababab12", "Le mot de passe doit compter de 12 à 200 caractères."),
        ("Azerty1!", "Le mot de passe doit compter de 12 à 200 caractères."),
        ("abababababab", "Mot de passe trop facile à deviner"),
        ("azertyuiop123", "Mot de passe trop facile à deviner"),
        ("motdepasse2026", "Mot de passe trop facile à deviner"),
        ("123456789012", "Mot de passe trop facile à deviner"),
        ("            ", "Choisissez un mot de passe."),
    ],
)
def test_a_guessable_password_is_refused_in_french(app, db, world, password, message):
    client = app.test_client()
    link = f"/compte/reinitialiser/{world.ids['reset_token']}"
    response = client.post(link, data={"password": password, "confirm": password})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(User, world.ids["user_ids"]["member_b"]).has_password


def test_a_long_unpredictable_password_is_accepted(app, db, world):
    link = f"/compte/reinitialiser/{world.ids['reset_token']}"
    password = "Kerhuon brume 2027 vélo"
    response = app.test_client().post(link, data={"password": password, "confirm": password})
    assert response.status_code == 302


# --- the admin's outbox outside development ----------------------------------------------------------


@pytest.mark.parametrize(("env", "shown"), [("production", False), ("testing", False), ("development", True)])
def test_the_outbox_masks_invitation_and_reset_links_outside_development(app, db, world, monkeypatch, env, shown):
    from expertpool.accounts import send_invitation
    from expertpool.auth.services import send_password_reset

    already = db.session.query(func.max(OutboxMail.id)).scalar() or 0
    with app.test_request_context():
        send_invitation(db.session.get(User, world.ids["invited_user"]), now=world.users["admin"].created_at)
        send_password_reset(
            db.session.get(User, world.ids["user_ids"]["member_b"]), now=world.users["admin"].created_at
        )
    db.session.commit()
    sent_here = db.session.query(OutboxMail).filter(OutboxMail.id > already)  # the world holds other mails
    links = [re.search(r"http://localhost/compte/\S+", m.body).group(0) for m in sent_here]
    assert len(links) == 2
    monkeypatch.setitem(app.config, "EXPERTPOOL_ENV", env)
    html = client_as(app, world, "admin").get("/admin/courriels").get_data(as_text=True)
    for link in links:
        assert (link in html) is shown, link
    if not shown:
        assert html.count("[lien masqué]") == 2
        assert "http://localhost/compte/invitation/[lien masqué]" in html
        assert "http://localhost/compte/reinitialiser/[lien masqué]" in html


# --- SECRET_KEY --------------------------------------------------------------------------------------


def test_a_short_secret_key_is_refused_in_production(tmp_path):
    with pytest.raises(ConfigError, match=r"SECRET_KEY is too short \(1 bytes\): use 32 bytes at least"):
        from_environment(str(tmp_path), env={"SECRET_KEY": "x"})
    with pytest.raises(ConfigError, match="too short"):
        from_environment(str(tmp_path), env={"EXPERTPOOL_SECRET_KEY": "s" * 31})
    assert from_environment(str(tmp_path), env={"SECRET_KEY": "s" * 32})["SECRET_KEY"] == "s" * 32
    # Development keeps its generated key (long) and whatever a developer sets.
    assert from_environment(str(tmp_path), env={"EXPERTPOOL_ENV": "development", "SECRET_KEY": "x"})


def test_the_command_line_refuses_a_guessable_password_too(app, db):
    runner = app.test_cli_runner()
    args = ["create-user", "--email", "admin2@example.org", "--name", "Admin", "--role", "admin", "--password"]
    weak = runner.invoke(args=[*args, "abababab12"])
    assert weak.exit_code != 0 and "password too weak: 12 characters at least" in weak.output
    assert db.session.query(User).filter_by(email="admin2@example.org").count() == 0


def test_a_user_moved_out_of_a_structure_no_longer_holds_its_feed(app, db, world):
    coordinator = client_as(app, world, "coordinator")
    user_id = world.ids["user_ids"]["member_a"]
    response = coordinator.post(f"/coordination/utilisateurs/{user_id}", data={"role": "expert", "member_id": ""})
    assert response.status_code == 303
    assert app.test_client().get(f"/feeds/membres/{world.ids['member_feed_token']}.ics").status_code == 404
    db.session.expire_all()
    assert db.session.get(Member, world.ids["member"]).feed_token not in (None, world.ids["member_feed_token"])
