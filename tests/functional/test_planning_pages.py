"""The coordinator's planning pages: preview, commit, history, move and cancel a booking."""

import re
from datetime import date

import pytest
from factories import FIXED_NOW
from planning_helpers import book_request_a, small_pool, table_counts
from sqlalchemy import func, select

from expertpool.models import AllocationRun, AuditLog, Booking, Notification, RequestStatus, UserRole


@pytest.fixture
def pool(factory, frozen_clock):
    return small_pool(factory)


def test_planning_pages_are_for_staff_only(client, login, pool):
    assert client.get("/planification/").status_code == 302  # to the login page
    login(pool.user_a)
    assert client.get("/planification/").status_code == 403
    assert client.post("/planification/apercu").status_code == 403
    assert client.post("/planification/valider").status_code == 403


def test_preview_then_commit(client, login, db, pool):
    login(pool.coordinator)
    page = client.get("/planification/")
    assert page.status_code == 200
    assert "Calculer un aperçu" in page.text and "12 janvier 2027" in page.text
    assert "Prochain passage automatique : 12 janv. 2027 06:00" in page.text  # weekdays 06:00, Paris
    before = table_counts(db.session)

    response = client.post("/planification/apercu", data={"weeks": ""})
    assert response.status_code == 302
    preview = db.session.scalar(select(AllocationRun))
    assert preview.mode == "preview"
    assert table_counts(db.session) == {**before, "allocation_runs": 1}
    detail = client.get(response.location)
    assert detail.status_code == 200
    for text in ("Plouzané", "Locmaria", "Anne Le Gall", "Valider ce plan", "Niveau après", "25 %"):
        assert text in detail.text, text
    assert "non servis" in detail.text  # each request misses three half-days, with the engine's reason
    # Per request, the proposed half-days read as interventions (issue 15), each one click from its half-days.
    per_request = re.search(r'id="per-request".*?</section>', detail.text, re.S).group(0)
    runs = re.findall(r"<summary>([^<]*)</summary>", per_request)
    assert runs and all(re.fullmatch(r"\d+(–\d+)? janv\. 2027, \d+ demi-journées, Anne Le Gall", r) for r in runs), runs
    assert sum(int(re.search(r", (\d+) demi", r).group(1)) for r in runs) <= 10

    committed = client.post("/planification/valider", data={"preview_id": preview.id}, follow_redirects=True)
    assert committed.status_code == 200
    assert "Plan validé" in committed.text
    assert db.session.scalar(select(func.count(Booking.id))) == 10
    run = db.session.scalar(select(AllocationRun).where(AllocationRun.mode == "commit"))
    assert run.triggered_by_id == pool.coordinator.id
    history = client.get("/planification/historique")
    assert history.status_code == 200 and f"Passage n° {run.id}" in history.text
    listing = client.get(f"/planification/reservations?passage={run.id}")
    assert listing.status_code == 200 and listing.text.count("déplacer ou annuler") == 10


def test_commit_recomputes_when_the_database_changed_since_the_preview(client, login, db, factory, pool):
    login(pool.coordinator)
    client.post("/planification/apercu", data={})
    preview = db.session.scalar(select(AllocationRun))
    first = preview.plan["assignments"][0]
    # Meanwhile the first proposed half-day is taken by another booking.
    factory.booking(pool.request_a, pool.expert, date.fromisoformat(first["date"]), first["half"])
    response = client.post("/planification/valider", data={"preview_id": preview.id}, follow_redirects=True)
    assert "Les données ont changé depuis l&#39;aperçu" in response.text
    run = db.session.scalar(select(AllocationRun).where(AllocationRun.mode == "commit"))
    assert run.booked_half_days == 9  # the committed figures, not the previewed ones
    assert f"{run.id}" in response.text


def test_preview_rejects_a_bad_horizon_with_a_french_message(client, login, db, pool):
    login(pool.coordinator)
    response = client.post("/planification/apercu", data={"weeks": "abc"})
    assert response.status_code == 400
    assert "Indiquez un nombre entier de semaines." in response.text
    response = client.post("/planification/apercu", data={"weeks": "99"})
    assert response.status_code == 400 and "entre 1 et 60 semaines" in response.text
    assert db.session.scalar(select(func.count(AllocationRun.id))) == 0


@pytest.fixture
def booked(factory, pool):
    return book_request_a(factory, pool)


def test_move_refuses_an_unavailable_half_day_in_french(client, login, db, factory, pool, booked):
    factory.unavailability(pool.expert, date(2027, 1, 14), half="pm", reason="formation")
    login(pool.coordinator)
    assert client.get(f"/planification/reservations/{booked.id}/deplacer").status_code == 200
    before = table_counts(db.session)
    response = client.post(
        f"/planification/reservations/{booked.id}/deplacer",
        data={"expert": pool.expert.id, "day": "2027-01-14", "half": "pm"},
    )
    assert response.status_code == 400
    assert "L&#39;expert est indisponible sur cette demi-journée." in response.text
    assert 'id="half-error"' in response.text  # next to the field it concerns
    assert table_counts(db.session) == before
    db.session.refresh(booked)
    assert (booked.date, booked.half, booked.sequence) == (date(2027, 1, 13), "am", 0)


