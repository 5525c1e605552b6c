"""The audit log and the import preview speak the reader's words: no column name, no internal code."""

import io
import re
from datetime import date

import pytest
from factories import POPULATION_PERIOD_FORM
from sqlalchemy import select

from expertpool import audit
from expertpool.models import AllocationRun, AuditLog, UserRole
from expertpool.models.enums import RunMode
from expertpool.timeutil import now_utc

# Internal names a coordinator once read in the audit log or the import preview.
INTERNAL = re.compile(
    r"\b(fixed_half_days|population_bands|entitled_half_days|carry_over_cap_half_days|created_ids|updated_ids|"
    r"max_population|contribution_cents|week_mask|horizon_start|booked_half_days|unserved_half_days|"
    r"mode : commit|commit)\b"
)

PERIOD = {**POPULATION_PERIOD_FORM, "confirm": "1"}

CSV = (
    "Nom;Type;Code INSEE;SIREN;Population;Cotisation;EPCI\r\n"
    "Plougonvelin;commune;29190;212901904;4 200;1 250,50;\r\n"
    "Le Conquet;commune;29040;212900401;2 600;900;\r\n"
).encode("cp1252")


@pytest.fixture
def coordinator(factory, login):
    user = factory.user(role=UserRole.COORDINATOR)
    login(user)
    return user


def _upload(client, data):
    return client.post(
        "/coordination/membres/import",
        data={"file": (io.BytesIO(data), "membres.csv")},
        content_type="multipart/form-data",
    )


def _audit_cells(client, lang="fr"):
    """The before/after cells of the audit page (the filter's action codes are option values, not text)."""
    client.get(f"/?lang={lang}")
    text = client.get("/coordination/journal").get_data(as_text=True)
    cells = " ".join(re.findall(r'data-label="(?:Avant|Après|Before|After)">(.*?)</td>', text, re.S))
    return cells.replace("\u202f", " ").replace("\xa0", " ")


def test_an_opened_period_reads_in_words(client, db, factory, coordinator):
    factory.member(name="Petite", population=300)
    assert client.post("/coordination/periodes/nouvelle", data=PERIOD).status_code == 303
    cells = _audit_cells(client)
    assert (
        "tranches de population</strong> : jusqu&#39;à 1 000 habitants : 4 jours ; "
        "jusqu&#39;à 10 000 habitants : 10 jours ; au-delà : 20 jours"
    ) in cells
    assert "plafond de report</strong> : 2 jours" in cells
    assert not INTERNAL.search(cells), INTERNAL.search(cells)
    cells = _audit_cells(client, "en")
    assert (
        "population bands</strong> : up to 1,000 inhabitants: 4 days; up to 10,000 inhabitants: 10 days; above: 20 days"
    ) in cells
    assert not INTERNAL.search(cells), INTERNAL.search(cells)


def test_an_import_reads_in_words_in_the_preview_and_the_log(client, db, coordinator):
    text = _upload(client, CSV).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', text).group(1)
    digest = re.search(r'name="digest" value="([^"]+)"', text).group(1)
    assert client.post("/coordination/membres/import/confirmer", data={"token": token, "digest": digest}).status_code
    changed = CSV.replace(b"4 200;1 250,50", b"4 300;1 300")
    text = _upload(client, changed).get_data(as_text=True)
    assert "Modifié : population, cotisation" in text
    assert "contribution_cents" not in text
    cells = _audit_cells(client)
    ids = sorted(int(n) for n in re.findall(r"n° (\d+)", cells))
    assert len(ids) == 2 and "structures créées</strong> : n° " in cells
    assert not INTERNAL.search(cells), INTERNAL.search(cells)


def test_a_planning_run_and_a_week_pattern_read_in_words(client, db, factory, coordinator):
    run = AllocationRun(
        started_at=now_utc(), mode=RunMode.COMMIT, horizon_start=date(2027, 3, 1), horizon_end=date(2027, 3, 28)
    )
    db.session.add(run)
    db.session.flush()
    after = {"mode": RunMode.COMMIT, "horizon_start": date(2027, 3, 1), "booked_half_days": 6}
    audit.record(coordinator, "allocation.run", run, now=now_utc(), after=after)
    _user, expert = factory.expert_user()
    audit.record(
        coordinator,
        "expert.week_pattern",
        expert,
        now=now_utc(),
        before={"week_mask": 3, "pattern": {"mon": ["am", "pm"]}},
        after={"week_mask": 7, "pattern": {"mon": ["am", "pm"], "tue": ["am"]}},
    )
    db.session.commit()
    cells = _audit_cells(client)
    assert "mode</strong> : enregistré" in cells
    assert "début de la période planifiée</strong> : 1er mars 2027" in cells
    assert "semaine type</strong> : Lundi : matin, après-midi ; Mardi : matin" in cells
    assert not INTERNAL.search(cells), INTERNAL.search(cells)
    assert db.session.scalar(select(AuditLog.id).where(AuditLog.action == "allocation.run"))
