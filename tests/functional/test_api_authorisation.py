"""The API's authorisation matrix: every operation of the document × role × scope.

- no token, an unknown, expired or revoked token, or a deactivated user's → 401;
- a token without the operation's scope → 403 (a `read` token writes nothing);
- a member's token never reaches another member's data (404), an expert's never another expert's (404),
  and a role an operation is not for gets 403, as on the pages.
"""

from datetime import timedelta

import pytest
from api_support import bearer, make_token, role_users

from expertpool import api_tokens
from expertpool.models import ApiToken, BookingStatus, EnvelopeReview, RequestStatus, UserRole
from expertpool.timeutil import now_utc, today_paris

ALL = api_tokens.SCOPES


@pytest.fixture
def world(db, factory):
    users = role_users(factory)
    member_a, member_b = users["_members"]
    today = today_paris(now_utc())
    period = factory.period(year=today.year, members=(member_a, member_b))
    other_expert = factory.expert(name="Autre expert")
    req_a = factory.request(member=member_a, status=RequestStatus.DRAFT)
    req_b = factory.request(member=member_b, status=RequestStatus.SUBMITTED)
    booking_b = factory.booking(req_b, other_expert, today - timedelta(days=1), status=BookingStatus.PLANNED)
    leave = factory.unavailability(other_expert, today + timedelta(days=40), kind="leave")
    # An EPCI holding an envelope, one of its communes and a draw of that commune waiting for the EPCI.
    epci = factory.member(name="CC du Léon", kind="epci", holds_envelope=True)
    commune = factory.member(name="Commune C", parent_id=epci.id)
    draw = factory.request(member=commune, status=RequestStatus.SUBMITTED)
    draw.envelope_review = EnvelopeReview.PENDING
    other_epci = factory.member(name="CC d'Iroise", kind="epci", holds_envelope=True)
    users["epci"] = factory.user(UserRole.MEMBER, member=epci)
    users["other_epci"] = factory.user(UserRole.MEMBER, member=other_epci)
    ids = {
        "request": req_b.id,
        "own_request": req_a.id,
        "expert": other_expert.id,
        "member": member_b.id,
        "booking": booking_b.id,
        "item": leave.id,
        "run": 999_999,
        "draw": draw.id,
        "commune": commune.id,
        "period": period.id,
        "role": req_a.role_id,
        "start": (today + timedelta(days=7)).isoformat(),
        "end": (today + timedelta(days=60)).isoformat(),
    }
    return users, ids


