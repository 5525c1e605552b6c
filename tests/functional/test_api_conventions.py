"""The API's conventions, as a client relies on them: a member's journey through requests, ETag and
If-Match, 409 on a state conflict, field errors in the caller's language, pagination bounds, the rate
limit, audit rows naming the token, the document listing every resource."""

import re
from datetime import timedelta

from api_support import bearer, make_token
from click.testing import CliRunner

from expertpool import api_tokens
from expertpool.models import ApiToken, AuditLog, LoginFailure, RequestStatus, UserRole
from expertpool.timeutil import now_utc, today_paris


def _draft_body(role_id, **values):
    today = today_paris(now_utc())
    body = {
        "title": "Audit de sécurité",
        "description": "Revoir les droits des comptes",
        "role_id": role_id,
        "half_days": 3,
        "earliest": (today + timedelta(days=7)).isoformat(),
        "deadline": (today + timedelta(days=60)).isoformat(),
        "on_site": False,
    }
    return {**body, **values}


def _member_world(db, factory):
    member = factory.member()
    today = today_paris(now_utc())
    factory.period(year=today.year, members=(member,), half_days=40)
    factory.period(year=today.year + 1, members=(member,), half_days=40)
    user = factory.user(UserRole.MEMBER, member=member)
    coordinator = factory.user(UserRole.COORDINATOR)
    role = factory.role("dba")
    factory.expert(name="Alice")
    return user, coordinator, role


def test_a_members_request_from_draft_to_approval(client, db, factory):
    user, coordinator, role = _member_world(db, factory)
    member_token = bearer(make_token(db, user))
    created = client.post("/api/v1/requests", json=_draft_body(role.id), headers=member_token)
    assert created.status_code == 201, created.get_json()
    draft = created.get_json()
    assert draft["status"] == "draft"
    assert draft["asked"] == {"half_days": 3, "days": 1.5}
    url = f"/api/v1/requests/{draft['id']}"

    read = client.get(url, headers=member_token)
    etag = read.headers["ETag"]
    changed = _draft_body(role.id, half_days=4)
    assert client.put(url, json=changed, headers=member_token).status_code == 428
    assert client.put(url, json=changed, headers={**member_token, "If-Match": '"stale"'}).status_code == 412
    updated = client.put(url, json=changed, headers={**member_token, "If-Match": etag})
    assert updated.status_code == 200
    assert updated.get_json()["asked"]["half_days"] == 4
    # The old ETag no longer matches what is stored.
    assert client.put(url, json=changed, headers={**member_token, "If-Match": etag}).status_code == 412

    etag = client.get(url, headers=member_token).headers["ETag"]
    sent = client.post(f"{url}/send", json={}, headers={**member_token, "If-Match": etag})
    assert sent.status_code == 200
    assert sent.get_json()["status"] == "submitted"

    staff_token = bearer(make_token(db, coordinator))
    queue = client.get("/api/v1/queue", headers=staff_token).get_json()
    assert [item["id"] for item in queue["items"]] == [draft["id"]]
    approve = f"/api/v1/queue/{draft['id']}/approve"
    approved = client.post(approve, json={"half_days": 2}, headers={**staff_token, "If-Match": "*"})
    assert approved.status_code == 200
    assert approved.get_json()["approved"] == {"half_days": 2, "days": 1.0}
    again = client.post(approve, json={}, headers={**staff_token, "If-Match": "*"})
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"

    actions = {row.action: row.api_token_id for row in db.session.query(AuditLog).filter_by(request_id=draft["id"])}
    assert set(actions) >= {"request.create_draft", "request.update", "request.submit", "request.approve"}
    tokens = {token.user_id: token.id for token in db.session.query(ApiToken)}
    assert actions["request.create_draft"] == tokens[user.id]
    assert actions["request.approve"] == tokens[coordinator.id]


def test_field_errors_are_the_forms_in_the_callers_language(client, db, factory):
    user, _coordinator, role = _member_world(db, factory)
    user.locale = "en"
    token = make_token(db, user)
    past = (today_paris(now_utc()) - timedelta(days=3)).isoformat()
    body = _draft_body(role.id, earliest=past)
    english = client.post("/api/v1/requests", json=body, headers=bearer(token))  # the user's locale
    assert english.status_code == 400
    problem = english.get_json()
    assert problem["title"] == "Bad request"
    assert {"field": "earliest", "message": "The start date cannot be in the past."} in problem["errors"]
    french = client.post("/api/v1/requests", json=body, headers=bearer(token, **{"Accept-Language": "fr"}))
    assert {"field": "earliest", "message": "La date de début ne peut pas être dans le passé."} in (
        french.get_json()["errors"]
    )
    missing = client.post("/api/v1/requests", json={}, headers=bearer(token))
    assert {error["field"] for error in missing.get_json()["errors"]} >= {"title", "half_days", "earliest"}
    assert db.session.query(AuditLog).filter_by(action="request.create_draft").count() == 0


