"""First calls of the JSON API: the document, authentication, a member's request journey."""

from api_support import bearer, make_token

from expertpool.models import UserRole


def test_document_is_openapi_31_and_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"] == "3.1.0"
    assert "/api/v1/requests" in doc["paths"]


def test_no_token_is_401_problem_in_french_or_english(client):
    response = client.get("/api/v1/experts")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"].startswith("Jeton")
    english = client.get("/api/v1/experts", headers={"Accept-Language": "en"})
    assert english.get_json()["status"] == 401
    assert english.get_json()["title"] == "Missing, invalid, expired or revoked token"


def test_member_lists_experts_and_creates_a_draft(client, db, factory):
    member = factory.member()
    user = factory.user(UserRole.MEMBER, member=member)
    factory.expert(name="Alice DBA")
    secret = make_token(db, user)
    listed = client.get("/api/v1/experts", headers=bearer(secret))
    assert listed.status_code == 200, listed.get_json()
    assert [e["display_name"] for e in listed.get_json()["items"]] == ["Alice DBA"]
    assert "ETag" in listed.headers
