"""The administrator edits the pool's settings; bad values are refused next to the field."""

from datetime import time

import pytest

from expertpool.models import AuditLog, PoolSettings, UserRole

GOOD = {
    "name": "Finistère Numérique",
    "contact_email": "contact@pool.bzh",
    "unit_price": "182,50",
    "holidays_region": "alsace-moselle",
    "am_start": "08:30",
    "am_end": "12:00",
    "pm_start": "13:30",
    "pm_end": "17:00",
    "auto_approve_max_half_days": "4",
    "instant_booking_max_half_days": "2",
    "horizon_weeks": "12",
    "next_period_warning_weeks": "8",
    "scheduler_cron": "0 6 * * mon-fri",
    "retention_sign_in_months": "6",
    "retention_notifications_months": "12",
    "retention_outbox_months": "12",
    "retention_closed_requests_months": "60",
    "retention_audit_months": "120",
}


@pytest.fixture
def admin(factory, login):
    user = factory.user(role=UserRole.ADMIN)
    login(user)
    return user


def test_admin_saves_settings_with_one_audit_row(client, db, admin):
    response = client.post("/admin/parametres", data=GOOD)
    assert response.status_code == 302
    settings = PoolSettings.load(db.session)
    assert settings.unit_price_cents == 18250
    assert settings.holidays_region == "alsace-moselle"
    assert settings.auto_approve_max_half_days == 4
    assert settings.instant_booking_max_half_days == 2
    assert settings.am_start == time(8, 30)
    assert settings.next_period_warning_weeks == 8
    assert db.session.query(AuditLog).filter_by(action="settings.update").count() == 1
    assert "182,50" in client.get("/admin/parametres").text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("unit_price", "cent euros", "Indiquez un montant en euros"),
        ("unit_price", "-5", "Le montant doit être positif et raisonnable."),
        ("unit_price", "100000,01", "Le montant doit être positif et raisonnable."),
        ("unit_price", "12,345", "Deux décimales au plus."),
        ("unit_price", "NaN", "Indiquez un montant en euros"),
        ("unit_price", "1e999999", "Indiquez un montant en euros"),
        ("horizon_weeks", "0", "Entre 1 et 60 semaines."),
        ("horizon_weeks", "1e9", "Indiquez un nombre entier."),
        ("horizon_weeks", "", "Indiquez un nombre de semaines."),
        ("auto_approve_max_half_days", "-1", "Entre 0 (désactivée) et 120"),
        ("instant_booking_max_half_days", "21", "Entre 0 (désactivée) et 20 demi-journées."),
        ("next_period_warning_weeks", "53", "Entre 0 (jamais) et 52 semaines."),
        ("next_period_warning_weeks", "", "Indiquez un nombre de semaines (0 pour ne jamais alerter)."),
        ("scheduler_cron", "every morning", "Expression cron invalide"),
        ("am_end", "08:00", "La fin du matin doit suivre son début."),
        ("name", "x" * 300, "200 caractères au plus."),
        ("retention_notifications_months", "0", "Entre 1 et 240 mois."),
        ("retention_audit_months", "", "Indiquez une durée en mois."),
        ("accessibility_rate", "101", "Entre 0 et 100 %."),
        ("accessibility_rate", "80", "Indiquez la date de l'audit qui a donné ce taux."),
        ("accessibility_audit_date", "2027-02-30", "Date invalide"),
        ("security_contact", "sécurité", "Indiquez une adresse e-mail, ou une adresse commençant par mailto:"),
        ("accessibility_plan_url", "javascript:alert(1)", "Indiquez une adresse web complète"),
        ("publisher", "x" * 2001, "2000 caractères au plus."),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(client, db, admin, field, value, message):
    before = PoolSettings.load(db.session).unit_price_cents
    response = client.post("/admin/parametres", data={**GOOD, field: value})
    assert response.status_code == 400
    assert message in response.text.replace("&#39;", "'")
    assert PoolSettings.load(db.session).unit_price_cents == before
    assert db.session.query(AuditLog).filter_by(action="settings.update").count() == 0


def test_coordinator_cannot_change_settings(client, factory, login):
    login(factory.user(role=UserRole.COORDINATOR))
    assert client.get("/admin/parametres").status_code == 403
    assert client.post("/admin/parametres", data=GOOD).status_code == 403


def test_the_admin_fills_the_legal_settings_and_the_pages_show_them(client, db, admin):
    data = {
        **GOOD,
        "publication_director": "Marie Le Goff, présidente",
        "host": "OVH SAS, 2 rue Kellermann, 59100 Roubaix",
        "accessibility_rate": "100",
        "accessibility_audit_date": "2027-01-04",
        "security_contact": "mailto:securite@finistere-numerique.bzh",
    }
    assert client.post("/admin/parametres", data=data).status_code == 302
    assert db.session.query(AuditLog).filter_by(action="settings.update").count() == 1
    assert "Marie Le Goff" in client.get("/mentions-legales").text
    assert "Accessibilité : totalement conforme" in client.get("/accessibilite").text
    assert "Contact: mailto:securite@finistere-numerique.bzh" in client.get("/.well-known/security.txt").text
