"""A mayor sees the free half-days of the experts who fit, marks preferred ones, and reads after a run
whether they were kept; a small request can be booked at once when the pool allows it."""

import html
import re
from datetime import date

import pytest
from factories import FIXED_NOW
from member_support import request_form, row_counts
from sqlalchemy import select

from expertpool.models import AllocationRun, AuditLog, Booking, InterventionRequest, PreferredHalfDay, RequestStatus
from expertpool.planning.service import run_allocation

pytest_plugins = ["member_fixtures"]  # member_pool (Alice, a DBA; Bruno, a DSI) and member_clock (11 Jan 2027)


def _dba_form(member_pool, **values):
    values = {"earliest": "2027-01-18", "deadline": "2027-01-22", **values}
    return request_form(role=str(member_pool.dba.roles[0].id), **values)


def test_the_form_shows_the_free_half_days_of_the_experts_who_fit(client, login, factory, member_pool, member_clock):
    dba = member_pool.dba
    factory.unavailability(dba, date(2027, 1, 19))  # Tuesday on leave
    other = factory.request(member=member_pool.other_member, status=RequestStatus.SCHEDULED)
    factory.booking(other, dba, date(2027, 1, 20), "am")  # Wednesday morning booked
    page = login(member_pool.user).post("/demandes/nouvelle", data=_dba_form(member_pool, action="preview"))
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Demi-journées libres de l'expert qui convient, du 18 janvier 2027 au 22 janvier 2027." in text
    shown = set(_checkbox_values(page.text))
    week = {f"2027-01-{d}:{h}" for d in (18, 19, 20, 21, 22) for h in ("am", "pm")}
    assert shown == week - {"2027-01-19:am", "2027-01-19:pm", "2027-01-20:am"}


def test_before_a_role_is_chosen_the_form_says_how_to_see_them(client, login, member_pool, member_clock):
    page = login(member_pool.user).get("/demandes/nouvelle")
    assert "les demi-journées libres des experts qui conviennent s'affichent ici" in html.unescape(page.text)
    assert _checkbox_values(page.text) == []


def _checkbox_values(page: str) -> list[str]:
    return re.findall(r'name="preferred_slots" value="([^"]+)"', page)


def test_marked_half_days_are_kept_by_the_run_and_the_page_says_so(client, login, db, member_pool, member_clock):
    liked = ["2027-01-21:pm", "2027-01-22:am"]
    response = login(member_pool.user).post(
        "/demandes/nouvelle", data=_dba_form(member_pool, action="submit", preferred_slots=liked)
    )
    assert response.status_code == 302
    req = db.session.scalar(select(InterventionRequest).order_by(InterventionRequest.id.desc()))
    assert [(p.date.isoformat(), p.half) for p in req.preferred_half_days] == [
        ("2027-01-21", "pm"),
        ("2027-01-22", "am"),
    ]
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "request.submit"))
    assert audit.after["preferred_half_days"] == ["2027-01-21 pm", "2027-01-22 am"]
    before = html.unescape(client.get(f"/demandes/{req.id}").text)
    assert "Le planning les retiendra d'abord si elles sont encore libres" in before

    req.status, req.approved_half_days = RequestStatus.APPROVED, 4
    db.session.flush()
    run_allocation(actor=member_pool.coordinator, now=FIXED_NOW, mode="commit")
    booked = {
        (b.date.isoformat(), b.half) for b in db.session.scalars(select(Booking).where(Booking.request_id == req.id))
    }
    assert len(booked) == 4 and {("2027-01-21", "pm"), ("2027-01-22", "am")} <= booked
    after = html.unescape(client.get(f"/demandes/{req.id}").text)
    assert "2 demi-journées préférées retenues sur 2." in after
    assert after.count("retenue</span>") == 2


def test_a_preferred_half_day_taken_by_another_member_is_reported_not_kept(
    client, login, db, factory, member_pool, member_clock
):
    req = factory.request(
        member=member_pool.member,
        status=RequestStatus.APPROVED,
        half_days=1,
        earliest=date(2027, 1, 18),
        deadline=date(2027, 1, 18),
    )
    req.preferred_half_days = [PreferredHalfDay(date=date(2027, 1, 18), half="am")]
    taken = factory.request(member=member_pool.other_member, status=RequestStatus.SCHEDULED)
    factory.booking(taken, member_pool.dba, date(2027, 1, 18), "am")
    db.session.flush()
    run_allocation(actor=member_pool.coordinator, now=FIXED_NOW, mode="commit")
    page = html.unescape(login(member_pool.user).get(f"/demandes/{req.id}").text)
    assert [(b.date, b.half) for b in req.bookings] == [(date(2027, 1, 18), "pm")]
    assert '<li>18 janvier 2027 (matin) — <span class="badge text-bg-secondary">non retenue</span></li>' in page


