"""A coordinator's what-if in chromium: create a scenario, run it (the queue drained as the scheduler
process would), compare it with the baseline and export the comparison; axe-core finds nothing serious."""

from datetime import timedelta

import pytest
from factories import Factory

from expertpool.extensions import db as _db
from expertpool.tasks import drain
from expertpool.timeutil import now_utc, today_paris

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def pool(live_app, seeded):
    """The world plus a drawing right for this year (the world holds next year's, as the journey does)."""
    with live_app.app_context():
        from expertpool.models import Member

        factory = Factory(_db.session)
        members = _db.session.scalars(_db.select(Member)).all()
        factory.period(today_paris().year, members=members, half_days=20)
        if today_paris().year != (today_paris() + timedelta(days=60)).year:
            factory.period(today_paris().year + 1, members=[])
        _db.session.commit()
        _db.session.remove()
    return seeded


def _drain(live_app):
    with live_app.app_context():
        ran = drain(now=now_utc())
        _db.session.remove()
    return ran


def test_coordinator_creates_runs_compares_and_exports(pool, live_app, new_page, login, axe, artefacts_dir):
    page = new_page()
    login(page, pool["emails"]["coordinator"])
    page.goto("/scenarios/")
    assert axe(page) == []
    page.get_by_role("link", name="Nouveau scénario").click()
    page.get_by_label("Nom du scénario").fill("Un expert de plus")
    page.get_by_label("Experts ajoutés", exact=True).fill("1")
    page.get_by_label("Rôle des experts ajoutés").select_option(index=0)
    page.get_by_label("Semaine de travail des experts ajoutés").select_option("half")
    page.get_by_label("Arrivée des experts ajoutés").fill((today_paris() + timedelta(days=1)).isoformat())
    assert axe(page) == []
    page.get_by_role("button", name="Enregistrer le scénario").click()
    page.wait_for_load_state()
    assert "Jamais lancé" in page.inner_text("main")
    page.get_by_role("button", name="Lancer le calcul").click()
    page.wait_for_load_state()
    assert "En attente de calcul" in page.inner_text("main")
    assert axe(page) == []
    assert _drain(live_app) >= 1
    # The page's poll sees the run done and reloads itself.
    page.locator("[data-scenario-label]", has_text="Calculé").wait_for(timeout=15_000)
    page.wait_for_load_state()
    assert "Avec 1 expert de plus" in page.inner_text("main")
    assert axe(page) == []
    page.screenshot(path=str(artefacts_dir / "scenario-show.png"), full_page=True)
    page.get_by_role("link", name="Scénarios", exact=True).first.click()
    page.get_by_label("Comparer Un expert de plus").check()
    page.get_by_role("button", name="Comparer les scénarios cochés").click()
    page.wait_for_load_state()
    text = page.inner_text("main")
    assert "Situation actuelle (aperçu du planificateur)" in text and "Par membre" in text
    assert axe(page) == []
    page.screenshot(path=str(artefacts_dir / "scenario-compare.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    assert download.value.suggested_filename == "comparaison-scenarios.xlsx"
    # Usable at 360 px: no sideways scrolling of the page (tables scroll inside their own box).
    small = new_page(width=360, height=740)
    login(small, pool["emails"]["coordinator"])
    small.goto(page.url)
    assert small.evaluate("document.documentElement.scrollWidth") <= 360
