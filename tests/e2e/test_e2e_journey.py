"""Browser journeys in Debian's chromium: a mayor requests an expert, a coordinator approves and commits
a plan, the expert sees the half-days and records them delivered, the mayor rates (screenshots in the
artefacts directory); and two coordinators approving the same request at once.
"""

import re
from datetime import timedelta

import pytest
from factories import Factory

from expertpool.extensions import db as _db
from expertpool.models import Booking, BookingStatus, InterventionRequest, RequestStatus
from expertpool.timeutil import today_paris

pytestmark = pytest.mark.e2e


def shot(page, artefacts_dir, name):
    page.screenshot(path=str(artefacts_dir / f"journey-{name}.png"), full_page=True)


def assert_no_server_error(page):
    assert "Erreur du serveur" not in page.title(), page.url


@pytest.fixture(scope="module")
def pool(live_app, seeded):
    """The world plus a drawing right for the current year (the journey happens today)."""
    with live_app.app_context():
        factory = Factory(_db.session)
        from expertpool.models import Member

        members = _db.session.scalars(_db.select(Member)).all()
        factory.period(today_paris().year, members=members, half_days=20)
        if today_paris().year != (today_paris() + timedelta(days=60)).year:
            factory.period(today_paris().year + 1, members=[])
        _db.session.commit()
        _db.session.remove()
    return seeded


def in_the_past(live_app, request_id: int) -> None:
    """Time passes: the request's half-days move to last week's working days (same expert), so that
    they can be recorded as delivered today. The browser cannot wait a week; the data can."""
    with live_app.app_context():
        req = _db.session.get(InterventionRequest, request_id)
        today = today_paris()
        monday = today - timedelta(days=today.weekday() + 7)
        slots = [(monday + timedelta(days=d), half) for d in range(5) for half in ("am", "pm")]
        bookings = [b for b in req.bookings if b.status == BookingStatus.PLANNED]
        taken = set(_db.session.execute(_db.select(Booking.expert_id, Booking.date, Booking.half)).all())
        for booking in bookings:
            slot = next(s for s in slots if (booking.expert_id, *s) not in taken)
            taken.add((booking.expert_id, *slot))
            booking.date, booking.half = slot
        req.earliest = min(b.date for b in bookings)
        _db.session.commit()
        _db.session.remove()


