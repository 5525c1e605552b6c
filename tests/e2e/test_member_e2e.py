"""A mayor asks for an expert in a real browser: the drawing-right message follows the typed days
(request_form.js), the request is sent, and the member's pages pass axe-core (WCAG 2.1 AA)."""

import json
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_member_asks_for_an_expert_in_the_browser(new_page, login, axe, seeded, artefacts_dir):
    page = new_page()
    login(page, seeded["emails"]["member_a"])
    problems = {}

    page.goto("/experts/")
    problems["marketplace"] = axe(page)
    page.get_by_role("link", name="Demander cet expert : Expert X").click()
    expect(page.locator("#preferred_expert")).to_have_value(str(seeded["ids"]["expert"]))

    page.get_by_label("Titre de la demande").fill("Base de données lente")
    page.get_by_label("Votre besoin").fill("Les requêtes du logiciel d'état civil sont lentes.")
    page.get_by_label("Au plus tôt le").fill("2027-02-01")
    page.get_by_label("Au plus tard le").fill("2027-03-31")
    page.get_by_label("Adresse d'intervention").fill("Mairie, 1 place de l'Église")
    position = page.locator("#quota-position")
    page.get_by_label("Nombre de jours").fill("30")
    expect(position).to_contain_text("hors droit de tirage")
    page.get_by_label("Nombre de jours").fill("0,5")
    expect(position).to_contain_text("tient dans votre droit de tirage")
    # The server's check (what a browser without JavaScript gets) says the same.
    page.get_by_role("button", name="Vérifier").click()
    expect(page.locator("#quota-position")).to_contain_text("tient dans votre droit de tirage")
    problems["form"] = axe(page)

    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page).to_have_url(re.compile(r"/demandes/\d+$"))
    expect(page.locator("main")).to_contain_text("Envoyée au coordinateur")
    problems["detail"] = axe(page)

    page.goto(f"/demandes/{seeded['ids']['scheduled']}")
    expect(page.locator("main")).to_contain_text("Expert X")
    problems["scheduled"] = axe(page)
    page.goto(f"/experts/{seeded['ids']['expert']}")
    problems["profile"] = axe(page)
    page.goto(f"/demandes/{seeded['ids']['scheduled']}/annuler")
    problems["cancel"] = axe(page)
    # On a phone the list of requests is stacked (no sideways scrolling) and still passes.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/demandes")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    problems["list-phone"] = axe(page)

    bad = {name: found for name, found in problems.items() if found}
    if bad:
        page.screenshot(path=str(artefacts_dir / "member-e2e.png"), full_page=True)
    assert not bad, json.dumps(bad, ensure_ascii=False, indent=1)
