"""Acceptance: the dashboard, the statement (HTML, PDF, CSV) and the exports (CSV, XLSX) show the totals
of the hand-computed pool, so they agree with each other."""

import csv
import io
import json
import re
from datetime import UTC, datetime
from html import unescape as html_unescape

import openpyxl
import pytest
from pypdf import PdfReader
from reports_support import BOOKED, EXPECTED, JAIN, LEAD_MEAN, LEAD_MEDIAN, WORKING, build_pool, euros_text, plain

from expertpool.models import UserRole


@pytest.fixture
def pool(factory, travel_to):
    # The hand-computed figures are the whole year's: the contributions count in full at the period's end.
    travel_to(datetime(2027, 12, 31, 10, tzinfo=UTC))
    return build_pool(factory)


@pytest.fixture
def coordinator(factory, login):
    user = factory.user(role=UserRole.COORDINATOR)
    login(user)
    return user


def days_text(half_days: int) -> str:
    """'2,5' / '2' as the |days_number filter writes days in French."""
    whole, half = divmod(half_days, 2)
    return f"{whole},5" if half else str(whole)


def row_of(html: str, member_id: int) -> str:
    match = re.search(rf'<tr[^>]*data-member="{member_id}".*?</tr>', html, re.S)
    assert match, f"no row for member {member_id}"
    return match.group(0)


def cell(row_html: str, column: str) -> str:
    match = re.search(rf'data-col="{column}">(.*?)</td>', row_html, re.S)
    assert match, column
    return plain(match.group(1))


def total(html: str, key: str) -> str:
    match = re.search(rf'data-total="{key}">(.*?)</(?:dd|p)>', html, re.S)
    assert match, key
    return plain(re.sub(r"<[^>]+>", "", match.group(1)))