def test_mayor_requests_coordinator_plans_expert_delivers_mayor_rates(live_app, new_page, login, pool, artefacts_dir):
    emails = pool["emails"]
    today = today_paris()

    # 1. The mayor asks for one day of a DBA.
    mayor = new_page()
    login(mayor, emails["member_a"])
    mayor.goto("/demandes/nouvelle")
    mayor.get_by_label("Titre de la demande").fill("Sauvegardes du serveur de la mairie")
    mayor.get_by_label("Votre besoin").fill("Les sauvegardes ne sont plus testées depuis un an.")
    mayor.get_by_label("Rôle recherché").select_option(label="DBA")
    mayor.get_by_label("Nombre de jours").fill("1")
    mayor.get_by_label("Au plus tôt le").fill((today + timedelta(days=1)).isoformat())
    mayor.get_by_label("Au plus tard le").fill((today + timedelta(days=40)).isoformat())
    mayor.get_by_label("À distance").check()
    shot(mayor, artefacts_dir, "1-mayor-request-form")
    mayor.get_by_role("button", name="Envoyer la demande").click()
    mayor.wait_for_load_state()
    shot(mayor, artefacts_dir, "2-mayor-request-sent")
    assert_no_server_error(mayor)
    with live_app.app_context():
        request_id = _db.session.scalar(
            _db.select(InterventionRequest.id).where(InterventionRequest.title == "Sauvegardes du serveur de la mairie")
        )
        _db.session.remove()
    assert request_id is not None, mayor.inner_text("main")[:1000]

    # 2. The coordinator approves it, previews a plan and commits it.
    coordinator = new_page()
    login(coordinator, emails["coordinator"])
    coordinator.goto(f"/coordination/demandes/{request_id}")
    coordinator.get_by_role("button", name="Accepter la demande").click()
    coordinator.wait_for_load_state()
    assert_no_server_error(coordinator)
    assert "acceptée" in coordinator.inner_text("main")
    coordinator.goto("/planification/")
    coordinator.get_by_role("button", name="Calculer un aperçu").click()
    coordinator.wait_for_load_state()
    shot(coordinator, artefacts_dir, "3-coordinator-preview")
    coordinator.get_by_role("button", name="Valider ce plan").click()
    coordinator.wait_for_load_state()
    assert_no_server_error(coordinator)
    shot(coordinator, artefacts_dir, "4-coordinator-plan-committed")
    with live_app.app_context():
        req = _db.session.get(InterventionRequest, request_id)
        assert req.status == RequestStatus.SCHEDULED, req.unserved_message
        booking_ids = [b.id for b in req.bookings]
        expert_id = req.bookings[0].expert_id
        _db.session.remove()
    assert len(booking_ids) == 2
    expert_role = "expert_x" if expert_id == pool["ids"]["expert"] else "expert_y"

    # 3. A week later, the expert sees the half-days and records them delivered.
    in_the_past(live_app, request_id)
    expert = new_page()
    login(expert, emails[expert_role])
    expert.goto("/agenda/interventions")
    assert_no_server_error(expert)
    assert "Sauvegardes du serveur de la mairie" in expert.inner_text("main")
    shot(expert, artefacts_dir, "5-expert-assignments")
    for booking_id in booking_ids:
        expert.goto(f"/agenda/creneaux/{booking_id}/realisation")
        expert.get_by_label("Réalisée", exact=True).check()
        expert.get_by_role("button", name="Enregistrer").click()
        expert.wait_for_load_state()
        assert_no_server_error(expert)
    shot(expert, artefacts_dir, "6-expert-delivered")

    # 4. The mayor rates the intervention.
    mayor.goto(f"/demandes/{request_id}")
    mayor.get_by_label(re.compile("^5")).check()
    mayor.get_by_label("Commentaire (facultatif)").fill("Rapide et clair, merci !")
    mayor.get_by_role("button", name="Envoyer mon évaluation").click()
    mayor.wait_for_load_state()
    assert_no_server_error(mayor)
    assert "Votre évaluation" in mayor.inner_text("main")
    shot(mayor, artefacts_dir, "7-mayor-rated")
    with live_app.app_context():
        req = _db.session.get(InterventionRequest, request_id)
        assert (req.status, req.rating) == (RequestStatus.RATED, 5)
        _db.session.remove()


def test_two_coordinators_approving_at_once_one_wins(live_app, new_page, login, pool, artefacts_dir):
    emails = pool["emails"]
    request_id = pool["ids"]["request"]  # member A's submitted request
    first, second = new_page(), new_page()
    login(first, emails["coordinator"])
    login(second, emails["admin"])
    for page in (first, second):
        page.goto(f"/coordination/demandes/{request_id}")
        page.get_by_label("Jours accordés").fill("1")
    # Both press the button before either answer comes back.
    for page in (first, second):
        page.get_by_role("button", name="Accepter la demande").click(no_wait_after=True)
    for page in (first, second):
        page.wait_for_load_state()
        assert_no_server_error(page)
    texts = [first.inner_text("main"), second.inner_text("main")]
    conflict = "vient d'être traitée par un autre coordinateur"
    assert sum(conflict in text for text in texts) == 1, texts
    shot(first, artefacts_dir, "8-coordinator-a")
    shot(second, artefacts_dir, "9-coordinator-b")
    with live_app.app_context():
        from expertpool.models import AuditLog

        approvals = _db.session.scalar(
            _db.select(_db.func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == "request.approve", AuditLog.request_id == request_id)
        )
        assert approvals == 1
        _db.session.remove()