@pytest.mark.parametrize(
    ("day", "half", "message"),
    [
        ("2027-03-29", "am", "Ce jour est férié (Lundi de Pâques)."),
        ("2027-01-16", "am", "ne travaille pas pour le pool sur cette demi-journée"),
        ("2027-01-13", "pm", "déjà réservée"),
        ("2027-01-10", "am", "Choisissez une date à partir de demain."),
        ("13/01/2027x", "am", "Date invalide"),
    ],
)
def test_move_refuses_what_the_expert_cannot_take(client, login, factory, pool, booked, day, half, message):
    factory.booking(pool.request_b, pool.expert, date(2027, 1, 13), "pm")
    login(pool.coordinator)
    response = client.post(
        f"/planification/reservations/{booked.id}/deplacer", data={"expert": pool.expert.id, "day": day, "half": half}
    )
    assert response.status_code == 400
    assert message in response.text.replace("&#39;", "'")


def test_move_refuses_an_expert_without_the_skills(client, login, factory, pool, booked):
    other = factory.expert("Paul Sans-Postgres", roles=("dba",))
    login(pool.coordinator)
    response = client.post(
        f"/planification/reservations/{booked.id}/deplacer",
        data={"expert": other.id, "day": "2027-01-14", "half": "am"},
    )
    assert response.status_code == 400 and "Choisissez un expert de la liste." in response.text


def test_move_to_a_free_half_day_is_audited_and_told(client, login, db, factory, pool, booked):
    login(pool.coordinator)
    response = client.post(
        f"/planification/reservations/{booked.id}/deplacer",
        data={"expert": pool.expert.id, "day": "14/01/2027", "half": "pm"},
    )
    assert response.status_code == 302
    db.session.refresh(booked)
    assert (booked.date, booked.half, booked.sequence) == (date(2027, 1, 14), "pm", 1)
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "booking.move"))
    assert row.actor_id == pool.coordinator.id and row.before["date"] == "2027-01-13"
    assert row.after["half"] == "pm" and row.request_id == pool.request_a.id
    told = {n.user_id for n in db.session.scalars(select(Notification).where(Notification.kind == "booking.moved"))}
    assert told == {pool.user_a.id, pool.expert_user.id}
    page = client.get(response.location)
    # Dates in the history read in French, the half-day beside them (never raw ISO dates).
    assert "déplacée du 13 janvier 2027 (matin) au 14 janvier 2027 (après-midi)" in page.text
    assert "déplacée du 2027" not in page.text


def test_cancel_frees_the_half_day_and_reopens_the_request(client, login, db, pool, booked):
    login(pool.coordinator)
    response = client.post(f"/planification/reservations/{booked.id}/annuler", data={"reason": "Mairie fermée"})
    assert response.status_code == 302
    db.session.refresh(booked)
    db.session.refresh(pool.request_a)
    assert booked.status == "cancelled" and booked.note == "Mairie fermée"
    assert pool.request_a.status == RequestStatus.APPROVED
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "booking.cancel"))
    assert row.after["request_status"] == "approved" and row.before["request_status"] == "scheduled"
    too_long = client.post(f"/planification/reservations/{booked.id}/annuler", data={"reason": "x" * 501})
    assert too_long.status_code == 400


def test_flagged_bookings_are_listed_with_a_move_action(client, login, factory, pool, booked):
    booked.to_reschedule = True
    factory.session.flush()
    login(pool.coordinator)
    page = client.get("/planification/")
    assert "Réservations à déplacer" in page.text
    assert f"/planification/reservations/{booked.id}/deplacer" in page.text


def test_history_is_paginated(client, login, factory, pool):
    for _ in range(30):
        factory._add(
            AllocationRun(
                mode="preview",
                status="done",
                horizon_start=date(2027, 1, 12),
                horizon_end=date(2027, 1, 18),
                started_at=FIXED_NOW,
            )
        )
    admin = factory.user(role=UserRole.ADMIN, email="admin@pool.example")
    login(admin)
    first = client.get("/planification/historique")
    assert first.status_code == 200 and "Page 1 sur 2" in first.text
    assert client.get("/planification/historique?page=2").status_code == 200
    assert client.get("/planification/passages/999999").status_code == 404


def test_move_page_suggests_only_free_half_days(client, login, factory, pool, booked):
    factory.unavailability(pool.expert, date(2027, 1, 14), date(2027, 1, 15), reason="congés")
    login(pool.coordinator)
    page = client.get(f"/planification/reservations/{booked.id}/deplacer")
    assert page.status_code == 200
    assert "12 janvier 2027 (matin)" in page.text  # FIXED_NOW is the 11th: tomorrow is the first choice
    assert "13 janvier 2027 (matin) — Anne Le Gall" not in page.text  # the booking itself holds it
    assert "13 janvier 2027 (après-midi) — Anne Le Gall" in page.text
    assert "14 janvier 2027" not in page.text and "15 janvier 2027" not in page.text  # away
    chosen = client.post(
        f"/planification/reservations/{booked.id}/deplacer",
        data={"expert": pool.expert.id, "day": "2027-01-12", "half": "pm"},
    )
    assert chosen.status_code == 302
