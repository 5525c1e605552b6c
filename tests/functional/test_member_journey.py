"""A mayor's whole journey: browse the experts, ask for one, check the drawing right, submit, see it
approved and scheduled, cancel one request, rate a finished one."""

from datetime import date

from factories import FIXED_NOW
from member_support import request_form
from sqlalchemy import select

from expertpool.approval import approve_request
from expertpool.models import (
    AuditLog,
    Booking,
    BookingStatus,
    InterventionRequest,
    Notification,
    RequestStatus,
)

pytest_plugins = ["member_fixtures"]  # the member_pool and member_clock fixtures


def _latest_request(db):
    return db.session.scalar(select(InterventionRequest).order_by(InterventionRequest.id.desc()))


def test_whole_member_journey(client, login, db, factory, member_pool, member_clock):
    login(member_pool.user)

    # Home: the drawing right is visible at once.
    home = client.get("/mon-espace")
    assert home.status_code == 200
    assert "10 jours restants sur 10" in home.text

    # Browse and search the marketplace, open a profile.
    market = client.get("/experts/")
    assert market.status_code == 200
    assert "Alice Martin" in market.text and "Bruno Durand" in market.text
    assert "AM" in market.text  # initials avatar
    found = client.get("/experts/", query_string={"q": "postgres"})
    assert "Alice Martin" in found.text and "Bruno Durand" not in found.text
    profile = client.get(f"/experts/{member_pool.dba.id}")
    assert profile.status_code == 200
    assert "Demander cet expert" in profile.text
    assert "lundi : journée" in profile.text and "PostgreSQL" in profile.text

    # "Demander cet expert" pre-fills the form with that expert and one of the expert's roles.
    form_page = client.get("/demandes/nouvelle", query_string={"expert": member_pool.dba.id})
    assert form_page.status_code == 200
    assert f'<option selected value="{member_pool.dba.id}">' in form_page.text
    assert "1 place de la Mairie" in form_page.text

    # The within / over quota message follows the number of days (no JavaScript needed).
    base = request_form(preferred_expert=str(member_pool.dba.id), role=str(member_pool.dba.roles[0].id))
    small = client.post("/demandes/nouvelle", data={**base, "days": "2,5", "action": "preview"})
    assert small.status_code == 200
    assert "tient dans votre droit de tirage" in small.text
    assert "il vous restera 7,5 jours" in small.text
    big = client.post("/demandes/nouvelle", data={**base, "days": "12.5", "action": "preview"})
    assert big.status_code == 200
    assert "hors droit de tirage" in big.text
    assert "900,00" in big.text  # 5 half-days beyond the 20 left, at 180 € each
    assert db.session.scalar(select(InterventionRequest.id)) is None  # previews write nothing

    # Submit.
    sent = client.post("/demandes/nouvelle", data={**base, "days": "2,5", "action": "submit"})
    assert sent.status_code == 302
    req = _latest_request(db)
    assert req.status == RequestStatus.SUBMITTED and req.half_days == 5
    assert req.preferred_expert_id == member_pool.dba.id and req.member_id == member_pool.member.id
    assert db.session.scalar(select(AuditLog).where(AuditLog.request_id == req.id)).action == "request.submit"
    assert db.session.scalar(select(Notification).where(Notification.user_id == member_pool.coordinator.id))

    # The coordinator approves; the member sees it, then the scheduler books half-days.
    approve_request(req, actor=member_pool.coordinator, now=FIXED_NOW, note="Bon pour 2,5 jours")
    db.session.flush()
    detail = client.get(f"/demandes/{req.id}")
    assert "Acceptée" in detail.text and "Bon pour 2,5 jours" in detail.text
    factory.booking(req, member_pool.dba, date(2027, 1, 19), "am")
    factory.booking(req, member_pool.dba, date(2027, 1, 19), "pm")
    detail = client.get(f"/demandes/{req.id}")
    assert "19 janvier 2027 (matin)" in detail.text and "19 janvier 2027 (après-midi)" in detail.text
    assert "Alice Martin" in detail.text
    # 1 day booked and 1,5 day granted but not yet booked both hold the right (issue 19).
    home = client.get("/mon-espace").text
    assert "7,5 jours restants sur 10" in home
    assert "Accordé, pas encore planifié" in home
    assert "Alice Martin" in client.get("/mon-espace").text  # upcoming interventions

    # Cancel it before the first half-day: bookings released, quota restored, expert told.
    cancelled = client.post(f"/demandes/{req.id}/annuler", data={"reason": "Réglé en interne"})
    assert cancelled.status_code == 302
    db.session.refresh(req)
    assert req.status == RequestStatus.CANCELLED
    bookings = db.session.scalars(select(Booking).where(Booking.request_id == req.id)).all()
    assert {b.status for b in bookings} == {BookingStatus.CANCELLED}
    assert {b.sequence for b in bookings} == {1}
    assert db.session.scalar(
        select(Notification).where(
            Notification.user_id == member_pool.dba_user.id, Notification.kind == "booking_cancelled"
        )
    )
    assert "10 jours restants sur 10" in client.get("/mon-espace").text

    # A completed intervention is rated 1–5 with a comment.
    done = factory.request(
        member=member_pool.member,
        status=RequestStatus.APPROVED,
        title="Serveur de fichiers",
        created_by=member_pool.user,
    )
    factory.booking(done, member_pool.dba, date(2027, 1, 12), "am", status=BookingStatus.DELIVERED)
    done.status = RequestStatus.COMPLETED
    done.report = "Serveur remis en état, sauvegarde testée."
    db.session.flush()
    page = client.get(f"/demandes/{done.id}")
    assert "Serveur remis en état" in page.text and "Évaluer l'intervention" in page.text
    rated = client.post(f"/demandes/{done.id}/evaluer", data={"rating": "5", "comment": "Très efficace"})
    assert rated.status_code == 302
    db.session.refresh(done)
    assert done.status == RequestStatus.RATED and done.rating == 5 and done.rating_comment == "Très efficace"
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.request_id == done.id)) == "request.rate"

    # "My requests" lists both, and filters by status.
    listing = client.get("/demandes")
    assert "Sauvegardes de la mairie" in listing.text and "Serveur de fichiers" in listing.text
    only_rated = client.get("/demandes", query_string={"statut": "rated"})
    assert "Serveur de fichiers" in only_rated.text and "Sauvegardes de la mairie" not in only_rated.text