def test_pages_are_bounded(client, db, factory):
    user, _coordinator, _role = _member_world(db, factory)
    token = bearer(make_token(db, user))
    for n in range(3):
        factory.expert(name=f"Expert {n}")
    page = client.get("/api/v1/experts?page=2&page_size=2", headers=token).get_json()
    assert (page["page"], page["page_size"], page["total"], len(page["items"])) == (2, 2, 4, 2)
    too_big = client.get("/api/v1/experts?page_size=101", headers=token)
    assert too_big.status_code == 400
    assert too_big.get_json()["errors"][0]["field"] == "page_size"


def test_the_rate_limit_answers_429_with_retry_after(app, client, db, factory):
    user, _coordinator, _role = _member_world(db, factory)
    token = bearer(make_token(db, user))
    default, app.config["API_RATE_LIMIT"] = app.config["API_RATE_LIMIT"], 3
    try:
        codes = [client.get("/api/v1/me", headers=token).status_code for _ in range(4)]
        limited = client.get("/api/v1/me", headers=token)
    finally:
        app.config["API_RATE_LIMIT"] = default
    assert codes == [200, 200, 200, 429]
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # Counted in the sign-in limiter's store (the database here; Redis when configured).
    assert db.session.query(LoginFailure).filter(LoginFailure.email.like("api-token:%")).count() >= 4


def test_every_resource_of_the_issue_has_its_operations_in_the_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    operations = {f"{m.upper()} {p}" for p, item in doc["paths"].items() for m in item}
    resources = {
        "experts catalogue": ["GET /api/v1/experts", "GET /api/v1/experts/{expert_id}"],
        "the caller's member and position": ["GET /api/v1/me", "GET /api/v1/me/position"],
        "requests": [
            "GET /api/v1/requests",
            "GET /api/v1/requests/{request_id}",
            "POST /api/v1/requests",
            "PUT /api/v1/requests/{request_id}",
            "POST /api/v1/requests/{request_id}/send",
            "POST /api/v1/requests/{request_id}/cancel",
            "GET /api/v1/requests/{request_id}/messages",
            "POST /api/v1/requests/{request_id}/messages",
            "POST /api/v1/requests/{request_id}/rating",
        ],
        "queue and decisions": [
            "GET /api/v1/queue",
            "POST /api/v1/queue/{request_id}/approve",
            "POST /api/v1/queue/{request_id}/reject",
            "POST /api/v1/queue/{request_id}/ask-information",
        ],
        "the EPCI's decisions on envelope draws": [
            "GET /api/v1/envelope/approval-setting",
            "PUT /api/v1/envelope/approval-setting",
            "GET /api/v1/envelope/reviews",
            "POST /api/v1/envelope/reviews/{request_id}/approve",
            "POST /api/v1/envelope/reviews/{request_id}/refuse",
            "GET /api/v1/envelope/communes/{commune_id}/cap",
            "PUT /api/v1/envelope/communes/{commune_id}/cap",
        ],
        "agenda": [
            "GET /api/v1/experts/{expert_id}/bookings",
            "GET /api/v1/experts/{expert_id}/unavailability",
            "POST /api/v1/experts/{expert_id}/unavailability",
            "POST /api/v1/bookings/{booking_id}/delivery",
            "PUT /api/v1/requests/{request_id}/report",
        ],
        "members, periods, adjustments": [
            "GET /api/v1/members",
            "GET /api/v1/members/{member_id}",
            "GET /api/v1/members/{member_id}/position",
            "GET /api/v1/quota-periods",
            "POST /api/v1/members/{member_id}/adjustments",
        ],
        "planning runs": [
            "POST /api/v1/planning/previews",
            "POST /api/v1/planning/runs",
            "GET /api/v1/planning/runs/{run_id}",
        ],
        "statement": ["GET /api/v1/members/{member_id}/statement"],
        "report datasets": ["GET /api/v1/reports/datasets/{name}"],
    }
    for resource, expected in resources.items():
        assert set(expected) <= operations, resource
    for path, item in doc["paths"].items():
        for method, spec in item.items():
            if method == "parameters":
                continue
            assert spec["x-scope"] in api_tokens.SCOPES, (method, path)
            assert f"`{spec['x-scope']}`" in spec["description"]
            assert {"401", "403", "429"} <= set(spec["responses"]), (method, path)
            problem = spec["responses"]["401"]["content"]
            assert list(problem) == ["application/problem+json"]


