"""A mayor marks preferred half-days among the free ones the form shows, and after a planning run reads
on the request page which were kept; the new pages pass axe-core and do not overflow on a phone."""

import json
import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from expertpool.extensions import db as _db
from expertpool.models import InterventionRequest, RequestStatus
from expertpool.planning.service import run_allocation

pytestmark = pytest.mark.e2e

LIKED = ("2027-02-04:pm", "2027-02-05:am")


def test_mayor_marks_preferred_half_days_and_sees_them_kept(new_page, login, axe, seeded, live_app, artefacts_dir):
    page = new_page()
    login(page, seeded["emails"]["member_a"])
    problems = {}
    page.goto(f"/demandes/nouvelle?expert={seeded['ids']['expert']}")
    page.get_by_label("Titre de la demande").fill("Migration de la base de l'état civil")
    page.get_by_label("Votre besoin").fill("Passer la base de l'état civil sur le nouveau serveur.")
    page.get_by_label("Nombre de jours").fill("1")
    page.get_by_label("Au plus tôt le").fill("2027-02-01")
    page.get_by_label("Au plus tard le").fill("2027-02-12")
    page.get_by_label("Adresse d'intervention").fill("Mairie, 1 place de l'Église")
    page.get_by_role("button", name="Vérifier").click()
    slots = page.locator("input[name=preferred_slots]")
    expect(slots.first).to_be_visible()
    for value in LIKED:
        page.locator(f"input[name=preferred_slots][value='{value}']").check()
    problems["form"] = axe(page)
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    problems["form-phone"] = axe(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page).to_have_url(re.compile(r"/demandes/\d+$"))
    expect(page.locator("main")).to_contain_text("Le planning les retiendra d'abord")
    request_id = int(page.url.rsplit("/", 1)[1])

    # The coordinator approves it and the scheduler runs (the same service as the nightly job).
    with live_app.app_context():
        req = _db.session.get(InterventionRequest, request_id)
        req.status = RequestStatus.APPROVED
        _db.session.commit()
        run_allocation(actor=None, now=datetime(2027, 1, 25, 8, tzinfo=UTC), mode="commit")
        booked = {(b.date.isoformat(), b.half) for b in _db.session.get(InterventionRequest, request_id).bookings}
        _db.session.remove()
    assert {tuple(v.split(":")) for v in LIKED} <= booked

    page.reload()
    expect(page.locator("main")).to_contain_text("2 demi-journées préférées retenues sur 2.")
    problems["detail"] = axe(page)
    page.goto(f"/experts/{seeded['ids']['expert']}")
    expect(page.locator("main")).to_contain_text("Demi-journées libres")
    problems["profile"] = axe(page)

    bad = {name: found for name, found in problems.items() if found}
    if bad:
        page.screenshot(path=str(artefacts_dir / "preferred-e2e.png"), full_page=True)
    assert not bad, json.dumps(bad, ensure_ascii=False, indent=1)


def test_expert_sets_the_contact_members_see(new_page, login, axe, seeded):
    page = new_page(width=360, height=800)
    login(page, seeded["emails"]["expert_x"])
    page.goto(f"/agenda/experts/{seeded['ids']['expert']}/coordonnees")
    page.get_by_role("textbox", name="Téléphone professionnel").fill("02 98 12 34 56")
    page.get_by_label("Les deux").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not axe(page)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("main")).to_contain_text("Coordonnées enregistrées.")
    expect(page.get_by_label("Les deux")).to_be_checked()