@pytest.mark.parametrize(
    ("slots", "message"),
    [
        (["2027-02-01:am"], "Vos demi-journées préférées doivent être entre les dates de début et de fin."),
        (["lundi:am"], "Choisissez des demi-journées de la liste."),
        (["2027-01-18:soir"], "Choisissez des demi-journées de la liste."),
        (
            [f"2027-01-{d}:{h}" for d in range(18, 29) for h in ("am", "pm")],
            "Choisissez au plus 20 demi-journées préférées.",
        ),
    ],
)
def test_bad_preferred_half_days_are_refused_next_to_the_field(
    client, login, db, member_pool, member_clock, slots, message
):
    before = row_counts(db)
    data = _dba_form(member_pool, action="submit", preferred_slots=slots, deadline="2027-01-29")
    response = login(member_pool.user).post("/demandes/nouvelle", data=data)
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert f'<div id="free-slots-error" class="invalid-feedback d-block">{message}</div>' in text
    assert row_counts(db) == before


def test_a_free_half_day_on_the_experts_profile_opens_the_form_with_it_preferred(
    client, login, member_pool, member_clock
):
    dba = member_pool.dba
    profile = html.unescape(login(member_pool.user).get(f"/experts/{dba.id}").text)
    assert "Demi-journées libres" in profile and "Du 12 janvier 2027 au 8 février 2027." in profile
    raw = login(member_pool.user).get(f"/experts/{dba.id}").text
    assert f'href="/demandes/nouvelle?expert={dba.id}&amp;creneau=2027-01-20:pm"' in raw
    form = client.get(f"/demandes/nouvelle?expert={dba.id}&creneau=2027-01-20:pm")
    assert 'value="2027-01-20:pm" id="slot-2027-01-20-pm" checked' in form.text
    assert 'value="2027-01-20"' in form.text  # the request starts that day


def test_a_small_request_is_booked_at_once_when_the_pool_allows_it(
    client, login, db, factory, member_pool, member_clock
):
    factory.settings(instant_booking_max_half_days=2)
    response = login(member_pool.user).post(
        "/demandes/nouvelle", data=_dba_form(member_pool, action="submit", days="1", preferred_slots=["2027-01-21:pm"])
    )
    assert response.status_code == 302
    req = db.session.scalar(select(InterventionRequest).order_by(InterventionRequest.id.desc()))
    assert req.status == RequestStatus.SCHEDULED
    booked = {(b.date.isoformat(), b.half) for b in req.bookings}
    assert len(booked) == 2 and ("2027-01-21", "pm") in booked
    run = db.session.scalar(select(AllocationRun))
    assert run.mode == "commit" and run.booked_half_days == 2
    actions = [a.action for a in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert actions[-3:] == ["request.auto_approve", "request.schedule", "allocation.run"]
    page = html.unescape(client.get(f"/demandes/{req.id}").text)
    assert "Votre demande est envoyée, acceptée et déjà planifiée : voici ses demi-journées." in page


def test_without_the_setting_or_beyond_its_size_the_request_waits_for_the_coordinator(
    client, login, db, factory, member_pool, member_clock
):
    factory.settings(instant_booking_max_half_days=2)
    login(member_pool.user).post("/demandes/nouvelle", data=_dba_form(member_pool, action="submit", days="2"))
    req = db.session.scalar(select(InterventionRequest).order_by(InterventionRequest.id.desc()))
    assert req.status == RequestStatus.SUBMITTED and req.bookings == []
    assert db.session.scalar(select(AllocationRun)) is None


def test_when_a_run_holds_the_lock_the_request_is_approved_and_left_to_the_scheduler(
    client, login, db, factory, member_pool, member_clock, monkeypatch
):
    from expertpool.planning import instant
    from expertpool.planning.service import AllocationBusy

    def busy(**_kwargs):
        raise AllocationBusy("busy")

    monkeypatch.setattr(instant, "run_allocation", busy)
    factory.settings(instant_booking_max_half_days=2)
    response = login(member_pool.user).post(
        "/demandes/nouvelle", data=_dba_form(member_pool, action="submit", days="1")
    )
    assert response.status_code == 302
    req = db.session.scalar(select(InterventionRequest).order_by(InterventionRequest.id.desc()))
    assert req.status == RequestStatus.APPROVED and req.bookings == []
