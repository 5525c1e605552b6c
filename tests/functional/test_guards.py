"""Issue 19, case 7: approving more than asked, a window too short for the days asked, a manual move
outside the request's window, and French dates in move histories."""

from datetime import date

import pytest
from member_support import request_form, row_counts
from planning_helpers import book_request_a, small_pool
from sqlalchemy import select

from expertpool.models import AuditLog, Booking, InterventionRequest, OutboxMail, RequestStatus, UserRole

pytest_plugins = ["member_fixtures"]


# --- approving more than asked ----------------------------------------------------------------------


@pytest.fixture
def asked_two_days(factory):
    factory.settings(unit_price_cents=18000)
    member = factory.member("Tréglonou")
    factory.period(2027, members=[member], half_days=40)
    mayor = factory.user(member=member, email="maire@treglonou.example")
    coordinator = factory.user(role=UserRole.COORDINATOR)
    req = factory.request(member, half_days=4, title="Pare-feu de la mairie", created_by=mayor)
    return coordinator, mayor, req


def test_approving_more_than_asked_needs_a_confirmation_and_a_reason(client, login, db, asked_two_days, app):
    coordinator, mayor, req = asked_two_days
    login(coordinator)
    url = f"/coordination/demandes/{req.id}/accepter"

    refused = client.post(url, data={"days": "5", "note": ""})
    assert refused.status_code == 400
    assert "Vous accordez plus de jours que demandé (2 jours) : cochez la case pour le confirmer." in refused.text
    assert "Indiquez pourquoi vous accordez plus de jours que demandé : le membre lira ce motif." in refused.text
    assert 'id="confirm_more-error"' in refused.text and 'id="note-error"' in refused.text
    unconfirmed = client.post(url, data={"days": "5", "note": "Audit complet du réseau en plus"})
    assert unconfirmed.status_code == 400
    no_reason = client.post(url, data={"days": "5", "note": "  ", "confirm_more": "y"})
    assert no_reason.status_code == 400
    db.session.refresh(req)
    assert req.status == RequestStatus.SUBMITTED and req.approved_half_days is None
    assert db.session.scalar(select(OutboxMail.id)) is None

    done = client.post(url, data={"days": "5", "note": "Audit complet du réseau en plus", "confirm_more": "y"})
    assert done.status_code == 303
    db.session.refresh(req)
    assert (req.status, req.approved_half_days) == (RequestStatus.APPROVED, 10)
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.recipient == mayor.email))
    base = app.config["EXPERTPOOL_BASE_URL"]
    assert mail.subject == "Demande acceptée"
    assert mail.body == (
        f"Bonjour {mayor.name},\n\n"
        "Votre demande « Pare-feu de la mairie » est acceptée pour 5 jours (vous aviez demandé 2 jours). "
        "Motif : Audit complet du réseau en plus\n\n"
        f"Pour voir le détail : {base}/demandes/{req.id}\n\n"
        "Ce message vous est envoyé automatiquement : n'y répondez pas.\n"
    )
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "request.approve"))
    assert row.after["approved_half_days"] == 10 and row.after["approval_note"] == "Audit complet du réseau en plus"


def test_approving_fewer_or_as_many_days_needs_no_confirmation(client, login, db, asked_two_days):
    coordinator, _mayor, req = asked_two_days
    login(coordinator)
    assert client.post(f"/coordination/demandes/{req.id}/accepter", data={"days": "2"}).status_code == 303


# --- a window with fewer working half-days than asked -------------------------------------------------


