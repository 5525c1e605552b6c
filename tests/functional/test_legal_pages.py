"""Legal notice, privacy policy and accessibility statement: in French and English, filled from the
settings; the footer never claims more conformity than the statement; security.txt (RFC 9116)."""

from datetime import UTC, date, datetime

import pytest

LEGAL = {
    "publisher": "Syndicat mixte Finistère Numérique\n3 rue de Brest, 29000 Quimper\nSIREN 200 012 345",
    "publication_director": "Marie Le Goff, présidente",
    "host": "OVH SAS, 2 rue Kellermann, 59100 Roubaix",
    "dpo_contact": "dpo@finistere-numerique.bzh",
    "contact_email": "contact@finistere-numerique.bzh",
}
PAGES = ("/mentions-legales", "/confidentialite", "/accessibilite")


def test_the_legal_notice_shows_the_settings(client, factory):
    factory.settings(**LEGAL)
    text = client.get("/mentions-legales").text
    for value in ("Syndicat mixte Finistère Numérique", "Marie Le Goff, présidente", "OVH SAS", LEGAL["contact_email"]):
        assert value in text
    assert "/confidentialite" in text and "/accessibilite" in text
    assert "cookie de session" in text


def test_the_privacy_policy_states_the_periods_from_the_settings(client, factory):
    factory.settings(**LEGAL, retention_notifications_months=18)
    text = client.get("/confidentialite").text
    assert "dpo@finistere-numerique.bzh" in text
    for phrase in ("6 mois", "18 mois", "1 an", "5 ans", "10 ans", "CNIL", "article 6.1.e", "Destinataires"):
        assert phrase in text, phrase
    english = client.get("/confidentialite?lang=en").text
    for phrase in ("6 months", "18 months", "1 year", "5 years", "10 years", "Privacy policy", "Your rights"):
        assert phrase in english, phrase


def test_unfilled_settings_say_so_instead_of_leaving_holes(client, factory):
    factory.settings()
    assert client.get("/mentions-legales").text.count("non renseigné par l'administrateur du pool") == 4


@pytest.mark.parametrize("path", PAGES)
def test_legal_pages_render_in_french_and_english(client, path):
    french = client.get(path)
    assert french.status_code == 200 and '<html lang="fr">' in french.text
    english = client.get(path + "?lang=en")
    assert english.status_code == 200 and '<html lang="en">' in english.text
    assert "Mentions légales" not in english.text  # the footer too


def test_without_an_audit_the_statement_and_every_footer_say_non_conforme(client, factory):
    factory.settings()
    statement = client.get("/accessibilite").text
    assert '<strong id="accessibility-status">non conforme</strong>' in statement
    assert "pas encore fait l'objet d'un audit" in statement
    for path in ("/", "/compte/connexion", *PAGES):
        page = client.get(path).text
        assert "Accessibilité : non conforme" in page
        assert "conforme RGAA visé" not in page


@pytest.mark.parametrize(
    ("rate", "label", "english"),
    [
        (100, "totalement conforme", "fully compliant"),
        (75, "partiellement conforme", "partially compliant"),
        (30, "non conforme", "not compliant"),
    ],
)
def test_the_footer_says_what_the_statement_says(client, factory, rate, label, english):
    factory.settings(
        accessibility_rate=rate,
        accessibility_audit_date=date(2027, 1, 4),
        accessibility_audit_method="Audit RGAA 4.1 par Access42 sur 12 pages",
        accessibility_exceptions="Les graphiques du tableau de bord n'ont pas d'alternative textuelle.",
        accessibility_contact="accessibilite@finistere-numerique.bzh",
        accessibility_plan_url="https://finistere-numerique.bzh/schema-accessibilite",
    )
    statement = client.get("/accessibilite").text
    assert f'<strong id="accessibility-status">{label}</strong>' in statement
    assert f"Accessibilité : {label}</a>" in statement
    for value in (
        f"{rate} % des critères du RGAA",
        "4 janvier 2027",
        "Access42",
        "pas d&#39;alternative textuelle",
        "accessibilite@finistere-numerique.bzh",
        "https://finistere-numerique.bzh/schema-accessibilite",
        "Défenseur des droits",
    ):
        assert value in statement, value
    in_english = client.get("/accessibilite?lang=en").text
    assert f"Accessibility: {english}</a>" in in_english and f'id="accessibility-status">{english}<' in in_english


def test_security_txt_follows_rfc_9116(client, factory):
    factory.settings(security_contact="securite@finistere-numerique.bzh")
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    fields = dict(line.split(": ", 1) for line in response.text.strip().splitlines())
    assert fields["Contact"] == "mailto:securite@finistere-numerique.bzh"
    assert fields["Preferred-Languages"] == "fr, en"
    assert fields["Canonical"].endswith("/.well-known/security.txt")
    expires = datetime.strptime(fields["Expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    days_ahead = (expires - datetime.now(UTC)).days
    assert 0 < days_ahead < 365


def test_security_txt_falls_back_to_the_pool_contact_and_else_does_not_exist(client, factory):
    factory.settings(security_contact="", contact_email="")
    assert client.get("/.well-known/security.txt").status_code == 404
    factory.settings(contact_email="contact@pool.bzh", security_contact="https://pool.bzh/securite")
    assert "Contact: https://pool.bzh/securite" in client.get("/.well-known/security.txt").text
    factory.settings(security_contact="")
    assert "Contact: mailto:contact@pool.bzh" in client.get("/.well-known/security.txt").text
