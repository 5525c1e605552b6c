"""Sign-in through a real OpenID provider (tests/oidc_provider, run by Node): the whole redirect flow with
the Flask client on the app's side and HTTP to the provider, the linking rules, and every refusal."""

import socket
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from factories import KNOWN_PASSWORD
from notes import note_text
from oidc_support import JSON_USERINFO_CLIENT, ProviderBrowser, start_provider, stop_provider
from sqlalchemy import func, select

from expertpool.accounts import LinkError, make_link_token, user_from_link_token
from expertpool.models import (
    AuditLog,
    JoinRequest,
    JoinRequestStatus,
    LoginFailure,
    Notification,
    OutboxMail,
    ProviderIdentity,
    User,
    UserRole,
)

pytest_plugins = ["oidc_fixtures"]

SIRET_A = "21290001300013"  # SIREN 212900013 + establishment 00013 (Luhn-valid)


def table_counts(db) -> dict:
    """What a refused sign-in must leave untouched."""
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (User, ProviderIdentity, JoinRequest, AuditLog, Notification, OutboxMail)
    }


def failures(db) -> int:
    return db.session.scalar(select(func.count(LoginFailure.id)))


def signed_in_as(client) -> str:
    page = client.get("/compte/profil")
    return page.get_data(as_text=True) if page.status_code == 200 else ""


@pytest.fixture
def browser_for(client):
    """browser_for(client=None) -> a ProviderBrowser (its HTTP session closed after the test)."""
    made = []

    def _make(other_client=None):
        made.append(ProviderBrowser(other_client or client))
        return made[-1]

    yield _make
    for browser in made:
        browser.http.close()


@pytest.fixture
def agent(provider, factory, db):
    """A member user with a password, and the same person at the provider (email verified)."""
    user = factory.user(email="agent@commune.fr", name="Ana Agent", password=KNOWN_PASSWORD)
    db.session.commit()
    provider.add_user("agent", email="Agent@Commune.fr", email_verified=True, given_name="Ana", usual_name="Agent")
    return user


# --- the login page -----------------------------------------------------------------------------


def test_without_an_issuer_the_login_page_is_as_before(client):
    html = client.get("/compte/connexion").get_data(as_text=True)
    assert "ProConnect" not in html and "/compte/oidc/connexion" not in html
    assert client.get("/compte/oidc/connexion").status_code == 404
    assert client.get("/compte/oidc/retour?code=x&state=y").status_code == 404


def test_the_button_is_above_the_password_form(provider, configure_oidc, client):
    configure_oidc(provider)
    html = client.get("/compte/connexion?next=/compte/profil").get_data(as_text=True)
    button = html.index("S&#39;identifier avec ProConnect")
    assert button < html.index('name="password"')
    assert 'href="/compte/oidc/connexion?next=/compte/profil"' in html
    assert "/static/img/provider-signin.svg" in html and 'alt=""' in html


def test_the_button_text_comes_from_the_configuration(provider, configure_oidc, client):
    configure_oidc(provider, OIDC_LABEL="Se connecter avec le Keycloak du pool")
    assert "Se connecter avec le Keycloak du pool" in client.get("/compte/connexion").get_data(as_text=True)


def test_the_authorization_request_uses_pkce_state_and_nonce(provider, configure_oidc, client):
    configure_oidc(provider)
    response = client.get("/compte/oidc/connexion")
    assert response.status_code == 302
    url = urlsplit(response.headers["Location"])
    params = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}" == provider.issuer and url.path == "/auth"
    assert params["response_type"] == "code" and params["client_id"] == "expertpool"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert params["state"] and params["nonce"]
    assert params["scope"] == "openid email given_name usual_name siret uid"
    assert params["redirect_uri"] == "http://localhost/compte/oidc/retour"


