"""Each role lands on its own home page; refusals read in French.

Which role may open which page (200, 403, or the login page for a visitor) is the authorisation
matrix's, for every route (tests/trust/authz_matrix.py, tests/trust/test_trust_authz.py).
"""

import pytest

from expertpool.models import UserRole


@pytest.fixture
def users(factory):
    users = {role: factory.user(role=role) for role in UserRole}
    factory.expert(user=users[UserRole.EXPERT])
    return users


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (UserRole.MEMBER, "/mon-espace"),
        (UserRole.EXPERT, "/agenda/"),
        (UserRole.COORDINATOR, "/coordination/"),
        (UserRole.ADMIN, "/coordination/"),
    ],
)
def test_each_role_lands_on_its_own_home(client, login, users, role, home):
    login(users[role])
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == home


def test_error_pages_are_french_and_friendly(client, login, users):
    login(users[UserRole.MEMBER])
    forbidden = client.get("/coordination/")
    assert forbidden.status_code == 403 and "Accès refusé" in forbidden.text
    missing = client.get("/cette-page-n-existe-pas")
    assert missing.status_code == 404 and "Page introuvable" in missing.text
