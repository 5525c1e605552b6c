"""Users signed in through the OpenID provider get exactly the answers of the authorisation matrix, and
their sessions end as password sessions do (logout everywhere, deactivation)."""

import pytest
from oidc_support import ProviderBrowser
from trust.authz_matrix import MATRIX
from trust.routes import app_routes, build_url, outcome

from expertpool.models import ProviderIdentity, User

pytest_plugins = ["oidc_fixtures"]


@pytest.fixture
def provider_client(app, world, provider, configure_oidc):
    """provider_client(role) -> a client of that world user, signed in through the provider."""
    configure_oidc(provider)
    browsers = []

    def _sign_in(role: str):
        user = world.users[role]
        provider.add_user(role, email=user.email, email_verified=True)
        browser = ProviderBrowser(app.test_client())
        browsers.append(browser)
        response = browser.sign_in(role)
        assert response.status_code == 302 and "/compte/connexion" not in response.headers["Location"]
        return browser.client

    yield _sign_in
    for browser in browsers:
        browser.http.close()


@pytest.mark.parametrize("role", ["member_a", "coordinator"])
def test_the_matrix_holds_for_a_session_opened_through_the_provider(app, db, world, isolated, provider_client, role):
    client = provider_client(role)
    identities = db.session.query(ProviderIdentity).filter_by(user_id=world.ids["user_ids"][role]).count()
    assert identities >= 1  # member A's user now has two: the world's and this provider's
    mismatches = []
    for route in app_routes(app):
        # The matrix's app has no issuer; with one, these two are the flow itself (test_oidc_signin.py).
        if "GET" not in route.methods or route.endpoint in ("static", "oidc.start", "oidc.callback"):
            continue
        expected = MATRIX[route.endpoint].expected("GET")
        url = build_url(app, route, world, MATRIX[route.endpoint].args)
        with isolated():
            response = client.get(url)
            response.close()
        if outcome(response) != expected[role]:
            mismatches.append(f"GET {url}: expected {expected[role]}, got {outcome(response)}")
    assert not mismatches, "\n".join(mismatches)


def test_logout_everywhere_and_deactivation_end_a_provider_session(app, db, world, provider_client):
    client = provider_client("member_a")
    assert client.get("/compte/profil").status_code == 200
    # Logging out from a password session elsewhere rotates the token: the provider session ends too.
    user = db.session.get(User, world.ids["user_ids"]["member_a"])
    elsewhere = app.test_client()
    with elsewhere.session_transaction() as session:
        session["_user_id"] = user.get_id()  # the current token (signing in accepted the world's invitation)
    assert elsewhere.post("/compte/deconnexion").status_code == 302
    assert client.get("/compte/profil").status_code == 302
    client = provider_client("member_a")
    assert client.get("/compte/profil").status_code == 200
    db.session.get(User, world.ids["user_ids"]["member_a"]).active = False
    db.session.commit()
    assert client.get("/compte/profil").status_code == 302