def operations(ids):
    """Each operation of the document, called on another member's (or expert's) objects, with a valid body."""
    r, e, m = ids["request"], ids["expert"], ids["member"]
    new_request = {
        "title": "Sauvegardes",
        "description": "Vérifier les sauvegardes",
        "role_id": ids["role"],
        "half_days": 2,
        "earliest": ids["start"],
        "deadline": ids["end"],
        "on_site": False,
    }
    leave = {"start_date": ids["end"], "end_date": ids["end"], "kind": "leave"}
    return {
        "GET /api/v1/experts": ("GET", "/api/v1/experts", None),
        "GET /api/v1/experts/{expert_id}": ("GET", f"/api/v1/experts/{e}", None),
        "GET /api/v1/experts/{expert_id}/bookings": ("GET", f"/api/v1/experts/{e}/bookings", None),
        "GET /api/v1/experts/{expert_id}/unavailability": ("GET", f"/api/v1/experts/{e}/unavailability", None),
        "POST /api/v1/experts/{expert_id}/unavailability": ("POST", f"/api/v1/experts/{e}/unavailability", leave),
        "DELETE /api/v1/experts/{expert_id}/unavailability/{item_id}": (
            "DELETE",
            f"/api/v1/experts/{e}/unavailability/{ids['item']}",
            None,
        ),
        "POST /api/v1/bookings/{booking_id}/delivery": (
            "POST",
            f"/api/v1/bookings/{ids['booking']}/delivery",
            {"delivered": True},
        ),
        "GET /api/v1/me": ("GET", "/api/v1/me", None),
        "GET /api/v1/me/position": ("GET", "/api/v1/me/position", None),
        "GET /api/v1/members": ("GET", "/api/v1/members", None),
        "GET /api/v1/members/{member_id}": ("GET", f"/api/v1/members/{m}", None),
        "GET /api/v1/members/{member_id}/position": ("GET", f"/api/v1/members/{m}/position", None),
        "GET /api/v1/members/{member_id}/statement": ("GET", f"/api/v1/members/{m}/statement", None),
        "POST /api/v1/members/{member_id}/adjustments": (
            "POST",
            f"/api/v1/members/{m}/adjustments",
            {"period_id": ids["period"], "delta_half_days": 2, "reason": "Convention"},
        ),
        "GET /api/v1/quota-periods": ("GET", "/api/v1/quota-periods", None),
        "POST /api/v1/planning/previews": ("POST", "/api/v1/planning/previews", {"weeks": 2}),
        "POST /api/v1/planning/runs": ("POST", "/api/v1/planning/runs", {"weeks": 2}),
        "GET /api/v1/planning/runs/{run_id}": ("GET", f"/api/v1/planning/runs/{ids['run']}", None),
        "GET /api/v1/queue": ("GET", "/api/v1/queue", None),
        "POST /api/v1/queue/{request_id}/approve": ("POST", f"/api/v1/queue/{r}/approve", {}),
        "POST /api/v1/queue/{request_id}/reject": ("POST", f"/api/v1/queue/{r}/reject", {"reason": "Hors champ"}),
        "POST /api/v1/queue/{request_id}/ask-information": (
            "POST",
            f"/api/v1/queue/{r}/ask-information",
            {"message": "Quel serveur ?"},
        ),
        **envelope_operations(ids),
        "GET /api/v1/reports/datasets/{name}": ("GET", "/api/v1/reports/datasets/droits", None),
        "GET /api/v1/requests": ("GET", "/api/v1/requests", None),
        "POST /api/v1/requests": ("POST", "/api/v1/requests", new_request),
        "GET /api/v1/requests/{request_id}": ("GET", f"/api/v1/requests/{r}", None),
        "PUT /api/v1/requests/{request_id}": ("PUT", f"/api/v1/requests/{r}", new_request),
        "POST /api/v1/requests/{request_id}/send": ("POST", f"/api/v1/requests/{r}/send", {}),
        "POST /api/v1/requests/{request_id}/cancel": ("POST", f"/api/v1/requests/{r}/cancel", {}),
        "POST /api/v1/requests/{request_id}/rating": ("POST", f"/api/v1/requests/{r}/rating", {"rating": 5}),
        "GET /api/v1/requests/{request_id}/messages": ("GET", f"/api/v1/requests/{r}/messages", None),
        "POST /api/v1/requests/{request_id}/messages": ("POST", f"/api/v1/requests/{r}/messages", {"body": "Bonjour"}),
        "PUT /api/v1/requests/{request_id}/report": ("PUT", f"/api/v1/requests/{r}/report", {"report": "Fait"}),
    }


def envelope_operations(ids):
    """An EPCI's operations, on a commune of the world's EPCI and that commune's draw."""
    d, c = ids["draw"], ids["commune"]
    setting = "/api/v1/envelope/approval-setting"
    return {
        "GET /api/v1/envelope/approval-setting": ("GET", setting, None),
        "GET /api/v1/envelope/reviews": ("GET", "/api/v1/envelope/reviews", None),
        "POST /api/v1/envelope/reviews/{request_id}/approve": ("POST", f"/api/v1/envelope/reviews/{d}/approve", None),
        "POST /api/v1/envelope/reviews/{request_id}/refuse": (
            "POST",
            f"/api/v1/envelope/reviews/{d}/refuse",
            {"reason": "Budget épuisé"},
        ),
        "GET /api/v1/envelope/communes/{commune_id}/cap": ("GET", f"/api/v1/envelope/communes/{c}/cap", None),
        "PUT /api/v1/envelope/communes/{commune_id}/cap": (
            "PUT",
            f"/api/v1/envelope/communes/{c}/cap",
            {"period_id": ids["period"], "cap_half_days": 4},
        ),
        # Last, and kept on: turned off, it would release the draw waiting for the EPCI.
        "PUT /api/v1/envelope/approval-setting": ("PUT", setting, {"draws_need_approval": True}),
    }


