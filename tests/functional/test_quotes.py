"""Billable work is booked only as quoted (issue 19): the scheduler stops at the accepted quote and says
why, a new quote is accepted on the request's page, a critical request's price is acknowledged after."""

import csv
import io
import re
from datetime import date

import pytest
from factories import FIXED_NOW
from pypdf import PdfReader
from sqlalchemy import func, select

from expertpool.models import (
    AuditLog,
    Booking,
    BookingStatus,
    InterventionRequest,
    Notification,
    OutboxMail,
    Quota,
    RequestStatus,
    UserRole,
)

pytest_plugins = ["member_fixtures"]  # member_clock: the member views see FIXED_NOW


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u202f", " ").replace("\xa0", " ")


@pytest.fixture
def pool(factory, monkeypatch):
    """Tréglonou holds a drawing right of 25 half-days; one DBA works every weekday, 12 weeks ahead."""
    for module in ("expertpool.planning.views", "expertpool.coordination.queue"):
        monkeypatch.setattr(f"{module}.now_utc", lambda: FIXED_NOW)
    factory.settings(unit_price_cents=18000, auto_approve_max_half_days=0, horizon_weeks=12)
    commune = factory.member("Tréglonou")
    period = factory.period(2027, half_days=0)
    factory.quota(commune, period, 25)
    mayor = factory.user(member=commune, name="Maire de Tréglonou", email="mairie@treglonou.example")
    coordinator = factory.user(role=UserRole.COORDINATOR, name="Claire Coord")
    _user, expert = factory.expert_user("Alice Martin", roles=("dba",))
    return {
        "commune": commune,
        "period": period,
        "mayor": mayor,
        "coordinator": coordinator,
        "expert": expert,
        "role": factory.role("dba"),
    }


def _send(client, pool, days, **values):
    form = {
        "title": "Au-delà du droit",
        "description": "Beaucoup de travail.",
        "role": str(pool["role"].id),
        "preferred_expert": "",
        "days": days,
        "earliest": "2027-02-01",
        "deadline": "2027-03-31",
        "urgency": "normal",
        "place": "remote",
        "address": "",
        "action": "submit",
        **values,
    }
    assert client.post("/demandes/nouvelle", data=form).status_code == 302


def _run(client):
    response = client.post("/planification/valider", data={"preview_id": ""})
    assert response.status_code == 302, response.text


def _booked(db, req) -> int:
    return db.session.scalar(select(func.count(Booking.id)).where(Booking.request_id == req.id))


def test_the_scheduler_books_billable_half_days_only_up_to_the_accepted_quote(
    client, login, db, factory, pool, member_clock
):
    # 13,5 days for a right of 12,5: a quote of 2 half-days (360 € HT), accepted at sending.
    login(pool["mayor"])
    _send(client, pool, "13,5", accept_quote="y")
    req = db.session.scalar(select(InterventionRequest))
    assert (req.quote_half_days, req.quote_accepted_at) == (2, FIXED_NOW)
    # The coordinator grants one day more: 4 half-days are now billable, 2 more than accepted.
    login(pool["coordinator"])
    approved = client.post(
        f"/coordination/demandes/{req.id}/accepter",
        data={"days": "14,5", "note": "Une journée de recette en plus", "confirm_more": "y"},
    )
    assert approved.status_code == 303
    assert (req.status, req.over_quota_half_days) == (RequestStatus.APPROVED, 4)
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.kind == "quote.to_accept"))
    assert mail.recipient == "mairie@treglonou.example" and mail.subject.endswith("Devis à accepter")
    assert "Nouveau devis pour « Au-delà du droit » : 2 jours hors droit de tirage, 720,00 € HT." in plain(mail.body)
    detail = plain(client.get(f"/coordination/demandes/{req.id}").text)
    assert (
        "Devis en attente d'acceptation : 2 jours hors droit de tirage, 720,00 € HT (devis accepté : 1 jour)" in detail
    )

    # The run books the 25 half-days of the right and the 2 accepted beyond it: not the 2 others.
    _run(client)
    assert _booked(db, req) == 27
    assert (req.unserved_reason, req.unserved_params["accepted_billable"]) == ("quote_not_accepted", 2)
    login(pool["mayor"])
    page = plain(client.get(f"/demandes/{req.id}").text)
    assert (
        "votre devis accepté couvre 1 jour hors droit de tirage, déjà planifiés : il reste 1 jour à planifier "
        "avant votre échéance du 31 mars, dès que vous aurez accepté le nouveau devis" in page
    )
    assert "Nouveau devis à accepter" in page
    assert "2 jours hors droit de tirage × 180,00 € la demi-journée = 720,00 € HT" in page
    home = plain(client.get("/mon-espace").text)
    assert "Nouveau devis à accepter : 2 jours hors droit de tirage, 720,00 € HT." in home

    # Unticked: refused beside the box, nothing written. A quote that changed meanwhile: not accepted.
    refused = client.post(f"/demandes/{req.id}/devis", data={"quoted": "4"})
    assert refused.status_code == 400 and "Cochez cette case pour accepter le devis" in refused.text
    stale = client.post(f"/demandes/{req.id}/devis", data={"quoted": "3", "accept": "y"})
    assert stale.status_code == 302
    assert req.quote_half_days == 2
    accepted = client.post(f"/demandes/{req.id}/devis", data={"quoted": "4", "accept": "y"})
    assert accepted.status_code == 302
    db.session.refresh(req)
    assert (req.quote_half_days, req.quote_unit_price_cents, req.quote_accepted_at) == (4, 18000, FIXED_NOW)
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "request.accept_quote"))
    assert audit.before["quote_half_days"] == 2 and audit.after["quote_half_days"] == 4
    assert db.session.scalar(select(Notification).where(Notification.kind == "quote.accepted")) is not None
    assert "Nouveau devis à accepter" not in plain(client.get(f"/demandes/{req.id}").text)

    # The next run books the rest.
    login(pool["coordinator"])
    _run(client)
    assert _booked(db, req) == 29