def test_a_request_longer_than_its_window_is_refused_at_the_form(client, login, db, member_pool, member_clock):
    login(member_pool.user)
    before = row_counts(db)
    # Friday 22 January 2027 alone holds one working day: ten days cannot fit in it.
    data = request_form(
        role=str(member_pool.dba.roles[0].id), days="10", earliest="2027-01-22", deadline="2027-01-22", action="submit"
    )
    response = client.post("/demandes/nouvelle", data=data)
    assert response.status_code == 400
    assert (
        "Du 22 janvier 2027 au 22 janvier 2027, il n&#39;y a qu&#39;un jour ouvré (week-ends et jours fériés "
        "exclus) : demandez au plus 1 jour, ou élargissez les dates." in response.text
    )
    assert 'id="days-error"' in response.text
    assert row_counts(db) == before

    # A weekend and a public holiday count for nothing: Fri 30 April – Mon 3 May 2027 (1 May is a
    # Saturday) holds two working days.
    weekend = client.post(
        "/demandes/nouvelle", data={**data, "days": "3", "earliest": "2027-04-30", "deadline": "2027-05-03"}
    )
    assert weekend.status_code == 400 and "il n&#39;y a que 2 jours ouvrés" in weekend.text
    fits = client.post(
        "/demandes/nouvelle", data={**data, "days": "2", "earliest": "2027-04-30", "deadline": "2027-05-03"}
    )
    assert fits.status_code == 302
    assert db.session.scalar(select(InterventionRequest.half_days)) == 4


# --- a manual move outside the request's window -------------------------------------------------------


@pytest.fixture
def pool(factory, frozen_clock):
    return small_pool(factory)


@pytest.fixture
def booked(factory, pool):
    return book_request_a(factory, pool)


def test_move_outside_the_window_needs_a_confirmation_and_a_reason(client, login, db, pool, booked):
    login(pool.coordinator)
    url = f"/planification/reservations/{booked.id}/deplacer"
    outside = {"expert": pool.expert.id, "day": "2027-04-06", "half": "pm"}  # the window ends 31 March

    refused = client.post(url, data=outside)
    assert refused.status_code == 400
    assert (
        "Cette date est hors de la fenêtre de la demande (du 12 janvier 2027 au 31 mars 2027) : "
        "cochez la case pour confirmer." in refused.text
    )
    assert 'id="confirm_outside-error"' in refused.text
    no_reason = client.post(url, data={**outside, "confirm_outside": "y"})
    assert no_reason.status_code == 400
    assert "Indiquez pourquoi la demi-journée sort de la fenêtre de la demande." in no_reason.text
    db.session.refresh(booked)
    assert (booked.date, booked.half) == (date(2027, 1, 13), "am")
    assert db.session.scalar(select(AuditLog.id).where(AuditLog.action == "booking.move")) is None

    done = client.post(url, data={**outside, "confirm_outside": "y", "outside_reason": "Mairie fermée en mars"})
    assert done.status_code == 302
    db.session.refresh(booked)
    assert (booked.date, booked.half) == (date(2027, 4, 6), "pm")
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "booking.move"))
    assert row.after["outside_window"] is True and row.after["reason"] == "Mairie fermée en mars"
    page = client.get(done.location).text
    assert (
        "déplacée du 13 janvier 2027 (matin) au 6 avril 2027 (après-midi) — hors de la fenêtre de la demande "
        "(Mairie fermée en mars)" in page
    )
    journal = client.get("/coordination/journal?action=booking.move").text
    assert "<strong>date</strong> : 13 janvier 2027 (matin)" in journal
    assert "<strong>date</strong> : 6 avril 2027 (après-midi)" in journal
    assert "<strong>hors de la fenêtre de la demande</strong> : oui" in journal
    assert "2027-04-06" not in journal


def test_move_inside_the_window_needs_no_confirmation(client, login, db, pool, booked):
    login(pool.coordinator)
    response = client.post(
        f"/planification/reservations/{booked.id}/deplacer",
        data={"expert": pool.expert.id, "day": "2027-03-31", "half": "am"},
    )
    assert response.status_code == 302
    assert db.session.get(Booking, booked.id).date == date(2027, 3, 31)


def test_the_window_message_reads_in_english_too(client, login, db, member_pool, member_clock):
    login(member_pool.user)
    client.get("/mon-espace?lang=en")
    data = request_form(
        role=str(member_pool.dba.roles[0].id), days="4", earliest="2027-01-18", deadline="2027-01-20", action="submit"
    )
    response = client.post("/demandes/nouvelle", data=data)
    assert response.status_code == 400
    assert (
        "From 18 January 2027 to 20 January 2027 there are only 3 working days (weekends and public holidays "
        "excluded): ask for 3 days at most, or widen the dates." in response.text
    )