# What each role gets with a token holding every scope, on another member's / expert's objects.
# A member's own list answers 200 but holds only its structure's rows (checked below).
EXPECTED = {
    "GET /api/v1/experts": (200, 200, 200),
    "GET /api/v1/experts/{expert_id}": (200, 200, 200),
    "GET /api/v1/experts/{expert_id}/bookings": (404, 404, 200),
    "GET /api/v1/experts/{expert_id}/unavailability": (404, 404, 200),
    "POST /api/v1/experts/{expert_id}/unavailability": (404, 404, 201),
    "DELETE /api/v1/experts/{expert_id}/unavailability/{item_id}": (404, 404, 204),
    "POST /api/v1/bookings/{booking_id}/delivery": (404, 404, 200),
    "GET /api/v1/me": (200, 200, 200),
    "GET /api/v1/me/position": (200, 403, 403),
    "GET /api/v1/members": (403, 403, 200),
    "GET /api/v1/members/{member_id}": (404, 404, 200),
    "GET /api/v1/members/{member_id}/position": (404, 404, 200),
    "GET /api/v1/members/{member_id}/statement": (404, 404, 200),
    "POST /api/v1/members/{member_id}/adjustments": (403, 403, 201),
    "GET /api/v1/quota-periods": (200, 200, 200),
    "POST /api/v1/planning/previews": (403, 403, 201),
    "POST /api/v1/planning/runs": (403, 403, 201),
    "GET /api/v1/planning/runs/{run_id}": (403, 403, 404),
    "GET /api/v1/queue": (403, 403, 200),
    "POST /api/v1/queue/{request_id}/approve": (403, 403, 200),
    # Called in this order: once approved, the request is no longer waiting for a decision (409).
    "POST /api/v1/queue/{request_id}/reject": (403, 403, 409),
    "POST /api/v1/queue/{request_id}/ask-information": (403, 403, 409),
    # An EPCI's own operations: a commune's user has no envelope (404), other roles 403, as on the pages.
    "GET /api/v1/envelope/approval-setting": (404, 403, 403),
    "PUT /api/v1/envelope/approval-setting": (404, 403, 403),
    "GET /api/v1/envelope/reviews": (404, 403, 403),
    "POST /api/v1/envelope/reviews/{request_id}/approve": (404, 403, 403),
    "POST /api/v1/envelope/reviews/{request_id}/refuse": (404, 403, 403),
    "GET /api/v1/envelope/communes/{commune_id}/cap": (404, 403, 403),
    "PUT /api/v1/envelope/communes/{commune_id}/cap": (404, 403, 403),
    "GET /api/v1/reports/datasets/{name}": (403, 403, 200),
    "GET /api/v1/requests": (200, 403, 200),
    "POST /api/v1/requests": (201, 403, 403),
    "GET /api/v1/requests/{request_id}": (404, 404, 200),
    "PUT /api/v1/requests/{request_id}": (404, 403, 403),
    "POST /api/v1/requests/{request_id}/send": (404, 403, 403),
    "POST /api/v1/requests/{request_id}/cancel": (404, 403, 403),
    "POST /api/v1/requests/{request_id}/rating": (404, 403, 403),
    "GET /api/v1/requests/{request_id}/messages": (404, 404, 200),
    "POST /api/v1/requests/{request_id}/messages": (404, 403, 403),
    "PUT /api/v1/requests/{request_id}/report": (404, 404, 200),
}
ROLES = ("member", "expert", "coordinator")


def _call(client, op, headers):
    method, path, body = op
    headers = {**headers, "If-Match": "*"}
    return client.open(path, method=method, json=body, headers=headers)