def test_the_document_describes_each_success_and_links_to_existing_operations(client):
    """Each success answer has its description and body (a read also its ETag), and each OpenAPI link names
    an existing operation and its parameters: what a client generator and schemathesis's stateful run use."""
    doc = client.get("/api/v1/openapi.json").get_json()
    operations = {
        spec["operationId"]: (path, method, spec)
        for path, item in doc["paths"].items()
        for method, spec in item.items()
        if method != "parameters"
    }
    assert len(operations) == sum(len(item) - ("parameters" in item) for item in doc["paths"].values())
    links = 0
    for operation_id, (_path, method, spec) in operations.items():
        for status, response in spec["responses"].items():
            if not status.startswith("2"):
                continue
            assert response["description"], operation_id
            if status != "204":
                assert "application/json" in response["content"], operation_id
            if method == "get":
                assert "ETag" in response["headers"], operation_id
            for name, target in response.get("links", {}).items():
                links += 1
                target_path, target_method, target_spec = operations[target["operationId"]]
                declared = {
                    f"{parameter['in']}.{parameter['name']}"
                    for parameter in doc["paths"][target_path].get("parameters", []) + target_spec.get("parameters", [])
                }
                given = {key if "." in key else f"path.{key}" for key in target["parameters"]}
                assert given <= declared, (operation_id, name)
                # A required path parameter of the target is always given (else the call is a guess).
                assert {key for key in declared if key.startswith("path.")} <= given, (operation_id, name)
    assert links >= 30
    read = operations["read_request"][2]["responses"]["200"]["links"]
    assert read["update"]["parameters"]["header.If-Match"] == "$response.header.ETag"


def test_the_docs_page_serves_local_assets_without_inline_script(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "/static/js/api_docs.js" in html
    assert "<script>" not in html and "style=" not in html and "http" not in html.replace("http-equiv", "")
    asset = client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert asset.status_code == 200
    asset.close()
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_the_command_prints_the_token_alone_on_its_last_line(app, client, db, factory):
    user = factory.user(UserRole.COORDINATOR, email="coord@example.org")
    db.session.flush()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["api-token", "create", "--email", "coord@example.org", "--scope", "read", "--scope", "admin"],
    )
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert api_tokens.is_plausible(secret)
    me = client.get("/api/v1/me", headers=bearer(secret)).get_json()
    assert (me["id"], me["scopes"]) == (user.id, ["read", "admin"])
    assert isinstance(runner, type(app.test_cli_runner())) and CliRunner


def test_the_profile_page_creates_a_token_shown_once_and_revokes_it(client, db, factory, login):
    user = factory.user(UserRole.MEMBER)
    login(user)
    form = {"token-name": "GLPI", "token-scopes": ["read", "requests:write"], "token-days": "30"}
    created = client.post("/compte/profil/jetons", data=form)
    assert created.status_code == 201
    page = created.get_data(as_text=True)
    token = db.session.query(ApiToken).filter_by(user_id=user.id).one()
    secret = re.search(r"ep_[A-Za-z0-9_-]{40,}", page).group(0)
    assert api_tokens.digest(secret) == token.token_hash and token.scopes == ["read", "requests:write"]
    assert secret not in client.get("/compte/profil").get_data(as_text=True)  # shown once
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    revoked = client.post(f"/compte/profil/jetons/{token.id}/revoquer")
    assert revoked.status_code == 303
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    other = factory.user(UserRole.MEMBER)
    _row, foreign = api_tokens.create(other, name="x", scopes=["read"], days=5, actor=other, now=now_utc())
    db.session.flush()
    foreign_id = db.session.query(ApiToken).filter_by(user_id=other.id).one().id
    assert client.post(f"/compte/profil/jetons/{foreign_id}/revoquer").status_code == 404
    assert client.get("/api/v1/me", headers=bearer(foreign)).status_code == 200


def test_member_lists_do_not_grow_in_queries_with_rows(client, db, factory):
    from query_counter import QueryCounter

    user, coordinator, _role = _member_world(db, factory)
    member_token, staff_token = bearer(make_token(db, user)), bearer(make_token(db, coordinator))
    urls = ["/api/v1/requests", "/api/v1/experts", "/api/v1/members", "/api/v1/queue"]

    def counts():
        result = {}
        for url in urls:
            headers = staff_token if url in ("/api/v1/members", "/api/v1/queue") else member_token
            db.session.expire_all()  # each call starts from what a new web request has: nothing loaded
            with QueryCounter(db.engine) as counter:
                assert client.get(url, headers=headers).status_code == 200
            result[url] = counter.count
        return result

    def add_rows(n):
        for i in range(n):
            factory.request(member=user.member, status=RequestStatus.SUBMITTED, skills=(f"s{i}",))
            factory.expert(name=f"E{i}", skills=(f"s{i}",))
            factory.member()
        db.session.flush()

    add_rows(2)
    counts()  # the first call of each token writes its last use (at most once a minute)
    few = counts()
    add_rows(12)
    assert counts() == few
