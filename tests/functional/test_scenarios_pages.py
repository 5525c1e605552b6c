"""The scenario pages: a coordinator creates, runs (through the queue), compares and exports; members
and experts are refused; bad input gets French messages next to the fields and writes nothing."""

import html
import io
import re

import pytest
from factories import FIXED_NOW
from openpyxl import load_workbook
from planning_helpers import small_pool
from query_counter import QueryCounter
from sqlalchemy import func, select

from expertpool.models import AuditLog, QuotaPeriod, Scenario
from expertpool.tasks import drain


@pytest.fixture
def pool(factory, monkeypatch):
    monkeypatch.setattr("expertpool.scenarios.views.now_utc", lambda: FIXED_NOW)  # Monday 11 January 2027
    return small_pool(factory)


def _count(db):
    return db.session.scalar(select(func.count()).select_from(Scenario))


def _create(client, **fields):
    data = {"name": "Un DBA de plus", "base": "backlog", "policy": "", "member": "None", "add_week": "full"}
    data.update(fields)
    return client.post("/scenarios/nouveau", data=data)


def test_coordinator_creates_runs_compares_and_exports(db, login, pool):
    client = login(pool.coordinator)
    response = _create(
        client,
        add_count="1",
        add_role="dba",
        add_skills=["postgresql"],
        add_week="half",
        add_start="12/01/2027",
    )
    assert response.status_code == 303
    scenario = db.session.scalars(select(Scenario)).one()
    assert scenario.changes["experts_added"][0]["start"] == "2027-01-12"
    page = html.unescape(client.get(f"/scenarios/{scenario.id}").get_data(as_text=True))
    assert "Jamais lancé" in page and "Avec 1 expert de plus (dba)" in page
    assert client.post(f"/scenarios/{scenario.id}/lancer").status_code == 303
    page = html.unescape(client.get(f"/scenarios/{scenario.id}").get_data(as_text=True))
    assert "En attente de calcul" in page and "<progress" in page and "Actualiser la page" in page
    assert client.get(f"/scenarios/{scenario.id}/etat").get_json() == {
        "status": "queued",
        "label": "En attente de calcul",
        "progress": 0,
    }
    assert drain(now=FIXED_NOW) == 1
    page = html.unescape(client.get(f"/scenarios/{scenario.id}").get_data(as_text=True))
    assert "Calculé" in page
    assert "Avec 1 expert de plus (dba), 1 membre de moins reste en attente" in page
    compare = client.get(f"/scenarios/comparer?s={scenario.id}")
    assert compare.status_code == 200
    text = html.unescape(compare.get_data(as_text=True))
    assert "Plouzané" in text and "Occupation des experts" in text and "data-chart-spec" in text
    csv = client.get(f"/scenarios/comparer?s={scenario.id}&format=csv").get_data().decode("utf-8-sig")
    assert "Servi dans le droit de tirage;;Situation actuelle (aperçu du planificateur);5,0" in csv
    assert "Servi dans le droit de tirage;;Un DBA de plus;7,5" in csv
    workbook = load_workbook(io.BytesIO(client.get(f"/scenarios/comparer?s={scenario.id}&format=xlsx").get_data()))
    assert workbook.active["D2"].value == 5.0
    problem = client.get(f"/scenarios/{scenario.id}/probleme.json?partie=1").get_json()
    assert problem["format"] == "expertpool-problem/2" and len(problem["experts"]) == 2
    assert client.get(f"/scenarios/{scenario.id}/plan.json?partie=1").get_json()["format"] == "expertpool-plan/2"
    assert client.get(f"/scenarios/{scenario.id}/plan.json?partie=9").status_code == 404
    # Duplicated, then deleted: each audited.
    assert client.post(f"/scenarios/{scenario.id}/dupliquer").status_code == 303
    assert _count(db) == 2
    assert client.post(f"/scenarios/{scenario.id}/supprimer").status_code == 303
    assert _count(db) == 1
    actions = set(db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("scenario.%"))))
    assert actions == {"scenario.create", "scenario.run", "scenario.delete"}