def test_another_member_cannot_accept_the_quote(client, login, db, factory, pool, member_clock):
    login(pool["mayor"])
    _send(client, pool, "13,5", accept_quote="y")
    req = db.session.scalar(select(InterventionRequest))
    other = factory.user(member=factory.member("Lannilis"))
    login(other)
    assert client.post(f"/demandes/{req.id}/devis", data={"quoted": "2", "accept": "y"}).status_code == 404


def test_a_critical_request_is_served_first_and_its_price_acknowledged_after(
    client, login, db, factory, pool, member_clock
):
    login(pool["mayor"])
    _send(client, pool, "15", urgency="critical")  # 5 half-days beyond the right, no quote waited for
    req = db.session.scalar(select(InterventionRequest))
    login(pool["coordinator"])
    assert client.post(f"/coordination/demandes/{req.id}/accepter", data={"days": "15"}).status_code == 303
    _run(client)
    assert _booked(db, req) == 30  # served whole, before any acknowledgement
    detail = plain(client.get(f"/coordination/demandes/{req.id}").text)
    assert (
        "Urgence critique servie : prix à prendre en compte par le membre (2,5 jours hors droit, 900,00 € HT)" in detail
    )

    login(pool["mayor"])
    home = plain(client.get("/mon-espace").text)
    assert (
        "À prendre en compte — Au-delà du droit Urgence critique — devis après intervention : "
        "2,5 jours hors droit de tirage, 900,00 € HT, à prendre en compte." in home
    )
    page = plain(client.get(f"/demandes/{req.id}").text)
    assert "Prix de l'urgence à prendre en compte" in page
    assert "2,5 jours hors droit de tirage × 180,00 € la demi-journée = 900,00 € HT" in page
    assert client.post(f"/demandes/{req.id}/devis", data={"quoted": "5", "accept": "y"}).status_code == 302
    db.session.refresh(req)
    assert (req.quote_half_days, req.quote_accepted_at, req.quote_accepted_by_id) == (5, FIXED_NOW, pool["mayor"].id)
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "request.acknowledge_quote")) is not None
    assert "À prendre en compte" not in plain(client.get("/mon-espace").text)