def test_discovery_is_fetched_when_first_needed_and_kept(configure_oidc, client, app):
    own = start_provider()  # a provider of this test's own, stopped halfway
    try:
        configure_oidc(own)
        assert client.get("/compte/connexion").status_code == 200
        assert "expertpool_oidc" not in app.extensions  # the login page never asks the provider
        assert client.get("/compte/oidc/connexion").status_code == 302
    finally:
        stop_provider(own)
    # The provider is gone, the document is kept: the redirect is still built (no new request).
    again = client.get("/compte/oidc/connexion")
    assert again.status_code == 302 and again.headers["Location"].startswith(own.issuer + "/auth?")


# --- linking ------------------------------------------------------------------------------------


@pytest.mark.parametrize("client_id", ["expertpool", JSON_USERINFO_CLIENT], ids=["signed-userinfo", "json-userinfo"])
def test_first_sign_in_links_the_account_with_the_verified_email(
    provider, configure_oidc, client, agent, db, browser_for, client_id
):
    configure_oidc(provider, client_id=client_id)
    response = browser_for().sign_in("agent", next_url="/compte/profil")
    assert response.status_code == 302 and response.headers["Location"] == "/compte/profil"
    profile = client.get("/compte/profil").get_data(as_text=True)
    assert "Votre compte est désormais lié à cette identité" in profile
    assert "agent@commune.fr, chez " + provider.issuer in profile  # the profile lists the linked identity
    identity = db.session.scalar(select(ProviderIdentity))
    assert (identity.user_id, identity.issuer, identity.subject) == (agent.id, provider.issuer, "agent")
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.link_identity"))
    assert audit.actor_id == agent.id and audit.after["subject"] == "agent"
    assert db.session.get(User, agent.id).last_login_at is not None


def test_a_linked_identity_signs_in_again_without_a_new_link(provider, configure_oidc, client, agent, db, browser_for):
    configure_oidc(provider)
    browser_for().sign_in("agent")
    client.post("/compte/deconnexion")
    first_use = db.session.scalar(select(ProviderIdentity.last_used))
    response = browser_for().sign_in("agent")
    assert response.status_code == 302
    assert "Ana Agent" in signed_in_as(client)
    assert db.session.scalar(select(func.count(ProviderIdentity.id))) == 1
    assert db.session.scalar(select(ProviderIdentity.last_used)) >= first_use
    assert "désormais lié" not in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_proconnect_sends_no_email_verified_and_its_issuer_is_trusted(provider, configure_oidc, client, factory, db,
                                                                        browser_for):  # fmt: skip
    configure_oidc(provider)  # the provider's issuer is in OIDC_TRUSTED_EMAIL_ISSUERS
    user = factory.user(email="secretaire@mairie.fr", password=KNOWN_PASSWORD)
    db.session.commit()
    provider.add_user("pc", email="secretaire@mairie.fr", given_name="Sam", usual_name="Secrétaire", siret=SIRET_A)
    assert browser_for().sign_in("pc").status_code == 302
    assert db.session.scalar(select(ProviderIdentity.user_id)) == user.id


def test_an_invited_user_accepts_the_invitation_through_the_provider(provider, configure_oidc, client, factory, db,
                                                                      browser_for):  # fmt: skip
    configure_oidc(provider)
    invited = factory.user(email="nouvelle.agente@mairie.fr", name="Nouvelle")  # no password yet
    invite_token = make_link_token(invited, "invite")
    db.session.commit()
    provider.add_user("new", email="Nouvelle.Agente@MAIRIE.fr", email_verified=True)
    assert browser_for().sign_in("new").status_code == 302
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Bienvenue ! Votre invitation est acceptée" in home
    assert db.session.scalar(select(ProviderIdentity.user_id)) == invited.id
    actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"user.link_identity", "user.accept_invitation_provider"} <= actions
    # The invitation link is used up, as after choosing a password.
    with pytest.raises(LinkError, match="invalid"):
        user_from_link_token(invite_token, "invite", client.application.config["INVITATION_MAX_AGE"])


# --- unknown people -----------------------------------------------------------------------------