def test_bad_input_gets_french_messages_and_writes_nothing(db, login, pool):
    client = login(pool.coordinator)
    response = _create(client, name="", policy="fixed", fixed_days="", add_count="2", add_role="nope", member="abc")
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "Donnez un nom au scénario" in page
    assert "Indiquez le nombre de jours par membre." in page
    assert "Choisissez un rôle de la liste." in page
    assert "Indiquez la date d'arrivée des experts ajoutés." in page
    response = _create(client, policy="population", bands="500 = 4", removed=["999"], base="hier")
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "Écrivez chaque tranche" in page and "Choisissez des experts de la liste." in page
    assert "Choisissez une demande de départ de la liste." in page
    assert _count(db) == 0
    assert client.get("/scenarios/comparer?s=abc").status_code == 400
    assert client.get("/scenarios/comparer?s=1&s=2&s=3&s=4").status_code == 400
    assert client.get("/scenarios/999").status_code == 404


@pytest.mark.parametrize("who", ["member", "expert"])
def test_members_and_experts_are_refused(db, login, pool, who):
    scenario = Scenario(name="x", base="backlog", changes={}, status="draft", progress=0, result={}, error="")
    db.session.add(scenario)
    db.session.flush()
    client = login(pool.user_a if who == "member" else pool.expert_user)
    for url in (
        "/scenarios/",
        "/scenarios/nouveau",
        f"/scenarios/{scenario.id}",
        f"/scenarios/comparer?s={scenario.id}",
    ):
        assert client.get(url).status_code == 403
    assert client.post(f"/scenarios/{scenario.id}/lancer").status_code == 403


def test_posts_need_the_csrf_token(app, db, login, pool):
    scenario = Scenario(name="x", base="backlog", changes={}, status="draft", progress=0, result={}, error="")
    db.session.add(scenario)
    db.session.flush()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = login(pool.coordinator)
        assert client.post(f"/scenarios/{scenario.id}/lancer").status_code == 400
        assert client.post(f"/scenarios/{scenario.id}/supprimer").status_code == 400
        assert _create(client).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _count(db) == 1 and db.session.get(Scenario, scenario.id).status == "draft"


def test_adopting_from_the_page(db, login, pool):
    client = login(pool.coordinator)
    _create(client, policy="fixed", fixed_days="6", carry_over_cap="2")
    scenario = db.session.scalars(select(Scenario)).one()
    assert scenario.changes["policy"]["fixed_half_days"] == 12
    response = client.post(f"/scenarios/{scenario.id}/adopter", follow_redirects=True)
    assert "Période « 2028 » ouverte avec les changements de ce scénario." in html.unescape(
        response.get_data(as_text=True)
    )
    again = html.unescape(
        client.post(f"/scenarios/{scenario.id}/adopter", follow_redirects=True).get_data(as_text=True)
    )
    assert "existe déjà" in again


def _adoption_text(client, scenario_id: int) -> str:
    response = client.get(f"/scenarios/{scenario_id}/adopter")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    main = page[page.index('<h1 class="h2') : page.index('id="adoption-form"')]
    main += " " + page[page.index('id="adoption-form"') :].split("</form>")[0]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def _everything_scenario(db, pool) -> Scenario:
    changes = {
        "policy": {"policy": "fixed", "fixed_half_days": 10, "carry_over_cap_half_days": 2},
        "member_right": {"member_id": pool.member_a.id, "half_days": 3},
        "unit_price_cents": 21000,
        "experts_added": [{"role": "dba", "skills": [], "week": {"mon": ["am"]}, "start": "2027-02-01"}],
        "experts_removed": [pool.expert.id],
    }
    scenario = Scenario(name="Tout", base="backlog", changes=changes, status="draft", progress=0, result={}, error="")
    db.session.add(scenario)
    db.session.flush()
    return scenario


def test_the_adoption_page_says_what_will_change_in_french(db, login, pool):
    scenario = _everything_scenario(db, pool)
    text = _adoption_text(login(pool.coordinator), scenario.id)
    assert text == (
        "Adopter « Tout » pour la période suivante "
        "La période « 2028 », du 1er janvier 2028 au 31 décembre 2028, sera ouverte par la préparation des "
        "périodes avec : "
        "la règle de ce scénario : Nombre fixe de jours (10 demi-journées par membre), report d'au plus "
        "2 demi-journées ; "
        "Plouzané : un droit de tirage de 3 demi-journées au lieu de ce que lui donne la règle (son report est "
        "gardé) ; "
        "le prix d'une demi-journée de la période : 210,00 € HT (le prix de ce scénario). "
        "La période en cours ne change pas : ni ses droits de tirage, ni son prix. Le prix facturé réglé pour "
        "le pool dans l'administration n'est pas modifié. "
        "Les experts ajoutés ou retirés dans ce scénario ne sont ni recrutés ni retirés par l'adoption : "
        "1 expert ajouté, 1 expert retiré. Un recrutement ou un départ se fait dans la gestion des experts. "
        "Ouvrir la période « 2028 » Annuler"
    )
    assert db.session.scalar(select(func.count()).select_from(QuotaPeriod)) == 1  # the page wrote nothing