def test_dashboard_shows_the_hand_computed_figures(client, pool, coordinator):
    response = client.get(f"/rapports/?period={pool.period.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for key, member in (("a", pool.a), ("b", pool.b), ("c", pool.c)):
        row = row_of(html, member.id)
        expected = EXPECTED[key]
        assert cell(row, "entitled") == days_text(expected["total"])
        assert cell(row, "planned") == days_text(expected["planned"])
        assert cell(row, "delivered") == days_text(expected["delivered"])
        assert cell(row, "remaining") == days_text(expected["remaining"])
    assert cell(row_of(html, pool.a.id), "level") == "150 %"
    assert "Hors droit de tirage" in row_of(html, pool.a.id)  # said in text, not only by colour
    assert "Aucun recours" in row_of(html, pool.c.id)
    assert "Hors droit de tirage" not in row_of(html, pool.b.id)
    p = EXPECTED["pool"]
    assert total(html, "entitled") == "11 jours"
    assert total(html, "delivered") == "4 jours"
    assert re.fullmatch(r"1,5 jours?", total(html, "planned"))  # the plural rule is i18n.days_label's
    assert total(html, "remaining") == "4,5 jours"
    assert total(html, "over_quota_members") == "1"
    assert total(html, "unused_members") == "1"
    assert total(html, "billed") == "0,5 jour · " + euros_text(p["billed"])
    savings = plain(re.search(r'id="savings-table".*?</table>', html, re.S).group(0))
    for amount in (p["market"], p["contribution"], p["billed"], p["paid"], p["savings"]):
        assert euros_text(amount) in savings
    assert "Hypothèses de l'estimation" in html
    assert f"{JAIN:.3f}".replace(".", ",") in total(html, "jain")
    assert "Note moyenne 4 / 5 sur 2 évaluations ; 50 % de notes 4 ou 5." in total(html, "satisfaction")
    lead = plain(re.search(r'id="lead-table".*?</table>', html, re.S).group(0))
    assert f"{LEAD_MEDIAN:.0f} jours" in lead and f"{LEAD_MEAN:.1f}".replace(".", ",") + " jours" in lead
    # The chart data sits in data-* attributes (no inline script: CSP), with the same numbers as the table.
    spec = json.loads(html_unescape(re.search(r"data-chart-spec='([^']*)'", html).group(1)))
    assert spec["labels"] == ["Commune d'Aubépine-sur-Orge", "Hameau Sans Recours", "Syndicat des Écoles"]
    delivered = next(d for d in spec["datasets"] if d["label"] == "Réalisé")["data"]
    assert delivered == [2.5, 0, 1.5]
    assert "<script>" not in html and "application/json" not in html


def test_utilisation_page_shows_the_hand_computed_figures_and_is_linked_from_the_dashboard(client, pool, coordinator):
    dashboard = client.get(f"/rapports/?period={pool.period.id}").get_data(as_text=True)
    url = f"/rapports/occupation?period={pool.period.id}"
    assert f'href="{url}"' in dashboard and "Occupation des experts</a>" in dashboard
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert (BOOKED, WORKING) == (11, 1014)  # the hand-computed figures: 11 / 1,014 = 1.08 %
    assert total(html, "utilisation").endswith("déduits) : 11 sur 1 014, soit 1,1 %.")
    weeks = re.search(r'<table[^>]*>\s*<caption id="cap-weeks">.*?</table>', html, re.S).group(0)
    assert (
        '<th scope="row" class="fw-normal">11 janvier 2027</th>'
        '<td class="text-end">20</td><td class="text-end">3</td><td class="text-end">15 %</td>' in weeks
    )
    experts = " ".join(plain(re.sub(r"<[^>]+>", " ", re.search(r"<details.*?</details>", html, re.S).group(0))).split())
    assert "Xavier Dupré 508 5 1 %" in experts and "Yasmine Łukasiewicz 506 6 1,2 %" in experts
    spec = json.loads(html_unescape(re.search(r"data-chart-spec='([^']*)'", html).group(1)))
    assert spec["type"] == "line" and len(spec["labels"]) == len(spec["datasets"][0]["data"]) == 53
    assert 15.0 in spec["datasets"][0]["data"]
    assert "<script>" not in html


def test_statement_html_shows_lines_and_bill(client, pool, coordinator):
    html = client.get(f"/rapports/membres/{pool.a.id}/etat?period={pool.period.id}").get_data(as_text=True)
    text = plain(re.sub(r"<[^>]+>", " ", html))
    assert "État annuel des recours" in text and "D. 5211-16" in text
    assert "Commune d'Aubépine-sur-Orge" in text or "Commune d&#39;Aubépine-sur-Orge" in text
    lines = re.search(r'id="statement-lines".*?</table>', html, re.S).group(0)
    # One row per intervention (DESIGN.md), as in the PDF: three half-days of Xavier in a row, two of Yasmine.
    assert "Interventions réalisées (5 demi-journées)" in text
    rows = [plain(re.sub(r"<[^>]+>", " ", row)) for row in re.findall(r"<tr data-intervention.*?</tr>", lines, re.S)]
    r1, r3 = pool.requests["r1"].id, pool.requests["r3"].id
    assert rows[0].startswith("11–12 janv. 2027, 3 demi-journées 11 janvier 2027 (matin)")
    assert rows[0].endswith(f"3 Xavier Dupré n° {r1} — Migration PostgreSQL 540,00 €")
    assert rows[1].startswith("1 févr. 2027, 2 demi-journées 1er février 2027 (matin) 1er février 2027 (après-midi)")
    assert rows[1].endswith(f"2 Yasmine Łukasiewicz n° {r3} — Sauvegardes 360,00 €")
    assert len(rows) == 2 and lines.count("<details") == 2  # the half-days one click away
    assert "15 décembre 2026" not in lines  # the previous period's half-day
    a = EXPECTED["a"]
    assert f"5 demi-journées × 180,00 € = {euros_text(a['delivered_value'])}" in text
    assert f"1 demi-journée × 180,00 € = {euros_text(a['billed'])}" in text
    assert euros_text(a["paid"]) in text
    assert "Règle de facturation" in text


def test_statement_pdf_holds_the_totals(client, pool, coordinator, artefacts_dir):
    response = client.get(f"/rapports/membres/{pool.a.id}/etat.pdf?period={pool.period.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    (artefacts_dir / "reports-statement.pdf").write_bytes(response.data)
    text = plain("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages))
    a = EXPECTED["a"]
    assert "Aubépine-sur-Orge" in text and "État annuel des recours" in text
    assert f"5 demi-journées × 180,00 € = {euros_text(a['delivered_value'])}" in text
    assert f"1 demi-journée × 180,00 € = {euros_text(a['billed'])}" in text
    assert euros_text(a["paid"]) in text
    # The statement reads in interventions (DESIGN.md): three delivered half-days of Xavier in a row,
    # then two of Yasmine; each line priced at the half-day unit price.
    assert "Interventions réalisées (5 demi-journées)" in text
    r1, r3 = pool.requests["r1"].id, pool.requests["r3"].id
    # A long request title is cut with an ellipsis to its column (request numbers grow with the pool).
    assert re.search(rf"11–12 janv\. 2027 3 Xavier Dupré n° {r1} — Migration Postgre(SQL|…|\S*…) 540,00 €", text)
    assert f"1 févr. 2027 2 Yasmine Łukasiewicz n° {r3} — Sauvegardes 360,00 €" in text
    assert text.count("Xavier Dupré") == 1


@pytest.mark.parametrize(("name", "builds"), [("Commune d'Aubépine-sur-Orge", 1), ("Commune d'Ωméga-sur-Orge", 2)])
def test_statement_pdf_prints_every_character_of_its_text(client, db, pool, coordinator, monkeypatch, name, builds):
    """The PDF is laid out in DejaVu cut to the Latin scripts; a text that needs more (here a Greek
    letter) is laid out again in the whole font, so no character is ever dropped."""
    from expertpool.reports import pdf

    if not pdf.unicode_font_files():
        pytest.skip("DejaVu is not installed")
    calls = []
    build = pdf._statement_document
    monkeypatch.setattr(pdf, "_statement_document", lambda *a: calls.append(a[-1]) or build(*a))
    pool.a.name = name
    db.session.flush()
    response = client.get(f"/rapports/membres/{pool.a.id}/etat.pdf?period={pool.period.id}")
    assert response.status_code == 200
    text = plain("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages))
    assert name.replace("'", "’") in text.replace("'", "’")
    assert calls == [False, True][:builds]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM French Excel needs
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_statement_csv_holds_the_totals(client, pool, coordinator):
    response = client.get(f"/rapports/membres/{pool.a.id}/etat.csv?period={pool.period.id}")
    assert response.status_code == 200
    rows = read_csv(response.data)
    lines = [r for r in rows if r and re.fullmatch(r"\d\d/\d\d/\d{4}", r[0])]
    assert len(lines) == EXPECTED["a"]["delivered"]
    assert all(r[6] == "180,00" for r in lines)
    summary = {r[0]: r[1] for r in rows if len(r) == 3}
    assert summary["Droit de tirage total (prévision)"] == "2,0"
    assert summary["Recours réalisés (consommation constatée)"] == "2,5"
    assert summary["Hors droit de tirage à facturer"] == "180,00"
    assert summary["Total dû pour la période (contribution + hors droit)"] == "1180,00"
    assert summary["Demi-journées hors droit facturables"] == "1"


def export(client, pool, fmt, dataset="droits", **params):
    query = {"dataset": dataset, "fmt": fmt, "period": pool.period.id, **params}
    response = client.get("/rapports/exports", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def test_drawing_rights_csv_and_xlsx_agree_with_the_fixture(client, pool, coordinator):
    rows = read_csv(export(client, pool, "csv").data)
    header, body = rows[0], {int(r[0]): dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert "Droit de tirage total (jours)" in header
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, pool, "xlsx").data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == header
    xlsx = {r[0]: dict(zip(values[0], r, strict=True)) for r in values[1:]}
    for key, member in (("a", pool.a), ("b", pool.b), ("c", pool.c)):
        e = EXPECTED[key]
        row, cells = body[member.id], xlsx[member.id]
        for column, half_days in (
            ("Droit de tirage total (jours)", e["total"]),
            ("Planifié (jours)", e["planned"]),
            ("Réalisé (jours)", e["delivered"]),
            ("Restant (jours)", e["remaining"]),
            ("Hors droit facturable (jours)", e["billable"]),
        ):
            assert row[column] == f"{half_days / 2:.1f}".replace(".", ","), column
            assert cells[column] == pytest.approx(half_days / 2), column
        for column, cents in (
            ("Montant hors droit à facturer (€)", e["billed"]),
            ("Total payé (€)", e["paid"]),
            ("Valeur au prix du marché (€)", e["market"]),
            ("Économie estimée (€)", e["savings"]),
        ):
            assert row[column] == f"{cents / 100:.2f}".replace(".", ","), column
            assert cells[column] == pytest.approx(cents / 100), column
    p = EXPECTED["pool"]
    assert sum(r["Total payé (€)"] for r in xlsx.values()) == pytest.approx(p["paid"] / 100)
    assert sum(r["Économie estimée (€)"] for r in xlsx.values()) == pytest.approx(p["savings"] / 100)


@pytest.mark.parametrize("dataset", ["membres", "droits", "demandes", "reservations", "evaluations"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_export_downloads(client, pool, coordinator, dataset, fmt):
    response = export(client, pool, fmt, dataset)
    assert "attachment" in response.headers["Content-Disposition"]
    if fmt == "xlsx":
        rows = list(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    else:
        rows = read_csv(response.data)
    assert len(rows) >= 2


def test_bookings_and_ratings_exports_filter_by_period_and_member(client, pool, coordinator):
    rows = read_csv(export(client, pool, "csv", "reservations").data)
    delivered = [r for r in rows[1:] if r[8] == "réalisée"]
    assert len(delivered) == EXPECTED["pool"]["delivered"]
    assert sum(float(r[10].replace(",", ".")) for r in delivered) == EXPECTED["pool"]["market"] / 100
    only_a = read_csv(export(client, pool, "csv", "reservations", member=pool.a.id).data)[1:]
    assert {r[5] for r in only_a} == {"Commune d'Aubépine-sur-Orge"}
    assert len(only_a) == 8  # 5 delivered + 1 planned + 1 not delivered + 1 cancelled, 2027 only
    ratings = read_csv(export(client, pool, "csv", "evaluations").data)[1:]
    assert sorted(int(r[3]) for r in ratings) == [3, 5]  # the 2026 rating is another period
    requests = read_csv(export(client, pool, "csv", "demandes", member=pool.b.id).data)[1:]
    assert len(requests) == 1 and requests[0][12] == "1,0" and requests[0][13] == "1,5"


def test_savings_page_per_member(client, pool, coordinator):
    html = client.get(f"/rapports/economies?period={pool.period.id}&sort=savings&dir=desc").get_data(as_text=True)
    text = plain(html)
    assert euros_text(EXPECTED["pool"]["savings"]) in text
    order = [int(m) for m in re.findall(r'data-member="(\d+)"', html)]
    assert order == [pool.a.id, pool.b.id, pool.c.id]  # 620 €, 400 €, −200 €
    assert "Hypothèses de l'estimation" in html