def test_an_unknown_person_without_a_member_siret_gets_a_page_and_no_account(provider, configure_oidc, client, db,
                                                                              browser_for):  # fmt: skip
    configure_oidc(provider)
    provider.add_user("stranger", email="inconnu@ailleurs.fr", email_verified=True, siret="35600000000048")
    before, failed = table_counts(db), failures(db)
    response = browser_for().sign_in("stranger")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Aucun compte pour cette identité" in html and "inconnu@ailleurs.fr" in html
    assert "demandez à l'un de ses utilisateurs de vous inviter" in unescape(html)
    assert table_counts(db) == before and failures(db) == failed + 1
    assert signed_in_as(client) == ""


def test_an_unknown_agent_of_a_member_asks_to_join_and_a_member_user_approves(
    provider, configure_oidc, client, factory, db, browser_for, app
):
    configure_oidc(provider)
    member = factory.member("Commune A", siren=SIRET_A[:9])
    colleague = factory.user(member=member, email="maire@commune-a.fr", name="Maire A")
    other_member_user = factory.user(email="maire@commune-b.fr")
    db.session.commit()
    provider.add_user(
        "newcomer", email="agent.a@commune-a.fr", email_verified=True, given_name="Léa", usual_name="Neuve",
        siret=SIRET_A,
    )  # fmt: skip
    before = table_counts(db)
    response = browser_for().sign_in("newcomer")
    assert response.status_code == 302 and response.headers["Location"] == "/compte/oidc/adhesion"
    page = client.get("/compte/oidc/adhesion").get_data(as_text=True)
    assert "Rejoindre Commune A" in page and SIRET_A in page
    assert table_counts(db) == before  # nothing written before the person asks
    sent = client.post("/compte/oidc/adhesion")
    assert "Votre demande pour rejoindre Commune A est envoyée" in sent.get_data(as_text=True)
    join = db.session.scalar(select(JoinRequest))
    assert (join.member_id, join.email, join.name, join.status) == (
        member.id, "agent.a@commune-a.fr", "Léa Neuve", JoinRequestStatus.PENDING,
    )  # fmt: skip
    assert db.session.scalar(select(func.count(User.id))) == before["User"]  # no account yet
    note = db.session.scalar(select(Notification).where(Notification.user_id == colleague.id))
    assert note_text(note) == "Léa Neuve (agent.a@commune-a.fr) demande à rejoindre Commune A."
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.recipient == colleague.email))
    assert mail.subject == "Demande d'accès à votre espace"
    assert mail.body == (
        f"Bonjour {colleague.name},\n\n{note_text(note)}\n\n"
        "Pour voir le détail : http://localhost/compte/oidc/demandes\n\n"
        "Ce message vous est envoyé automatiquement : n'y répondez pas.\n"
    )

    # Another member's user cannot see or decide it.
    with app.test_client() as other:
        with other.session_transaction() as session:
            session["_user_id"] = other_member_user.get_id()
        assert "agent.a@commune-a.fr" not in other.get("/compte/oidc/demandes").get_data(as_text=True)
        assert other.post(f"/compte/oidc/demandes/{join.id}/accepter").status_code == 404

    with app.test_client() as mayor:
        with mayor.session_transaction() as session:
            session["_user_id"] = colleague.get_id()
        queue = mayor.get("/compte/oidc/demandes").get_data(as_text=True)
        assert "agent.a@commune-a.fr" in queue and SIRET_A in queue
        assert mayor.post(f"/compte/oidc/demandes/{join.id}/accepter").status_code == 302
    db.session.expire_all()
    created = db.session.scalar(select(User).where(User.email == "agent.a@commune-a.fr"))
    assert (created.role, created.member_id, created.name, created.has_password) == (
        UserRole.MEMBER, member.id, "Léa Neuve", False,
    )  # fmt: skip
    assert db.session.get(JoinRequest, join.id).status == JoinRequestStatus.APPROVED
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.join_approve"))
    assert audit.actor_id == colleague.id and audit.after["user_id"] == created.id
    welcome = db.session.scalar(select(OutboxMail).where(OutboxMail.recipient == "agent.a@commune-a.fr"))
    assert welcome.subject == "Votre accès est ouvert"
    assert welcome.body == (
        "Bonjour Léa Neuve,\n\nVotre demande d'accès à l'espace de Commune A est acceptée. Connectez-vous "
        "avec le même compte qu'à votre demande :\nhttp://localhost/compte/connexion\n"
    )
    # The newcomer now signs in through the provider.
    with app.test_client() as newcomer:
        assert browser_for(newcomer).sign_in("newcomer").status_code == 302
        assert "Léa Neuve" in signed_in_as(newcomer)


