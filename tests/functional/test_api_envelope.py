"""The EPCI's decisions on envelope draws through the API: the draws waiting for it, approve, refuse with a
reason, a commune's cap — the envelope pages' services (expertpool.envelopes) and rules, audited."""

from datetime import date

import pytest
from api_support import bearer, make_token
from sqlalchemy import select

from expertpool import api_tokens, envelopes
from expertpool.models import AuditLog, EnvelopeReview, Notification, QuotaKind, RequestStatus, UserRole
from expertpool.timeutil import now_utc


@pytest.fixture
def abers(db, factory):
    """An EPCI with an envelope of 20 half-days that approves draws; Tréglonou (own right 2) asks 6."""
    epci = factory.member("Pays des Abers", kind="epci", holds_envelope=True)
    epci.envelope_draws_need_approval = True
    commune = factory.member("Tréglonou", parent_id=epci.id)
    period = factory.period(2027, half_days=0)
    factory.quota(commune, period, 2)
    factory.quota(epci, period, 20, kind=QuotaKind.ENVELOPE)
    mayor = factory.user(member=commune, name="Maire de Tréglonou")
    req = factory.request(
        commune,
        title="Refonte du site",
        half_days=6,
        status=RequestStatus.SUBMITTED,
        earliest=date(2027, 2, 1),
        deadline=date(2027, 3, 31),
        created_by=mayor,
    )
    assert envelopes.ask_review_if_needed(req, now=now_utc()) is True
    epci_user = factory.user(member=epci, name="Agent de la CC")
    db.session.flush()
    return {"epci": epci, "commune": commune, "period": period, "req": req, "mayor": mayor, "epci_user": epci_user}


def _etag(client, path, secret):
    response = client.get(path, headers=bearer(secret))
    assert response.status_code == 200, response.get_json()
    return response.headers["ETag"]


def test_the_epci_lists_its_waiting_draws_and_approves_one(client, db, abers):
    req, secret = abers["req"], make_token(db, abers["epci_user"])
    listed = client.get("/api/v1/envelope/reviews", headers=bearer(secret))
    assert listed.status_code == 200 and "ETag" in listed.headers
    (item,) = listed.get_json()["items"]
    assert (item["request"]["id"], item["commune"]["name"], item["review"]) == (req.id, "Tréglonou", "pending")
    assert [item[part]["half_days"] for part in ("own", "envelope", "over")] == [2, 4, 0]

    path = f"/api/v1/envelope/reviews/{req.id}/approve"
    assert client.post(path, headers=bearer(secret)).status_code == 428
    assert client.post(path, headers=bearer(secret, **{"If-Match": '"stale"'})).status_code == 412
    db.session.refresh(req)
    assert req.envelope_review == EnvelopeReview.PENDING

    etag = _etag(client, f"/api/v1/requests/{req.id}", secret)
    approved = client.post(path, headers=bearer(secret, **{"If-Match": etag}))
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["review"] == "approved" and approved.get_json()["envelope"]["half_days"] == 4
    db.session.refresh(req)
    assert (req.envelope_review, req.envelope_reviewed_by_id) == (EnvelopeReview.APPROVED, abers["epci_user"].id)
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "request.envelope_review"))
    assert audit.after["envelope_review"] == "approved" and audit.api_token_id is not None
    told = db.session.scalar(select(Notification).where(Notification.kind == "envelope_draw_approved"))
    assert told.user_id == abers["mayor"].id
    assert client.get("/api/v1/envelope/reviews", headers=bearer(secret)).get_json()["items"] == []

    # Decided already: a state conflict, whatever the decision asked.
    for again in (path, f"/api/v1/envelope/reviews/{req.id}/refuse"):
        conflict = client.post(again, json={"reason": "Non"}, headers=bearer(secret, **{"If-Match": "*"}))
        assert conflict.status_code == 409 and conflict.mimetype == "application/problem+json"
        assert conflict.get_json()["detail"] == "Ce tirage n'attend plus votre validation."


def test_refusing_needs_a_reason_and_leaves_the_part_beyond_the_own_right_over_quota(client, db, abers):
    req, secret = abers["req"], make_token(db, abers["epci_user"])
    path = f"/api/v1/envelope/reviews/{req.id}/refuse"
    headers = bearer(secret, **{"If-Match": "*"})
    for body in ({}, {"reason": "  "}):
        missing = client.post(path, json=body, headers=headers)
        assert missing.status_code == 400 and missing.mimetype == "application/problem+json"
        assert [error["field"] for error in missing.get_json()["errors"]] == ["reason"]
    blank = client.post(path, json={"reason": ""}, headers=bearer(secret, **{"If-Match": "*", "Accept-Language": "en"}))
    assert blank.get_json()["errors"] == [{"field": "reason", "message": "The reason for rejection is required."}]
    db.session.refresh(req)
    assert req.envelope_review == EnvelopeReview.PENDING
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "request.envelope_review")) is None

    refused = client.post(path, json={"reason": "Budget de l'année épuisé."}, headers=headers)
    assert refused.status_code == 200, refused.get_json()
    body = refused.get_json()
    assert (body["review"], body["reason"]) == ("refused", "Budget de l'année épuisé.")
    assert [body[part]["half_days"] for part in ("own", "envelope", "over")] == [2, 0, 4]
    db.session.refresh(req)
    assert (req.envelope_review, req.envelope_review_reason) == (EnvelopeReview.REFUSED, "Budget de l'année épuisé.")


