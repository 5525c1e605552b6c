"""The authorisation matrix: every route of `app.url_map`, for every role of the world, GET and POST,
answers what tests/trust/authz_matrix.py says; and every answer carries the security headers."""

import re

import pytest
from trust.authz_matrix import MATRIX, ROLE_GRANTING
from trust.routes import app_routes, build_url, client_as, outcome
from trust.world import ROLES

from expertpool import create_app

ROUTES = app_routes(create_app("testing"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\s(on[a-z]+|style)\s*=", re.IGNORECASE)


def test_every_route_has_an_entry_in_the_matrix(app):
    endpoints = {route.endpoint for route in app_routes(app)}
    missing = sorted(endpoints - set(MATRIX))
    assert not missing, "routes without an authorisation rule (add them to tests/trust/authz_matrix.py): " + ", ".join(
        missing
    )
    stale = sorted(set(MATRIX) - endpoints)
    assert not stale, "matrix entries for routes that no longer exist: " + ", ".join(stale)


def assert_security_headers(response, where: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    script_src = next((part for part in csp.split(";") if part.strip().startswith("script-src")), "")
    assert "'self'" in script_src and "unsafe-inline" not in script_src and "unsafe-eval" not in script_src, where
    assert "frame-ancestors 'none'" in csp, where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") in ("same-origin", "strict-origin-when-cross-origin", "no-referrer"), where


def assert_no_inline_code(response, where: str) -> None:
    """The CSP blocks inline scripts and styles: a page that relies on them is broken in browsers."""
    if response.status_code != 200 or not response.mimetype == "text/html":
        return
    html = response.get_data(as_text=True)
    assert not INLINE_SCRIPT.search(html), f"{where}: inline <script> (blocked by the CSP)"
    match = INLINE_HANDLER.search(html)
    assert not match, f"{where}: inline {match.group(1)}= attribute (blocked by the CSP): {match.group(0)[:120]}"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.endpoint)
def test_route_answers_each_role_as_the_matrix_says(route, app, world, isolated):
    entry = MATRIX.get(route.endpoint)
    if entry is None:
        pytest.fail(f"{route.endpoint} is not in tests/trust/authz_matrix.py")
    url = build_url(app, route, world, entry.args)
    mismatches = []
    for method in sorted(route.methods & {"GET", "POST"}):
        expected = entry.expected(method)
        assert expected is not None, f"{route.endpoint}: the matrix gives no expectation for {method}"
        for role in ROLES:
            with isolated():
                client = client_as(app, world, role)
                response = client.open(url, method=method, data={} if method == "POST" else None)
                response.close()  # static files are streamed
                got = outcome(response)
                where = f"{method} {url} as {role}"
                assert_security_headers(response, where)
                assert_no_inline_code(response, where)
            if got != expected[role]:
                mismatches.append(f"{where}: expected {expected[role]}, got {got} ({response.status_code})")
    assert not mismatches, "\n".join(mismatches)


# --- privilege escalation ---------------------------------------------------------------------------


def _user(db, world, role):
    from expertpool.models import User

    db.session.expire_all()
    return db.session.get(User, world.ids["user_ids"][role])


def test_a_coordinator_cannot_make_anyone_admin_nor_touch_an_admin_or_themselves(app, db, world):
    from expertpool.models import User, UserRole

    coordinator = client_as(app, world, "coordinator")
    member_id = world.ids["user_ids"]["member_a"]
    response = coordinator.post(f"/coordination/utilisateurs/{member_id}", data={"role": "admin", "member_id": ""})
    assert response.status_code == 400
    assert _user(db, world, "member_a").role == UserRole.MEMBER
    for target in ("admin", "coordinator"):
        target_id = world.ids["user_ids"][target]
        assert (
            coordinator.post(
                f"/coordination/utilisateurs/{target_id}", data={"role": "admin", "member_id": ""}
            ).status_code
            == 403
        )
        coordinator.post(f"/coordination/utilisateurs/{target_id}/desactiver")
        assert _user(db, world, target).active
    assert _user(db, world, "coordinator").role == UserRole.COORDINATOR
    coordinator.post(
        "/coordination/utilisateurs/inviter",
        data={"email": "pirate@example.org", "name": "Pirate", "role": "admin", "member_id": "", "locale": "fr"},
    )
    assert db.session.query(User).filter_by(role=UserRole.ADMIN).count() == 1


def test_extra_form_fields_cannot_change_role_or_structure(app, db, world):
    member = client_as(app, world, "member_a")
    member.post(
        "/compte/profil",
        data={
            "profile-name": "Maire A",
            "profile-locale": "fr",
            "role": "admin",
            "profile-role": "admin",
            "member_id": world.ids["member_b"],
            "profile-member_id": world.ids["member_b"],
        },
    )
    user = _user(db, world, "member_a")
    assert (user.role, user.member_id) == ("member", world.ids["member"])


def test_an_epci_follows_its_communes_but_communes_do_not_see_each_other(app, db, factory, world):
    """The roll-up: an EPCI holding an envelope sees its communes' requests (read only); a commune
    sees neither its EPCI's nor a sibling's."""
    from expertpool.models import Member, UserRole

    epci = factory.member("CC du Pays", kind="epci", holds_envelope=True, insee_code=None)
    for key in ("member", "member_b"):
        db.session.get(Member, world.ids[key]).parent_id = epci.id
    epci_user = factory.user(UserRole.MEMBER, member=epci, email="cc@example.org")
    epci_request = factory.request(epci, title="Demande de la CC")
    db.session.commit()
    epci_client = app.test_client()
    with epci_client.session_transaction() as session:
        session["_user_id"] = epci_user.get_id()
    a_request = world.ids["request"]
    assert epci_client.get(f"/demandes/{a_request}").status_code == 200
    assert epci_client.get(f"/demandes/{a_request}/modifier").status_code == 404
    assert epci_client.post(f"/demandes/{a_request}/annuler", data={"reason": "x"}).status_code == 404
    member_a, member_b = client_as(app, world, "member_a"), client_as(app, world, "member_b")
    assert member_a.get(f"/demandes/{epci_request.id}").status_code == 404
    assert member_b.get(f"/demandes/{a_request}").status_code == 404


# --- role granting (the rows of ROLE_GRANTING in the matrix) ------------------------------------------


def _accounts(db):
    from expertpool.models import User

    db.session.expire_all()
    return sorted((u.id, u.email, u.role, u.member_id, u.active, u.invited_at) for u in db.session.query(User))


@pytest.mark.parametrize("grant", ROLE_GRANTING, ids=lambda g: g.label)
def test_role_granting_is_the_admins_and_coordinators_keep_to_members_and_experts(grant, app, db, factory, world):
    from expertpool.models import UserRole

    other = factory.user(UserRole.COORDINATOR, email="coord2@example.org", name="Autre coordinatrice")
    db.session.commit()
    user_ids = {**world.ids["user_ids"], "other_coordinator": other.id, "invited_user": world.ids["invited_user"]}
    target = user_ids.get(grant.target)
    client = client_as(app, world, grant.actor)
    data = {"role": grant.role or "", "member_id": str(world.ids["member"]) if grant.role == "member" else ""}
    path = {
        "edit": f"/coordination/utilisateurs/{target}",
        "invite": "/coordination/utilisateurs/inviter",
        "deactivate": f"/coordination/utilisateurs/{target}/desactiver",
        "reactivate": f"/coordination/utilisateurs/{target}/reactiver",
        "resend": f"/coordination/utilisateurs/{target}/reinviter",
    }[grant.action]
    if grant.action == "invite":
        data.update(email="nouveau@example.org", name="Nouveau", locale="fr")
    before = _accounts(db)
    response = client.post(path, data=data)
    assert response.status_code == grant.expected, response.get_data(as_text=True)[:2000]
    after = _accounts(db)
    if grant.expected >= 400:
        assert after == before, "a refused change wrote to the accounts"
    else:
        assert after != before
    if grant.action == "edit" and grant.expected < 400:
        assert {a[0]: a[2] for a in after}[target] == grant.role


def test_the_coordinators_forms_offer_only_member_and_expert(app, world):
    coordinator = client_as(app, world, "coordinator")
    for path in ("/coordination/utilisateurs/inviter", f"/coordination/utilisateurs/{world.ids['user']}"):
        html = coordinator.get(path).get_data(as_text=True)
        assert 'value="member"' in html and 'value="expert"' in html
        assert 'value="coordinator"' not in html and 'value="admin"' not in html, path
    admin_html = client_as(app, world, "admin").get("/coordination/utilisateurs/inviter").get_data(as_text=True)
    assert 'value="coordinator"' in admin_html and 'value="admin"' in admin_html
    listing = coordinator.get("/coordination/utilisateurs").get_data(as_text=True)
    assert f"/coordination/utilisateurs/{world.ids['user_ids']['admin']}/desactiver" not in listing
