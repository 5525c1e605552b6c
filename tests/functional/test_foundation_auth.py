"""Login, logout, invitations, password reset, profile: the account flows people rely on."""

import re
from datetime import timedelta

import pytest

from expertpool import accounts
from expertpool.models import AuditLog, OutboxMail, User, UserRole
from expertpool.timeutil import now_utc

PASSWORD = "un mot de passe solide"


@pytest.fixture
def mayor(factory):
    return factory.user(email="maire@plouzane.fr", name="Marie Le Gall", password=PASSWORD)


def _login_form(client, email, password, **extra):
    return client.post("/compte/connexion", data={"email": email, "password": password, **extra})


def test_login_then_home_then_logout(client, mayor):
    response = _login_form(client, "MAIRE@plouzane.fr ", PASSWORD)
    assert response.status_code == 302
    assert client.get("/notifications").status_code == 200
    response = client.post("/compte/deconnexion")
    assert response.status_code == 302
    assert client.get("/notifications").status_code == 302  # back to the login page


def test_wrong_password_and_unknown_email_answer_the_same(client, mayor):
    wrong = _login_form(client, "maire@plouzane.fr", "pas le bon mot de passe")
    unknown = _login_form(client, "personne@plouzane.fr", "pas le bon mot de passe")
    assert wrong.status_code == unknown.status_code == 400
    message = "Adresse e-mail ou mot de passe incorrect."
    assert message in wrong.text and message in unknown.text
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731 - the echoed email differs
    assert strip(wrong.text) == strip(unknown.text)


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("", "", "Indiquez votre adresse e-mail."),
        ("maire@plouzane.fr", "", "Indiquez votre mot de passe."),
        ("a" * 5000 + "@x.fr", "x", "Adresse trop longue"),
        ("maire@plouzane.fr", "x" * 100_000, "Mot de passe trop long"),
    ],
)
def test_bad_login_forms_re_render_in_french(client, email, password, message):
    response = _login_form(client, email, password)
    assert response.status_code == 400
    assert message in response.text


def test_login_next_is_relative_only(client, mayor):
    response = _login_form(client, "maire@plouzane.fr", PASSWORD, next="https://evil.example/")
    assert response.headers["Location"].endswith("/")
    client.post("/compte/deconnexion")
    response = _login_form(client, "maire@plouzane.fr", PASSWORD, next="/notifications")
    assert response.headers["Location"].endswith("/notifications")


def test_logout_ends_the_other_sessions(app, client, mayor):
    _login_form(client, "maire@plouzane.fr", PASSWORD)
    other = app.test_client()
    _login_form(other, "maire@plouzane.fr", PASSWORD)
    assert other.get("/notifications").status_code == 200
    client.post("/compte/deconnexion")
    assert other.get("/notifications").status_code == 302


def test_password_change_ends_other_sessions_and_keeps_this_one(app, client, mayor):
    _login_form(client, "maire@plouzane.fr", PASSWORD)
    other = app.test_client()
    _login_form(other, "maire@plouzane.fr", PASSWORD)
    response = client.post(
        "/compte/profil",
        data={
            "password-current": PASSWORD,
            "password-password": "nouveau mot de passe 2027",
            "password-confirm": "nouveau mot de passe 2027",
        },
    )
    assert response.status_code == 302
    assert client.get("/compte/profil").status_code == 200
    assert other.get("/compte/profil").status_code == 302