def test_the_epci_reads_and_sets_a_commune_cap_with_the_page_rules(client, db, abers):
    commune, period, secret = abers["commune"], abers["period"], make_token(db, abers["epci_user"])
    path = f"/api/v1/envelope/communes/{commune.id}/cap"
    read = client.get(f"{path}?period_id={period.id}", headers=bearer(secret))
    assert read.status_code == 200, read.get_json()
    assert (read.get_json()["cap"], read.get_json()["epci"]["name"]) == (None, "Pays des Abers")
    body = {"period_id": period.id, "cap_half_days": 3}
    assert client.put(path, json=body, headers=bearer(secret)).status_code == 428
    assert client.put(path, json=body, headers=bearer(secret, **{"If-Match": '"stale"'})).status_code == 412

    written = client.put(path, json=body, headers=bearer(secret, **{"If-Match": read.headers["ETag"]}))
    assert written.status_code == 200, written.get_json()
    assert written.get_json()["cap"] == {"half_days": 3, "days": 1.5}
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "envelope.cap"))
    assert (audit.before, audit.after["cap_half_days"]) == ({"cap_half_days": None}, 3)
    # The position every page reads holds the cap.
    again = client.get(f"{path}?period_id={period.id}", headers=bearer(secret)).get_json()
    assert again["cap"]["half_days"] == 3 and again["cap_left"]["half_days"] == 3

    for bad in ({"period_id": period.id, "cap_half_days": -1}, {"period_id": period.id, "cap_half_days": 2001}):
        refused = client.put(path, json=bad, headers=bearer(secret, **{"If-Match": "*"}))
        assert refused.status_code == 400 and refused.get_json()["errors"][0]["field"] == "cap_half_days"
    unknown = client.put(
        path, json={"period_id": 999_999, "cap_half_days": 2}, headers=bearer(secret, **{"If-Match": "*"})
    )
    assert unknown.status_code == 404
    removed = client.put(path, json={**body, "cap_half_days": None}, headers=bearer(secret, **{"If-Match": "*"}))
    assert removed.status_code == 200 and removed.get_json()["cap"] is None


def test_only_the_epci_s_own_users_with_a_writing_scope_decide(client, db, factory, abers):
    req, commune = abers["req"], abers["commune"]
    other_epci = factory.member("Pays d'Iroise", kind="epci", holds_envelope=True)
    strangers = {
        "other EPCI": (factory.user(member=other_epci), 404),
        "the commune's mayor": (abers["mayor"], 404),
        "coordinator": (factory.user(UserRole.COORDINATOR), 403),
    }
    calls = [
        ("POST", f"/api/v1/envelope/reviews/{req.id}/approve", None),
        ("PUT", f"/api/v1/envelope/communes/{commune.id}/cap", {"period_id": abers["period"].id, "cap_half_days": 2}),
    ]
    for who, (user, status) in strangers.items():
        for method, path, body in calls:
            response = client.open(
                path, method=method, json=body, headers=bearer(make_token(db, user), **{"If-Match": "*"})
            )
            assert response.status_code == status, (who, path)
    read_only = make_token(db, abers["epci_user"], [api_tokens.READ])
    for method, path, body in calls:
        response = client.open(path, method=method, json=body, headers=bearer(read_only, **{"If-Match": "*"}))
        assert response.status_code == 403 and "requests:write" in response.get_json()["detail"]
    db.session.refresh(req)
    assert req.envelope_review == EnvelopeReview.PENDING
    assert db.session.scalar(select(AuditLog).where(AuditLog.action.like("envelope.%"))) is None


def test_turning_the_approval_off_sends_the_waiting_draws_to_the_coordinators(client, db, abers):
    req, secret = abers["req"], make_token(db, abers["epci_user"])
    path = "/api/v1/envelope/approval-setting"
    read = client.get(path, headers=bearer(secret))
    assert read.get_json() == {"epci": {"id": abers["epci"].id, "name": "Pays des Abers"}, "draws_need_approval": True}
    body = {"draws_need_approval": False}
    assert client.put(path, json=body, headers=bearer(secret)).status_code == 428
    assert client.put(path, json={}, headers=bearer(secret, **{"If-Match": "*"})).status_code == 400
    turned = client.put(path, json=body, headers=bearer(secret, **{"If-Match": read.headers["ETag"]}))
    assert turned.status_code == 200 and turned.get_json()["draws_need_approval"] is False
    db.session.refresh(req)
    assert req.envelope_review is None and abers["epci"].envelope_draws_need_approval is False
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "envelope.approval_setting"))
    assert audit.after == {"envelope_draws_need_approval": False, "released_requests": [req.id]}
    assert client.get("/api/v1/envelope/reviews", headers=bearer(secret)).get_json()["items"] == []
    # The old ETag no longer matches: the setting changed since it was read.
    stale = client.put(
        path, json={"draws_need_approval": True}, headers=bearer(secret, **{"If-Match": read.headers["ETag"]})
    )
    assert stale.status_code == 412


def test_the_epci_s_waiting_draws_do_not_grow_in_queries_with_rows(client, db, factory, abers):
    from query_counter import QueryCounter

    headers = bearer(make_token(db, abers["epci_user"]))

    def count() -> int:
        db.session.expire_all()  # each call starts from what a new web request has: nothing loaded
        with QueryCounter(db.engine) as counter:
            response = client.get("/api/v1/envelope/reviews", headers=headers)
        assert response.status_code == 200
        return counter.count, response.get_json()["total"]

    def add_draws(n):
        for i in range(n):
            commune = factory.member(f"Commune {i}", parent_id=abers["epci"].id)
            req = factory.request(commune, status=RequestStatus.SUBMITTED, skills=(f"s{i}",))
            req.envelope_review = EnvelopeReview.PENDING
        db.session.flush()

    count()  # the first call of the token writes its last use (at most once a minute)
    few, listed = count()
    add_draws(8)
    assert count() == (few, listed + 8)