def _document_operations(client) -> dict[str, str]:
    doc = client.get("/api/v1/openapi.json").get_json()
    return {
        f"{method.upper()} {path}": spec["x-scope"]
        for path, item in doc["paths"].items()
        for method, spec in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_the_matrix_covers_every_operation_of_the_document(client, world):
    _users, ids = world
    assert set(_document_operations(client)) == set(EXPECTED) == set(operations(ids))


@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
def test_each_role_reaches_only_what_its_pages_show(client, db, world, role_index):
    users, ids = world
    role = ROLES[role_index]
    for label, op in operations(ids).items():
        secret = make_token(db, users[role], ALL)  # a fresh token: the previous call may have changed state
        response = _call(client, op, bearer(secret))
        assert response.status_code == EXPECTED[label][role_index], (role, label, response.get_json())
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json"


# The EPCI's operations for a user of the draw's EPCI, called in this order (once approved, a draw no
# longer waits: refusing it is a state conflict), and for a user of another EPCI (never its communes).
EPCI_EXPECTED = {
    "GET /api/v1/envelope/approval-setting": (200, 200),
    "PUT /api/v1/envelope/approval-setting": (200, 200),
    "GET /api/v1/envelope/reviews": (200, 200),
    "POST /api/v1/envelope/reviews/{request_id}/approve": (200, 404),
    "POST /api/v1/envelope/reviews/{request_id}/refuse": (409, 404),
    "GET /api/v1/envelope/communes/{commune_id}/cap": (200, 404),
    "PUT /api/v1/envelope/communes/{commune_id}/cap": (200, 404),
}


@pytest.mark.parametrize("epci_index", range(2), ids=("own_epci", "other_epci"))
def test_an_epci_user_decides_only_on_its_own_communes(client, db, world, epci_index):
    users, ids = world
    epci_user = users[("epci", "other_epci")[epci_index]]
    assert set(EPCI_EXPECTED) == set(envelope_operations(ids))
    for label, op in envelope_operations(ids).items():
        response = _call(client, op, bearer(make_token(db, epci_user, ALL)))
        assert response.status_code == EPCI_EXPECTED[label][epci_index], (label, response.get_json())
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json"
    # The other EPCI's queue is empty: it never lists another EPCI's communes' draws.
    listed = client.get("/api/v1/envelope/reviews", headers=bearer(make_token(db, users["other_epci"], ALL)))
    assert listed.get_json()["items"] == []


def test_a_members_lists_hold_only_its_structure(client, db, world):
    users, ids = world
    secret = make_token(db, users["member"], ALL)
    listed = client.get("/api/v1/requests", headers=bearer(secret)).get_json()
    assert [item["id"] for item in listed["items"]] == [ids["own_request"]]
    assert {item["member_id"] for item in listed["items"]} == {users["member"].member_id}


def test_a_token_without_the_operations_scope_gets_403(client, db, world):
    users, ids = world
    scopes = _document_operations(client)
    for label, op in operations(ids).items():
        others = [scope for scope in ALL if scope != scopes[label]]
        response = _call(client, op, bearer(make_token(db, users["coordinator"], others)))
        assert response.status_code == 403, label
        assert scopes[label] in response.get_json()["detail"]


def test_a_read_token_cannot_write(client, db, world):
    users, ids = world
    secret = make_token(db, users["coordinator"], [api_tokens.READ])
    writes = [label for label in operations(ids) if not label.startswith("GET ")]
    assert len(writes) >= 15
    for label in writes:
        assert _call(client, operations(ids)[label], bearer(secret)).status_code == 403, label


def test_no_unknown_expired_revoked_or_deactivated_token_gets_in(client, db, world):
    users, ids = world
    expired = make_token(db, users["coordinator"], ALL)
    revoked = make_token(db, users["coordinator"], ALL)
    deactivated_user = users["admin"]
    deactivated = make_token(db, deactivated_user, ALL)
    for token in db.session.query(ApiToken).all():
        if token.token_hash == api_tokens.digest(expired):
            token.expires_at = now_utc() - timedelta(seconds=1)
        if token.token_hash == api_tokens.digest(revoked):
            api_tokens.revoke(token, actor=users["coordinator"], now=now_utc())
    deactivated_user.active = False
    db.session.flush()
    refused = [{}, bearer("ep_" + "x" * 43), bearer(expired), bearer(revoked), bearer(deactivated)]
    for label, op in operations(ids).items():
        for headers in refused:
            response = _call(client, op, headers)
            assert response.status_code == 401, (label, headers)
            assert response.mimetype == "application/problem+json"


def test_a_cookie_session_does_not_authenticate_the_api(client, db, login, world):
    users, ids = world
    login(users["coordinator"])
    assert client.get("/api/v1/queue").status_code == 401
    assert client.post(f"/api/v1/queue/{ids['request']}/approve", json={}, headers={"If-Match": "*"}).status_code == 401