def test_invitation_link_sets_a_password_once(db, client, factory):
    coordinator = factory.user(role=UserRole.COORDINATOR)
    member = factory.member()
    with client.application.test_request_context():
        user = accounts.invite_user(
            email="secretaire@milizac.fr",
            name="Anne",
            role=UserRole.MEMBER,
            member_id=member.id,
            actor=coordinator,
            now=now_utc(),
        )
    mail = db.session.query(OutboxMail).filter_by(recipient="secretaire@milizac.fr").one()
    link = re.search(r"/compte/invitation/\S+", mail.body).group(0)
    assert client.get(link).status_code == 200
    short = client.post(link, data={"password": "court", "confirm": "court"})
    assert short.status_code == 400 and "12 à 200 caractères" in short.text
    response = client.post(link, data={"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    assert db.session.get(User, user.id).has_password
    assert db.session.query(AuditLog).filter_by(action="user.accept_invitation", entity_id=user.id).count() == 1
    # Used once: the token was bound to the session token, which rotated.
    assert client.get(link).status_code == 400
    assert _login_form(client, "secretaire@milizac.fr", PASSWORD).status_code == 302


def test_expired_and_tampered_links_are_refused(app, client, mayor):
    with app.test_request_context():
        token = accounts.make_link_token(mayor, "reset")
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.get(f"/compte/reinitialiser/{tampered}")
    assert response.status_code == 400 and "pas valide ou a déjà servi" in response.text
    # An invitation token is not a reset token.
    assert client.get(f"/compte/invitation/{token}").status_code == 400
    app.config["RESET_MAX_AGE"] = timedelta(seconds=-1)
    try:
        response = client.get(f"/compte/reinitialiser/{token}")
    finally:
        app.config["RESET_MAX_AGE"] = timedelta(hours=2)
    assert response.status_code == 400 and "expiré" in response.text


def test_password_reset_flow_same_answer_for_unknown_email(db, client, mayor):
    known = client.post("/compte/mot-de-passe-oublie", data={"email": "maire@plouzane.fr"}, follow_redirects=True)
    unknown = client.post("/compte/mot-de-passe-oublie", data={"email": "inconnu@plouzane.fr"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert "Si un compte existe" in known.text and "Si un compte existe" in unknown.text
    mails = db.session.query(OutboxMail).filter_by(recipient="maire@plouzane.fr").all()
    assert len(mails) == 1
    link = re.search(r"/compte/reinitialiser/\S+", mails[0].body).group(0)
    new_password = {"password": "encore un autre mot", "confirm": "encore un autre mot"}
    assert client.post(link, data=new_password).status_code == 302
    assert _login_form(client, "maire@plouzane.fr", "encore un autre mot").status_code == 302


def test_profile_changes_name_and_language(client, login, mayor):
    login(mayor)
    response = client.post("/compte/profil", data={"profile-name": "Marie L.", "profile-locale": "en"})
    assert response.status_code == 302
    assert mayor.name == "Marie L." and mayor.locale == "en"
    assert 'lang="en"' in client.get("/compte/profil").text
    bad = client.post("/compte/profil", data={"profile-name": "", "profile-locale": "xx"})
    assert bad.status_code == 400


def test_inactive_user_cannot_log_in(client, mayor, db):
    mayor.active = False
    db.session.flush()
    assert _login_form(client, "maire@plouzane.fr", PASSWORD).status_code == 400


def test_language_link_switches_the_session_without_writing(client, login, mayor, db):
    login(mayor)
    response = client.get("/langue/en?next=/compte/profil")
    assert response.status_code == 302 and response.headers["Location"].endswith("/compte/profil")
    assert 'lang="en"' in client.get("/compte/profil").text
    db.session.refresh(mayor)
    assert mayor.locale == "fr"  # mails keep the language saved on the profile
    assert client.get("/langue/xx").status_code == 404


@pytest.mark.parametrize(
    ("lang", "message", "not_shown"),
    [
        ("fr", "Connectez-vous pour accéder à cette page.", "Please log in"),
        ("en", "Log in to access this page.", "Connectez-vous pour accéder"),
    ],
)
def test_a_deep_link_asks_to_log_in_in_the_readers_language(client, lang, message, not_shown):
    """Every mail link is a deep link: the sign-in page it lands on speaks the reader's language."""
    client.get(f"/?lang={lang}")
    response = client.get("/demandes/1", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.request.path == "/compte/connexion"
    assert message in text
    assert not_shown not in text