def test_the_statement_marks_the_half_days_of_critical_requests(client, login, db, factory, pool, member_clock):
    login(pool["mayor"])
    _send(client, pool, "15", urgency="critical")
    critical = db.session.scalar(select(InterventionRequest))
    login(pool["coordinator"])
    client.post(f"/coordination/demandes/{critical.id}/accepter", data={"days": "15"})
    _run(client)
    routine = factory.request(pool["commune"], status=RequestStatus.COMPLETED, half_days=1, title="Sauvegardes")
    factory.booking(routine, pool["expert"], date(2027, 1, 13), "am", status=BookingStatus.DELIVERED)
    for booking in db.session.scalars(select(Booking).where(Booking.request_id == critical.id)):
        booking.status = BookingStatus.DELIVERED
    db.session.flush()
    url = f"/rapports/membres/{pool['commune'].id}/etat"
    query = {"period": pool["period"].id}

    html = client.get(url, query_string=query).text
    lines = re.search(r'id="statement-lines".*?</table>', html, re.S).group(0)
    # One row per intervention (its 30 half-days one click away), each marked.
    rows_html = re.findall(r"<tr data-intervention.*?</tr>", lines, re.S)
    marked = [row for row in rows_html if "urgence critique — devis après intervention" in row]
    assert sum(int(re.search(r'data-intervention="(\d+)"', row).group(1)) for row in marked) == 30
    sauvegardes = [row for row in rows_html if "Sauvegardes" in row]
    assert len(sauvegardes) == 1 and "urgence critique" not in sauvegardes[0]

    rows = list(
        csv.reader(io.StringIO(client.get(url + ".csv", query_string=query).data.decode("utf-8-sig")), delimiter=";")
    )
    marks = [r[8] for r in rows if r and re.fullmatch(r"\d\d/\d\d/\d{4}", r[0])]
    assert marks.count("urgence critique — devis après intervention") == 30 and marks.count("") == 1

    pdf = client.get(url + ".pdf", query_string=query)
    text = plain(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages))
    # Each intervention of the critical request carries the mark on a line of its own.
    marks = text.count(f"n° {critical.id} : urgence critique — devis après intervention")
    assert marks >= 1 and marks == text.count(f"n° {critical.id} — Au-delà du droit")
    assert f"n° {routine.id} : urgence" not in text


def test_the_quote_prints_as_a_pdf_for_the_member_and_the_coordinators_only(
    client, login, db, factory, pool, member_clock
):
    login(pool["mayor"])
    _send(client, pool, "13,5", accept_quote="y")
    req = db.session.scalar(select(InterventionRequest))
    assert f"/rapports/demandes/{req.id}/devis.pdf" in client.get(f"/demandes/{req.id}").text
    for user in (pool["mayor"], pool["coordinator"]):
        login(user)
        response = client.get(f"/rapports/demandes/{req.id}/devis.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        reader = PdfReader(io.BytesIO(response.data))
        text = plain(" ".join(page.extract_text() for page in reader.pages))
        assert f"Devis — demande n° {req.id}" in text and "Tréglonou" in text and "Au-delà du droit" in text
        assert "Demi-journées au-delà du droit de tirage 2" in text
        assert "Prix unitaire de la demi-journée (HT) 180,00 €" in text and "Montant (HT) 360,00 €" in text
        assert "Accepté le 11 janvier 2027." in text
        # Inert: no link, no form, no script.
        assert (
            b"/URI" not in response.data and b"/JavaScript" not in response.data and b"/AcroForm" not in response.data
        )
    login(factory.user(member=factory.member("Lannilis")))
    assert client.get(f"/rapports/demandes/{req.id}/devis.pdf").status_code == 404
    within = factory.request(pool["commune"], status=RequestStatus.SUBMITTED, half_days=1)
    login(pool["mayor"])
    assert client.get(f"/rapports/demandes/{within.id}/devis.pdf").status_code == 404  # nothing billable


def test_a_smaller_right_makes_the_member_accept_a_new_quote_before_more_is_booked(
    client, login, db, factory, pool, member_clock
):
    # Approved within the right (nothing billable, no quote); the right then shrinks to 1 day.
    req = factory.request(
        pool["commune"],
        status=RequestStatus.APPROVED,
        half_days=4,
        earliest=date(2027, 2, 1),
        deadline=date(2027, 3, 31),
    )
    req.decided_at = FIXED_NOW
    quota = db.session.scalar(select(Quota).where(Quota.member_id == pool["commune"].id))
    quota.entitled_half_days = 2
    db.session.flush()
    login(pool["coordinator"])
    _run(client)
    assert _booked(db, req) == 2
    assert req.unserved_reason == "quote_not_accepted"
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.kind == "quote.to_accept"))
    assert "Nouveau devis pour « Migration PostgreSQL » : 1 jour hors droit de tirage, 360,00 € HT." in plain(mail.body)
    # A second run with nothing new says nothing new.
    _run(client)
    assert db.session.scalar(select(func.count(OutboxMail.id)).where(OutboxMail.kind == "quote.to_accept")) == 1