def test_the_live_quota_check_answers_a_fragment(client, login, db, factory, member_pool, member_clock):
    login(member_pool.user)
    within = client.get("/demandes/verifier-droit", query_string={"jours": "3", "debut": "2027-02-01"})
    assert within.status_code == 200 and "<html" not in within.text
    assert "il vous restera 7 jours" in within.text
    over = client.get("/demandes/verifier-droit", query_string={"jours": "11,5", "debut": "2027-02-01"})
    assert "1,5 jour seraient hors droit de tirage" in over.text and "540,00" in over.text
    for bad in ("", "0", "0,3", "1e9", "NaN", "abc"):
        assert client.get("/demandes/verifier-droit", query_string={"jours": bad}).status_code == 204
    # A request id of another member is ignored (no information about it leaks).
    theirs = factory.request(member=member_pool.other_member, status=RequestStatus.APPROVED, half_days=10)
    same = client.get("/demandes/verifier-droit", query_string={"jours": "3", "demande": theirs.id})
    assert same.text == within.text
    login(member_pool.dba_user)
    assert client.get("/demandes/verifier-droit", query_string={"jours": "3"}).status_code == 403


def test_information_requested_answered_then_rejected_with_a_reason(
    client, login, db, factory, member_pool, member_clock
):
    from expertpool.approval import reject_request, request_information

    login(member_pool.user)
    req = factory.request(member=member_pool.member, status=RequestStatus.SUBMITTED, created_by=member_pool.user)
    request_information(req, actor=member_pool.coordinator, now=FIXED_NOW, message="Quel logiciel ?")
    db.session.flush()
    home = client.get("/mon-espace").text
    assert "Le coordinateur attend votre réponse" in home
    assert "Précisions demandées" in home  # the notification, latest first
    page = client.get(f"/demandes/{req.id}").text
    assert "Quel logiciel ?" in page and "Répondre" in page
    answered = client.post(f"/demandes/{req.id}/messages", data={"body": "Le logiciel d'état civil."})
    assert answered.status_code == 302
    db.session.refresh(req)
    assert req.status == RequestStatus.SUBMITTED
    reject_request(req, actor=member_pool.coordinator, now=FIXED_NOW, reason="Hors du champ du pool")
    db.session.flush()
    page = client.get(f"/demandes/{req.id}").text
    assert "Refusée" in page and "Hors du champ du pool" in page and "Le logiciel d&#39;état civil." in page
    assert "Annuler la demande" not in page and "Modifier" not in page


