"""Members pages: list filters, create/edit/deactivate, quota adjustment, EPCI roll-up, CSV import flow."""

import io
import re
from datetime import date

import pytest
from query_counter import QueryCounting
from sqlalchemy import func, select

from expertpool.extensions import db as _db
from expertpool.models import AuditLog, Member, Quota, QuotaAdjustment, QuotaKind, UserRole


def count(db, model):
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def coordinator(factory, login):
    user = factory.user(role=UserRole.COORDINATOR)
    login(user)
    return user


def test_list_filters_and_paginates(client, db, factory, coordinator):
    epci = factory.member(name="CC Iroise", kind="epci")
    factory.member(name="Plouarzel", parent_id=epci.id)
    factory.member(name="Association Numérique", kind="association")
    factory.member(name="Ancienne commune", active=False)
    text = client.get("/coordination/membres").get_data(as_text=True)
    assert "Plouarzel" in text and "Ancienne commune" not in text
    text = client.get("/coordination/membres?kind=association").get_data(as_text=True)
    assert "Association Numérique" in text and "Plouarzel" not in text
    text = client.get(f"/coordination/membres?epci={epci.id}").get_data(as_text=True)
    assert "Plouarzel" in text and "Association Numérique" not in text
    text = client.get("/coordination/membres?active=no").get_data(as_text=True)
    assert "Ancienne commune" in text
    text = client.get("/coordination/membres?q=plouar").get_data(as_text=True)
    assert "Plouarzel" in text and "CC Iroise</a>" not in text
    assert client.get("/coordination/membres?kind=planete").status_code == 400
    for n in range(30):
        factory.member(name=f"Zz commune {n:02d}")
    page2 = client.get("/coordination/membres?page=2").get_data(as_text=True)
    assert "Page 2 sur 2" in page2


def test_list_queries_do_not_grow_with_rows(client, db, factory, coordinator):
    period = factory.period()
    for n in range(10):
        factory.quota(factory.member(name=f"A{n}"), period, 10)

    def queries():
        return QueryCounting(_db).get(client, "/coordination/membres", fresh=False)[0]

    queries()  # warm-up: the first request of a test loads a few things once
    small = queries()
    for n in range(190):
        factory.quota(factory.member(name=f"B{n:03d}"), period, 10)
    assert queries() == small


