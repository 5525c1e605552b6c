"""CSV import of members: encodings, separators, French numbers, every rejection reason, idempotence."""

import pytest
from factories import FIXED_NOW
from sqlalchemy import func, select

from expertpool.coordination.bench import bench_import_preview, generate_csv
from expertpool.coordination.member_import import (
    ImportFileError,
    apply_import,
    build_preview,
    rejected_csv,
)
from expertpool.models import AuditLog, Member

HEADER = "Nom;Type;Code INSEE;SIREN;Population;Cotisation;EPCI"
GOOD = [
    "CC du Pays d'Iroise;EPCI;29900;242900694;48000;12 500,00;",
    "Plougonvelin;commune;29190;212901904;4 200;1 250,50;29900",
    "Le Conquet;commune;29040;212900401;2600;800;CC du Pays d'Iroise",
]


@pytest.fixture(autouse=True)
def french_request(app):
    """Reasons are translated with the request's language, as in the import page."""
    with app.test_request_context():
        yield


def csv_bytes(lines, encoding="utf-8", sep=";", bom=False):
    text = "\r\n".join(line.replace(";", sep) for line in [HEADER, *lines]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def member_count(db):
    return db.session.scalar(select(func.count(Member.id)))


@pytest.mark.parametrize(
    ("encoding", "sep", "bom"),
    [
        ("utf-8", ";", False),
        ("utf-8", ";", True),
        ("cp1252", ";", False),
        ("utf-8", ",", False),
    ],
)
def test_reads_what_french_spreadsheets_write(db, encoding, sep, bom):
    lines = (
        GOOD if sep == ";" else [line.replace("12 500,00", "12500.00").replace("1 250,50", "1250.50") for line in GOOD]
    )
    preview = build_preview(csv_bytes(lines, encoding, sep, bom))
    assert preview.counts == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0}, preview.rows
    commune = preview.rows[1]
    assert commune.data["contribution_cents"] == 125050
    assert commune.data["population"] == 4200
    assert preview.rows[0].data["name"] == "CC du Pays d'Iroise"


def test_import_writes_all_then_the_same_file_creates_nothing(db):
    data = csv_bytes(GOOD)
    before = member_count(db)
    counts = apply_import(build_preview(data), actor=None, now=FIXED_NOW)
    assert counts["created"] == 3
    assert member_count(db) == before + 3
    epci = db.session.scalar(select(Member).where(Member.insee_code == "29900"))
    assert {c.name for c in db.session.scalars(select(Member).where(Member.parent_id == epci.id))} == {
        "Plougonvelin",
        "Le Conquet",
    }
    again = build_preview(data)
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 3, "rejected": 0}
    apply_import(again, actor=None, now=FIXED_NOW)
    assert member_count(db) == before + 3
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "member.import")) == 2


def test_changed_rows_are_updates(db):
    apply_import(build_preview(csv_bytes(GOOD)), actor=None, now=FIXED_NOW)
    changed = [GOOD[0], GOOD[1].replace("4 200", "4 300"), GOOD[2]]
    preview = build_preview(csv_bytes(changed))
    assert preview.counts["updated"] == 1
    assert preview.rows[1].changes == ["population"]
    apply_import(preview, actor=None, now=FIXED_NOW)
    assert db.session.scalar(select(Member.population).where(Member.insee_code == "29190")) == 4300


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Mauvaise clé;commune;29001;212901905;100;10;", "SIREN invalide"),
        ("Orpheline;commune;29002;;100;10;99999", "EPCI inconnu"),
        ("Négative;commune;29003;;-5;10;", "Population négative"),
        ("Illisible;commune;29004;;beaucoup;10;", "Population illisible"),
        ("Cotisation;commune;29005;;10;-3;", "Cotisation négative"),
        ("Drôle;planète;29006;;10;10;", "Type de structure inconnu"),
        ("Sans code;commune;;;10;10;", "Code INSEE ou SIREN requis"),
        (";commune;29007;;10;10;", "Nom manquant"),
        ("Code faux;commune;2A0;;10;10;", "Code INSEE invalide"),
        ("Doublon;commune;29190;;10;10;", "Code INSEE en double"),
        ("Trop riche;commune;29009;;10;99 999 999;", "Cotisation invalide"),
    ],
)
def test_each_broken_row_is_rejected_with_a_french_reason(db, line, reason):
    preview = build_preview(csv_bytes([*GOOD, line]))
    row = preview.rows[-1]
    assert row.status == "rejected"
    assert any(reason in r for r in row.reasons), row.reasons
    assert preview.counts["created"] == 3
    download = rejected_csv(preview)
    assert download.startswith("\ufeff")
    assert reason in download


def test_a_row_with_replacement_characters_is_rejected_as_encoding(db):
    preview = build_preview(csv_bytes([*GOOD, "Ville \ufffd;commune;29008;;10;10;"]))
    assert "encodage" in preview.rows[-1].reasons[0]


def test_unreadable_files(db):
    with pytest.raises(ImportFileError, match="Encodage"):
        build_preview("Nom;Code INSEE\r\nBrest;29019\r\n".encode("utf-16"))
    with pytest.raises(ImportFileError, match="nom"):
        build_preview(b"foo;bar\r\n1;2\r\n")
    with pytest.raises(ImportFileError, match="vide"):
        build_preview(b"")


def test_siren_already_held_by_another_member(db, factory):
    factory.member(name="Brest", insee_code="29019", siren="212900195")
    preview = build_preview(csv_bytes(["Autre;commune;29555;212900195;10;10;"]))
    assert "déjà utilisé par « Brest »" in preview.rows[0].reasons[0]


def test_preview_of_2000_rows_is_fast(db):
    figures = bench_import_preview(2000)
    assert figures["counts"]["created"] == 2000
    assert figures["reimport_counts"]["unchanged"] == 2000
    assert figures["seconds"] < 2.0, figures


def test_generated_csv_is_windows_1252():
    assert "é".encode("cp1252") in generate_csv(30)


def test_rejected_rows_download_cannot_run_formulas(db):
    preview = build_preview(csv_bytes(['=HYPERLINK("http://x");commune;29010;;-5;10;']))
    download = rejected_csv(preview)
    assert "'=HYPERLINK" in download and ";-5;" in download