def test_unserved_reason_and_report_are_shown(client, login, db, factory, member_pool, member_clock):
    login(member_pool.user)
    req = factory.request(
        member=member_pool.member,
        status=RequestStatus.APPROVED,
        created_by=member_pool.user,
        unserved_message="Aucun DBA n'est libre avant votre date limite.",
    )
    page = client.get(f"/demandes/{req.id}").text
    assert "Aucun DBA n&#39;est libre avant votre date limite." in page


def test_cancelling_without_javascript_is_a_confirmation_page_then_a_post(
    client, login, db, factory, member_pool, member_clock
):
    login(member_pool.user)
    req = factory.request(
        member=member_pool.member,
        status=RequestStatus.SCHEDULED,
        created_by=member_pool.user,
        title="Parc informatique",
    )
    factory.booking(req, member_pool.dba, date(2027, 1, 19), "am")
    detail = client.get(f"/demandes/{req.id}")
    # The request's page links to the confirmation page and to the one-off .ics of its half-days.
    assert f'href="/demandes/{req.id}/annuler"' in detail.text
    assert f"/feeds/demandes/{req.id}.ics" in detail.text
    # Step 1, GET: a confirmation page that changes nothing and says what will be released.
    confirm = client.get(f"/demandes/{req.id}/annuler")
    assert confirm.status_code == 200
    assert "Confirmer l'annulation" in confirm.text and "19 janvier 2027 (matin)" in confirm.text
    assert 'method="post"' in confirm.text and "data-confirm=" in confirm.text  # JS asks once more
    db.session.refresh(req)
    assert req.status == RequestStatus.SCHEDULED
    # Step 2, POST: the request is cancelled.
    assert client.post(f"/demandes/{req.id}/annuler", data={"reason": "Plus besoin"}).status_code == 302
    db.session.refresh(req)
    assert req.status == RequestStatus.CANCELLED
    # Once cancelled, the confirmation page sends back to the request with a message.
    again = client.get(f"/demandes/{req.id}/annuler", follow_redirects=True)
    assert "ne peut plus être annulée" in again.text
    # Another member's request: 404 on the confirmation page too.
    login(member_pool.other_user)
    assert client.get(f"/demandes/{req.id}/annuler").status_code == 404


def test_the_marketplace_is_paginated_and_keeps_the_filters(
    client, login, db, factory, member_pool, member_clock, monkeypatch
):
    monkeypatch.setattr("expertpool.catalogue.views.PER_PAGE", 1)
    login(member_pool.user)
    first = client.get("/experts/", query_string={"mode": "remote"})
    assert first.status_code == 200
    assert "2 experts trouvés" in first.text and "Page 1 sur 2" in first.text
    assert "Alice Martin" in first.text and "Bruno Durand" not in first.text
    assert "/experts/?page=2&amp;mode=remote" in first.text
    second = client.get("/experts/", query_string={"mode": "remote", "page": "2"})
    assert "Bruno Durand" in second.text and "Alice Martin" not in second.text
    # A page past the end, or not a number, shows a real page rather than an error.
    assert "Bruno Durand" in client.get("/experts/?page=99").text
    assert "Alice Martin" in client.get("/experts/?page=abc").text
    # With the "free before" filter the slicing happens after the filter.
    filtered = client.get("/experts/", query_string={"free_before": "2027-06-01", "page": "2"})
    assert filtered.status_code == 200 and "Page 2 sur 2" in filtered.text