def test_the_adoption_page_says_what_will_change_in_english(db, login, pool):
    scenario = _everything_scenario(db, pool)
    pool.coordinator.locale = "en"
    text = _adoption_text(login(pool.coordinator), scenario.id)
    assert "The period “2028”" in text, text
    assert "Plouzané: a drawing right of 3 half-days instead of what the rule gives it" in text, text
    assert "the price of a half-day for the period: €210.00 excl. VAT (this scenario's price)" in text, text
    assert "Experts added or removed in this scenario are neither hired nor removed by adopting it" in text, text


def test_a_scenario_without_anything_to_adopt_says_so(db, login, pool):
    scenario = Scenario(
        name="x",
        base="backlog",
        changes={"experts_removed": [pool.expert.id]},
        status="draft",
        progress=0,
        result={},
        error="",
    )
    db.session.add(scenario)
    db.session.flush()
    page = html.unescape(
        login(pool.coordinator).get(f"/scenarios/{scenario.id}/adopter", follow_redirects=True).get_data(as_text=True)
    )
    assert "ni le droit d'un membre, ni le prix : rien à adopter." in page


def _queries(client, db, url: str) -> int:
    assert client.get(url).status_code == 200  # warm-up
    db.session.expire_all()
    with QueryCounter(db.engine) as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_list_and_comparison_queries_do_not_grow_with_rows(db, factory, login, pool):
    client = login(pool.coordinator)
    counts = []
    for extra in (0, 10):
        for k in range(extra):
            member = factory.member(f"Commune {extra}-{k}")
            factory.quota(member, pool.period, 6)
            factory.request(member, status="approved", half_days=2, skills=("postgresql",))
        scenario = Scenario(name=f"S{extra}", base="backlog", changes={}, status="draft", progress=0, result={})
        db.session.add(scenario)
        db.session.flush()
        client.post(f"/scenarios/{scenario.id}/lancer")
        drain(now=FIXED_NOW)
        counts.append(
            (_queries(client, db, "/scenarios/"), _queries(client, db, f"/scenarios/comparer?s={scenario.id}"))
        )
    assert counts[0] == counts[1]


def test_editing_shows_the_saved_changes_and_saving_them_again_changes_nothing(db, login, pool):
    client = login(pool.coordinator)
    fields = {
        "policy": "population",
        "bands": "500 : 4 ; : 8,5",
        "member": str(pool.member_a.id),
        "member_days": "3",
        "unit_price": "200",
        "add_count": "2",
        "add_role": "dba",
        "add_skills": ["postgresql"],
        "add_week": "mornings",
        "add_start": "2027-02-01",
        "removed": [str(pool.expert.id)],
        "horizon_weeks": "6",
    }
    assert _create(client, **fields).status_code == 303
    scenario = db.session.scalars(select(Scenario)).one()
    saved = dict(scenario.changes)
    assert saved["policy"]["population_bands"] == [
        {"max_population": 500, "half_days": 8},
        {"max_population": None, "half_days": 17},
    ]
    assert saved["member_right"] == {"member_id": pool.member_a.id, "half_days": 6}
    assert saved["unit_price_cents"] == 20000 and len(saved["experts_added"]) == 2
    page = html.unescape(client.get(f"/scenarios/{scenario.id}/modifier").get_data(as_text=True))
    assert 'value="500 : 4 ; : 8,5"' in page and 'value="2027-02-01"' in page
    # The page's own values, posted back, give the same changes.
    again = {**fields, "name": "Un DBA de plus", "base": "backlog"}
    assert client.post(f"/scenarios/{scenario.id}/modifier", data=again).status_code == 303
    db.session.refresh(scenario)
    assert scenario.changes == saved