def test_a_coordinator_approves_when_the_member_has_no_user(provider, configure_oidc, client, factory, db,
                                                             browser_for, app):  # fmt: skip
    configure_oidc(provider)
    member = factory.member("Syndicat sans utilisateur", siren=SIRET_A[:9])
    coordinator = factory.user(UserRole.COORDINATOR, email="coord@pool.fr")
    db.session.commit()
    provider.add_user("lone", email="lone@syndicat.fr", email_verified=True, siret=SIRET_A)
    browser_for().sign_in("lone")
    page = unescape(client.get("/compte/oidc/adhesion").get_data(as_text=True))
    assert "n'a pas encore d'utilisateur, la coordination du pool l'acceptera" in page
    client.post("/compte/oidc/adhesion")
    join = db.session.scalar(select(JoinRequest))
    staff_note = db.session.scalar(select(Notification).where(Notification.user_id == coordinator.id))
    assert note_text(staff_note) == "lone@syndicat.fr (lone@syndicat.fr) demande à rejoindre Syndicat sans utilisateur."
    # The staff are told in the app only: their mails stay for what needs them.
    assert db.session.scalar(select(OutboxMail).where(OutboxMail.recipient == coordinator.email)) is None
    with app.test_client() as coord:
        with coord.session_transaction() as session:
            session["_user_id"] = coordinator.get_id()
        assert coord.post(f"/compte/oidc/demandes/{join.id}/refuser").status_code == 302
    db.session.expire_all()
    assert db.session.get(JoinRequest, join.id).status == JoinRequestStatus.REFUSED
    assert db.session.scalar(select(AuditLog.actor_id).where(AuditLog.action == "user.join_refuse")) == coordinator.id
    assert db.session.scalar(select(func.count(User.id)).where(User.member_id == member.id)) == 0


# --- refusals: a French message, nothing written but the throttle's count ------------------------


def _assert_refused(response, db, before, failed, text):
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[:600]
    assert text in html and "Se connecter avec un mot de passe" in html
    assert table_counts(db) == before
    assert failures(db) == failed + 1


@pytest.mark.parametrize(
    "tampering",
    [
        {"iss": "http://127.0.0.1:9/un-autre-fournisseur"},
        {"aud": "une-autre-application"},
        {"nonce": "pas-le-bon-nonce"},
        {"exp_offset": -7200},
        {"foreign_key": True},
    ],
    ids=["other-issuer", "other-audience", "wrong-nonce", "expired", "foreign-signature"],
)
def test_an_id_token_that_is_not_for_us_is_refused(provider, configure_oidc, client, agent, db, browser_for,
                                                   tampering):  # fmt: skip
    configure_oidc(provider)
    provider.tamper(**tampering)
    before, failed = table_counts(db), failures(db)
    response = browser_for().sign_in("agent")
    _assert_refused(response, db, before, failed, "La réponse du fournisseur d&#39;identité n&#39;est pas valide.")
    assert signed_in_as(client) == ""