def test_create_member_good_and_bad(client, db, factory, coordinator):
    factory.member(name="Brest", insee_code="29019")
    before, audit = count(db, Member), count(db, AuditLog)
    response = client.post(
        "/coordination/membres/nouveau",
        data={
            "name": "",
            "kind": "commune",
            "insee_code": "29019",
            "siren": "123456789",
            "population": "-3",
            "contribution": "douze",
        },
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    for message in (
        "Indiquez le nom de la structure.",
        "SIREN invalide",
        "La population doit être positive.",
        "Indiquez un montant en euros",
    ):
        assert message in text
    assert count(db, Member) == before and count(db, AuditLog) == audit
    response = client.post(
        "/coordination/membres/nouveau",
        data={"name": "Guipavas", "kind": "commune", "insee_code": "29019", "contribution": "1 000"},
    )
    assert response.status_code == 400
    assert "« Brest » a déjà ce code INSEE." in response.get_data(as_text=True)
    assert 'id="insee_code-error"' in response.get_data(as_text=True)
    response = client.post(
        "/coordination/membres/nouveau",
        data={
            "name": "Guipavas",
            "kind": "commune",
            "insee_code": "29069",
            "siren": "212900690",
            "population": "14 000".replace(" ", ""),
            "contribution": "1 250,50",
        },
    )
    assert response.status_code == 303
    member = db.session.scalar(select(Member).where(Member.name == "Guipavas"))
    assert member.contribution_cents == 125050
    assert count(db, AuditLog) == audit + 1


def test_edit_and_deactivate_member(client, db, factory, coordinator):
    member = factory.member(name="Plabennec")
    audit = count(db, AuditLog)
    response = client.post(
        f"/coordination/membres/{member.id}/modifier",
        data={
            "name": "Plabennec",
            "kind": "commune",
            "insee_code": member.insee_code,
            "population": "8000",
            "contribution": "0",
        },
    )
    assert response.status_code == 303
    assert member.population == 8000
    assert count(db, AuditLog) == audit + 1
    assert client.post(f"/coordination/membres/{member.id}/desactiver").status_code == 303
    assert member.active is False
    assert count(db, AuditLog) == audit + 2
    client.post(f"/coordination/membres/{member.id}/desactiver")  # already done: nothing more written
    assert count(db, AuditLog) == audit + 2


def test_quota_adjustment_needs_a_reason(client, db, factory, coordinator):
    member = factory.member()
    period = factory.period(year=2027, members=[member], half_days=10)
    quota = db.session.scalar(select(Quota).where(Quota.member_id == member.id))
    db.session.commit()  # a refused adjustment rolls back: the setup must survive it, as in real life
    audit, adjustments = count(db, AuditLog), count(db, QuotaAdjustment)
    response = client.post(
        f"/coordination/membres/{member.id}/ajuster",
        data={"period_id": period.id, "kind": "own", "delta": "2", "reason": " "},
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Le motif est obligatoire." in text and 'id="reason-error"' in text
    response = client.post(
        f"/coordination/membres/{member.id}/ajuster",
        data={"period_id": period.id, "kind": "own", "delta": "-6", "reason": "trop"},
    )
    assert response.status_code == 400
    assert "rendrait le droit de tirage négatif" in response.get_data(as_text=True)
    response = client.post(
        f"/coordination/membres/{member.id}/ajuster",
        data={"period_id": period.id, "kind": "own", "delta": "0", "reason": "rien"},
    )
    assert response.status_code == 400
    # A blank amount (spaces pass InputRequired) is a clear message, not a crash.
    response = client.post(
        f"/coordination/membres/{member.id}/ajuster",
        data={"period_id": period.id, "kind": "own", "delta": "  ", "reason": "rien"},
    )
    assert response.status_code == 400
    assert "Indiquez un nombre de jours" in response.get_data(as_text=True)
    assert count(db, AuditLog) == audit and count(db, QuotaAdjustment) == adjustments
    assert quota.adjusted_half_days == 0
    response = client.post(
        f"/coordination/membres/{member.id}/ajuster",
        data={"period_id": period.id, "kind": "own", "delta": "1,5", "reason": "Sinistre informatique"},
    )
    assert response.status_code == 303
    db.session.refresh(quota)
    assert quota.adjusted_half_days == 3
    assert count(db, QuotaAdjustment) == adjustments + 1
    assert count(db, AuditLog) == audit + 1
    assert "Sinistre informatique" in client.get(f"/coordination/membres/{member.id}").get_data(as_text=True)


def test_epci_page_shows_the_roll_up(client, db, factory, coordinator):
    epci = factory.member(name="CC Iroise", kind="epci", holds_envelope=True)
    commune = factory.member(name="Ploumoguer", parent_id=epci.id)
    period = factory.period(year=date.today().year, members=[commune], half_days=2)  # noqa: DTZ011
    factory.quota(epci, period, 10, kind=QuotaKind.ENVELOPE)
    _user, expert = factory.expert_user()
    req = factory.request(member=commune, status="scheduled")
    for n, half in enumerate(["am", "pm", "am", "pm"]):
        factory.booking(req, expert, date(period.start_date.year, 3, 1 + n // 2), half)
    text = client.get(f"/coordination/membres/{epci.id}").get_data(as_text=True)
    assert "Ploumoguer" in text
    assert "Enveloppe partagée : 1 jour utilisés sur 5 jours, 4 jours restants." in text


# --- CSV import through the pages ----------------------------------------------------------------

CSV = (
    "Nom;Type;Code INSEE;SIREN;Population;Cotisation;EPCI\r\n"
    "CC du Pays d'Iroise;EPCI;29900;242900694;48000;12 500,00;\r\n"
    "Plougonvelin;commune;29190;212901904;4 200;1 250,50;29900\r\n"
    "Cassée;commune;29191;212901905;100;10;29900\r\n"
).encode("cp1252")


def _upload(client, data=CSV):
    return client.post(
        "/coordination/membres/import",
        data={"file": (io.BytesIO(data), "membres.csv")},
        content_type="multipart/form-data",
    )


def _hidden(text, name):
    return re.search(rf'name="{name}" value="([^"]+)"', text).group(1)


def test_import_preview_then_confirm_then_reimport(client, db, coordinator):
    members, audit = count(db, Member), count(db, AuditLog)
    response = _upload(client)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "2 structures à créer, 0 à mettre à jour, 0 inchangée, 1 ligne rejetée." in text
    assert "SIREN invalide" in text and "Windows-1252" in text
    assert count(db, Member) == members and count(db, AuditLog) == audit  # nothing before confirmation
    token, digest = _hidden(text, "token"), _hidden(text, "digest")
    rejected = client.post("/coordination/membres/import/rejets.csv", data={"token": token})
    assert rejected.status_code == 200 and rejected.mimetype == "text/csv"
    assert "Cassée" in rejected.get_data(as_text=True) and "SIREN invalide" in rejected.get_data(as_text=True)
    response = client.post("/coordination/membres/import/confirmer", data={"token": token, "digest": digest})
    assert response.status_code == 303
    assert count(db, Member) == members + 2
    assert count(db, AuditLog) == audit + 1
    text = _upload(client).get_data(as_text=True)
    assert "0 structure à créer, 0 à mettre à jour, 2 inchangées, 1 ligne rejetée." in text
    assert "Confirmer l'import" not in text  # nothing to write
    assert count(db, Member) == members + 2


def test_import_bad_inputs_write_nothing(client, db, coordinator):
    members = count(db, Member)
    response = client.post("/coordination/membres/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choisissez un fichier CSV." in response.get_data(as_text=True)
    response = _upload(client, "Nom;Code INSEE\r\nBrest;29019\r\n".encode("utf-16"))
    assert response.status_code == 400
    assert "Encodage du fichier non reconnu" in response.get_data(as_text=True)
    response = client.post("/coordination/membres/import/confirmer", data={"token": "forged", "digest": "x"})
    assert response.status_code == 303
    text = _upload(client).get_data(as_text=True)
    response = client.post(
        "/coordination/membres/import/confirmer", data={"token": _hidden(text, "token"), "digest": "not-what-was-seen"}
    )
    assert response.status_code == 409
    assert count(db, Member) == members


def test_import_is_all_or_nothing(client, db, coordinator, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from expertpool.coordination import member_import

    db.session.commit()  # the failed import rolls back: the logged-in coordinator must survive it
    members, audit = count(db, Member), count(db, AuditLog)
    text = _upload(client).get_data(as_text=True)

    def fail_at_the_end(*args, **kwargs):
        # Every member row is already flushed when the audit row fails: all of them must go.
        raise IntegrityError("INSERT", {}, Exception("simulated"))

    monkeypatch.setattr(member_import.writing, "record", fail_at_the_end)
    response = client.post(
        "/coordination/membres/import/confirmer",
        data={"token": _hidden(text, "token"), "digest": _hidden(text, "digest")},
        follow_redirects=True,
    )
    assert "doublon apparu entre-temps" in response.get_data(as_text=True)
    assert count(db, Member) == members and count(db, AuditLog) == audit
