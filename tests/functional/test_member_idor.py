"""A member user walking the ids of another member's requests gets 404 everywhere, and nothing changes;
an EPCI holding an envelope follows its communes' requests read-only."""

from datetime import date

import pytest
from member_support import request_form, row_counts
from sqlalchemy import select

from expertpool.models import AuditLog, InterventionRequest, RequestStatus

pytest_plugins = ["member_fixtures"]  # the member_pool and member_clock fixtures


def _snapshot(db):
    requests = db.session.execute(
        select(
            InterventionRequest.id,
            InterventionRequest.status,
            InterventionRequest.title,
            InterventionRequest.rating,
            InterventionRequest.version,
        ).order_by(InterventionRequest.id)
    ).all()
    return row_counts(db), [tuple(r) for r in requests]


def _walk(client, request_id: int, role_id: int) -> list[int]:
    return [
        client.get(f"/demandes/{request_id}").status_code,
        client.get(f"/demandes/{request_id}/modifier").status_code,
        client.post(
            f"/demandes/{request_id}/modifier", data=request_form(role=str(role_id), title="Piraté", action="save")
        ).status_code,
        client.post(
            f"/demandes/{request_id}/modifier", data=request_form(role=str(role_id), title="Piraté", action="submit")
        ).status_code,
        client.get(f"/demandes/{request_id}/annuler").status_code,
        client.post(f"/demandes/{request_id}/annuler", data={"reason": "x"}).status_code,
        client.post(f"/demandes/{request_id}/evaluer", data={"rating": "1", "comment": "x"}).status_code,
        client.get(f"/demandes/{request_id}/messages").status_code,
        client.post(f"/demandes/{request_id}/messages", data={"body": "x"}).status_code,
    ]


def test_another_members_requests_answer_404_and_nothing_changes(client, login, db, factory, member_pool, member_clock):
    theirs = [
        factory.request(member=member_pool.other_member, status=status, created_by=member_pool.other_user)
        for status in (
            RequestStatus.DRAFT,
            RequestStatus.SUBMITTED,
            RequestStatus.NEEDS_INFO,
            RequestStatus.APPROVED,
            RequestStatus.COMPLETED,
        )
    ]
    factory.booking(theirs[3], member_pool.dba, date(2027, 2, 1))
    mine = factory.request(member=member_pool.member, status=RequestStatus.SUBMITTED, created_by=member_pool.user)
    login(member_pool.user)
    before = _snapshot(db)
    role_id = theirs[0].role_id
    for request_id in [r.id for r in theirs] + [mine.id + 1, mine.id + 1000, 0]:
        assert _walk(client, request_id, role_id) == [404] * 9, request_id
    assert _snapshot(db) == before
    listing = client.get("/demandes").text
    assert all(f'/demandes/{r.id}"' not in listing for r in theirs)
    assert f'/demandes/{mine.id}"' in listing


@pytest.mark.parametrize("role", ["expert", "coordinator"])
def test_other_roles_browse_the_marketplace_read_only(client, login, db, factory, member_pool, member_clock, role):
    # The member pages answer them 403: the authorisation matrix checks that (tests/trust/authz_matrix.py).
    user = member_pool.dba_user if role == "expert" else member_pool.coordinator
    login(user)
    market = client.get("/experts/")
    assert market.status_code == 200 and "Demander cet expert" not in market.text
    assert "Demander cet expert" not in client.get(f"/experts/{member_pool.dba.id}").text


def test_epci_follows_its_communes_read_only(client, login, db, factory, member_pool, member_clock):
    epci = factory.member("Vallons de Haute-Bretagne", kind="epci", holds_envelope=True)
    member_pool.member.parent_id = epci.id
    factory.quota(epci, member_pool.period, 40, kind="envelope")
    epci_user = factory.user(member=epci, name="Président EPCI")
    commune_req = factory.request(
        member=member_pool.member,
        status=RequestStatus.SUBMITTED,
        created_by=member_pool.user,
        title="Demande de la commune",
    )
    foreign = factory.request(
        member=member_pool.other_member, status=RequestStatus.SUBMITTED, created_by=member_pool.other_user
    )
    db.session.flush()
    login(epci_user)
    detail = client.get(f"/demandes/{commune_req.id}")
    assert detail.status_code == 200 and "lecture seule" in detail.text
    assert "Annuler la demande" not in detail.text and "Modifier" not in detail.text
    assert "Demande de la commune" in client.get("/demandes").text
    home = client.get("/mon-espace").text
    assert "Enveloppe partagée avec vos communes" in home and "Saint-Malo-de-Phily" in home
    before = _snapshot(db)
    codes = _walk(client, commune_req.id, commune_req.role_id)
    assert codes[0] == 200 and codes[1:] == [404] * 8
    assert _walk(client, foreign.id, foreign.role_id) == [404] * 9
    assert _snapshot(db) == before
    assert db.session.scalar(select(AuditLog.id).where(AuditLog.request_id == commune_req.id)) is None