def test_a_tampered_state_is_refused(provider, configure_oidc, client, agent, db, browser_for):
    configure_oidc(provider)
    browser = browser_for()
    client.get("/compte/oidc/connexion")
    start = client.get("/compte/oidc/connexion")
    browser.at_provider(start.headers["Location"], "agent")
    url = urlsplit(browser.callback_url)
    state = parse_qs(url.query)["state"][0]
    before, failed = table_counts(db), failures(db)
    response = browser.back_to_app(browser.callback_url.replace(state, state[:-2] + "xy"))
    _assert_refused(response, db, before, failed, "Cette demande de connexion n&#39;est pas valide ou a déjà servi.")
    assert signed_in_as(client) == ""


def test_a_replayed_state_is_refused(provider, configure_oidc, client, agent, db, browser_for, app):
    configure_oidc(provider)
    browser = browser_for()
    assert browser.sign_in("agent").status_code == 302
    client.post("/compte/deconnexion")
    before, failed = table_counts(db), failures(db)
    # The same answer again, in the same browser and in another one.
    _assert_refused(
        browser.back_to_app(), db, before, failed, "Cette demande de connexion n&#39;est pas valide ou a déjà servi."
    )
    with app.test_client() as elsewhere:
        response = browser_for(elsewhere).back_to_app(browser.callback_url)
        _assert_refused(response, db, before, failed + 1, "n&#39;est pas valide ou a déjà servi")
        assert signed_in_as(elsewhere) == ""


def test_email_verified_false_is_refused(provider, configure_oidc, client, agent, db, browser_for):
    configure_oidc(provider)
    provider.add_user("agent", email="agent@commune.fr", email_verified=False)
    before, failed = table_counts(db), failures(db)
    response = browser_for().sign_in("agent")
    _assert_refused(response, db, before, failed, "n&#39;a pas confirmé votre adresse e-mail")


def test_no_email_verified_from_an_untrusted_issuer_is_refused(provider, configure_oidc, client, agent, db,
                                                                browser_for):  # fmt: skip
    configure_oidc(provider, OIDC_TRUSTED_EMAIL_ISSUERS=("https://auth.proconnect.gouv.fr/api/v2",))
    provider.add_user("agent", email="agent@commune.fr")  # no email_verified claim
    before, failed = table_counts(db), failures(db)
    response = browser_for().sign_in("agent")
    _assert_refused(response, db, before, failed, "n&#39;a pas confirmé votre adresse e-mail")


def test_a_provider_that_is_down_leaves_the_password_form_working(configure_oidc, provider, client, agent, db):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    configure_oidc(provider, OIDC_ISSUER=f"http://127.0.0.1:{port}")
    before = table_counts(db)
    login_page = client.get("/compte/connexion")
    assert login_page.status_code == 200 and "S&#39;identifier avec ProConnect" in login_page.get_data(as_text=True)
    response = client.get("/compte/oidc/connexion")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Le service d&#39;identification ne répond pas pour le moment" in html
    assert 'href="/compte/connexion"' in html
    assert client.get("/compte/oidc/retour?code=abc&state=def").status_code == 503
    assert table_counts(db) == before
    answer = client.post("/compte/connexion", data={"email": "agent@commune.fr", "password": KNOWN_PASSWORD})
    assert answer.status_code == 302 and "Ana Agent" in signed_in_as(client)


def test_provider_failures_count_in_the_login_throttle(provider, configure_oidc, client, agent, db, browser_for, app):
    configure_oidc(provider)
    provider.add_user("agent", email="agent@commune.fr", email_verified=False)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        browser_for().sign_in("agent")
    # Now even the right password is refused for a while, as after ten wrong passwords.
    answer = client.post("/compte/connexion", data={"email": "agent@commune.fr", "password": KNOWN_PASSWORD})
    assert answer.status_code == 429
    provider.add_user("agent", email="agent@commune.fr", email_verified=True)
    blocked = browser_for().sign_in("agent")
    assert blocked.status_code == 429 and "Trop de tentatives de connexion" in blocked.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ProviderIdentity.id))) == 0


# --- sessions, logout, deactivation, unlinking -------------------------------------------------


