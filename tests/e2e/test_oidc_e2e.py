"""The provider button in a real browser: click it on a phone-sized screen, sign in at the real test
provider, come back signed in; then log out of both."""

import re

import pytest
from factories import KNOWN_PASSWORD, Factory
from oidc_support import oidc_settings

from expertpool.auth.services import hash_password
from expertpool.extensions import db as _db

pytestmark = pytest.mark.e2e
pytest_plugins = ["oidc_fixtures"]


@pytest.fixture(scope="module")
def live_app_settings(oidc_provider):
    """This module's app signs in through the test provider."""
    return oidc_settings(oidc_provider)


@pytest.fixture(scope="module", autouse=True)
def agent(live_app):
    with live_app.app_context():
        factory = Factory(_db.session)
        factory.settings()
        factory.user(email="agent.e2e@commune.fr", name="Agathe Mairie", password_hash=hash_password(KNOWN_PASSWORD))
        _db.session.commit()
        _db.session.remove()


@pytest.fixture(autouse=True)
def _public_address(live_app, live_server, monkeypatch):
    """The redirect URI the provider sends the browser back to is the live server's."""
    monkeypatch.setitem(live_app.config, "EXPERTPOOL_BASE_URL", live_server.url)


def test_sign_in_with_the_provider_button_on_a_phone_and_log_out(new_page, live_server, provider, axe):
    provider.add_user("agathe", email="agent.e2e@commune.fr", email_verified=True, given_name="Agathe")
    page = new_page(width=360, height=740)
    page.goto("/compte/connexion")
    button = page.get_by_role("link", name="S'identifier avec ProConnect")
    password = page.get_by_label("Mot de passe")
    assert button.is_visible()
    box, field = button.bounding_box(), password.bounding_box()
    assert box["y"] + box["height"] <= field["y"], "the button sits above the password form"
    assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert axe(page) == []

    button.click()
    page.wait_for_url(re.compile(r"/interaction/"))
    page.get_by_label("Identifiant").fill("agathe")
    page.get_by_label("Mot de passe").fill("secret")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server.url + "/mon-espace")  # back, signed in, on the member's home
    assert "Votre compte est désormais lié à cette identité" in page.inner_text("main")
    page.goto("/compte/profil")
    assert page.get_by_label("Nom", exact=True).input_value() == "Agathe Mairie"
    assert "agent.e2e@commune.fr, chez " + provider.issuer in page.inner_text("main")

    # Logging out leaves the provider too: its confirmation page, then back to the login page.
    page.get_by_role("button", name="Ouvrir le menu").click()  # a phone: the menu is folded
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r"/session/end"))
    page.get_by_role("button", name="Oui, me déconnecter").click()
    page.wait_for_url(re.compile(re.escape(live_server.url) + r"/compte/connexion(\?.*)?$"))
    assert "Vous êtes déconnecté(e)." in page.inner_text("main")


def test_a_provider_that_is_down_shows_a_french_page_and_the_password_still_works(
    new_page, live_app, live_server, provider, monkeypatch, axe
):
    monkeypatch.setitem(live_app.config, "OIDC_ISSUER", "http://127.0.0.1:9")  # nothing listens there
    live_app.extensions.pop("expertpool_oidc", None)
    try:
        page = new_page(width=360, height=740)
        page.goto("/compte/connexion")
        page.get_by_role("link", name="S'identifier avec ProConnect").click()
        page.wait_for_url(live_server.url + "/compte/oidc/connexion")
        assert "Le service d'identification ne répond pas pour le moment" in page.inner_text("main")
        assert axe(page) == []
        page.get_by_role("link", name="Se connecter avec un mot de passe").click()
        page.wait_for_url(live_server.url + "/compte/connexion")
        page.get_by_label("Adresse e-mail").fill("agent.e2e@commune.fr")
        page.get_by_label("Mot de passe").fill(KNOWN_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(live_server.url + "/mon-espace")
    finally:
        live_app.extensions.pop("expertpool_oidc", None)
