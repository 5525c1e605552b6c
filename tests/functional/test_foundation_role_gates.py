"""Each role reaches its own home page, and gets 403 on the pages of the other roles."""

import pytest

from expertpool.models import UserRole

# One representative page per role: (url, roles allowed).
ROLE_PAGES = {
    "/mon-espace": {UserRole.MEMBER},
    "/agenda/": {UserRole.EXPERT},
    "/coordination/": {UserRole.COORDINATOR, UserRole.ADMIN},
    "/coordination/demandes": {UserRole.COORDINATOR, UserRole.ADMIN},
    "/planification/": {UserRole.COORDINATOR, UserRole.ADMIN},
    "/admin/parametres": {UserRole.ADMIN},
}


@pytest.fixture
def users(factory):
    users = {role: factory.user(role=role) for role in UserRole}
    factory.expert(user=users[UserRole.EXPERT])
    return users


@pytest.mark.parametrize("role", list(UserRole))
def test_each_role_gets_its_own_home_and_403_elsewhere(client, login, users, role):
    login(users[role])
    home = client.get("/", follow_redirects=True)
    assert home.status_code == 200
    for url, allowed in ROLE_PAGES.items():
        status = client.get(url).status_code
        assert status == (200 if role in allowed else 403), (role, url, status)


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    for url in ROLE_PAGES:
        response = client.get(url)
        assert response.status_code == 302
        assert "/compte/connexion" in response.headers["Location"]


def test_error_pages_are_french_and_friendly(client, login, users):
    login(users[UserRole.MEMBER])
    forbidden = client.get("/coordination/")
    assert forbidden.status_code == 403 and "Accès refusé" in forbidden.text
    missing = client.get("/cette-page-n-existe-pas")
    assert missing.status_code == 404 and "Page introuvable" in missing.text