def test_logout_ends_the_session_at_the_provider_too(provider, configure_oidc, client, agent, db, browser_for):
    configure_oidc(provider)
    browser = browser_for()
    browser.sign_in("agent")
    # The logout form's redirect leaves the site: the page's CSP lets forms go to the provider.
    csp = client.get("/compte/profil").headers["Content-Security-Policy"]
    assert f"form-action 'self' {provider.issuer};" in csp and "script-src 'self';" in csp
    response = client.post("/compte/deconnexion")
    assert response.status_code == 302
    url = urlsplit(response.headers["Location"])
    params = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == provider.issuer + "/session/end"
    assert params["post_logout_redirect_uri"] == "http://localhost/compte/connexion"
    assert params["id_token_hint"].count(".") == 2
    assert signed_in_as(client) == ""
    # The provider accepts the hint (its signature, its audience) and sends the browser back to the app.
    back = browser.submit_logout(response.headers["Location"])
    assert urlsplit(back).path == "/compte/connexion"
    assert "Vous êtes déconnecté(e)." in client.get(urlsplit(back).path).get_data(as_text=True)


def test_logout_everywhere_ends_a_provider_session(provider, configure_oidc, client, agent, db, browser_for, app):
    configure_oidc(provider)
    browser_for().sign_in("agent")
    assert "Ana Agent" in signed_in_as(client)
    with app.test_client() as laptop:  # the same person, signed in with the password elsewhere
        laptop.post("/compte/connexion", data={"email": "agent@commune.fr", "password": KNOWN_PASSWORD})
        laptop.post("/compte/deconnexion")
    assert signed_in_as(client) == ""


def test_a_deactivated_user_is_signed_out_and_refused(provider, configure_oidc, client, agent, db, browser_for):
    configure_oidc(provider)
    browser_for().sign_in("agent")
    db.session.get(User, agent.id).active = False
    db.session.commit()
    assert signed_in_as(client) == ""
    before, failed = table_counts(db), failures(db)
    response = browser_for().sign_in("agent")
    assert response.status_code == 403
    assert "Ce compte est désactivé" in response.get_data(as_text=True)
    assert table_counts(db) == before and failures(db) == failed + 1


def test_a_coordinator_unlinks_an_identity(provider, configure_oidc, client, agent, db, browser_for, factory, app):
    configure_oidc(provider)
    browser_for().sign_in("agent")
    identity = db.session.scalar(select(ProviderIdentity))
    coordinator = factory.user(UserRole.COORDINATOR, email="coord@pool.fr")
    db.session.commit()
    with app.test_client() as coord:
        with coord.session_transaction() as session:
            session["_user_id"] = coordinator.get_id()
        page = coord.get(f"/compte/oidc/utilisateurs/{agent.id}/identites").get_data(as_text=True)
        assert provider.issuer in page and "agent@commune.fr" in page
        assert coord.post(f"/compte/oidc/identites/{identity.id}/delier").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count(ProviderIdentity.id))) == 0
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.unlink_identity"))
    assert audit.actor_id == coordinator.id and audit.before["subject"] == "agent"
    assert signed_in_as(client) == ""  # the sessions opened through it end
    # Next time, the verified email links it again (and says so).
    browser_for().sign_in("agent")
    assert "désormais lié" in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_a_sign_in_cancelled_at_the_provider_is_refused_in_french(provider, configure_oidc, client, agent, db):
    configure_oidc(provider)
    start = client.get("/compte/oidc/connexion")
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    before, failed = table_counts(db), failures(db)
    response = client.get(f"/compte/oidc/retour?error=access_denied&state={state}")
    _assert_refused(response, db, before, failed, "Le fournisseur d&#39;identité a refusé la connexion.")


def test_next_leads_only_to_this_site(provider, configure_oidc, client, agent, browser_for):
    configure_oidc(provider)
    response = browser_for().sign_in("agent", next_url="https://pirate.example/")
    assert response.status_code == 302 and response.headers["Location"] == "/"
