"""The experts catalogue and the coordinator's lists find what people type, whatever its case, accents
or word order, and rank name matches before roles and skills, before the bio (on both databases)."""

import pytest

from expertpool.extensions import db as _db
from expertpool.models import Role, UserRole


@pytest.fixture
def searcher(factory, login, client):
    return login(factory.user(role=UserRole.COORDINATOR, name="Coordinatrice"))


@pytest.fixture
def experts(factory):
    dba = factory.role("dba", label="Administrateur de bases de données")
    factory.role("dsi", label="DSI mutualisé")
    return {
        "soizic": factory.expert("Soizic Guéguen", roles=("dsi",), bio="Schéma directeur numérique"),
        "yann": factory.expert("Yann Le Gall", roles=(dba.code,), skills=("PostgreSQL",)),
        "zoe": factory.expert("Zoé Bréhat", roles=("dsi",)),
        "anne": factory.expert("Anne Caradec", roles=("dsi",), skills=("Réseau de Bréhat",)),
        "bruno": factory.expert("Bruno Abgrall", roles=("dsi",), bio="Ancien DSI de l’île de Bréhat, migrations"),
    }


def shown(client, url: str, names: list[str]) -> list[str]:
    """The given names in the order the page lists them (those it does not list left out)."""
    response = client.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return sorted((n for n in names if n in page), key=page.index)


ALL = ["Soizic Guéguen", "Yann Le Gall", "Zoé Bréhat", "Anne Caradec", "Bruno Abgrall"]


@pytest.mark.parametrize("query", ["gueguen", "GUEGUEN", "Guéguen", "guéguen soizic", "soizic   gueguen", "guegu"])
def test_a_name_is_found_whatever_its_case_accents_or_word_order(client, searcher, experts, query):
    assert shown(client, f"/experts/?q={query}", ALL) == ["Soizic Guéguen"]


def test_base_de_donnees_finds_the_dbas(client, searcher, experts):
    assert shown(client, "/experts/?q=base de données", ALL) == ["Yann Le Gall"]
    assert shown(client, "/experts/?q=BASES DE DONNEES", ALL) == ["Yann Le Gall"]


def test_migration_finds_the_bio_that_speaks_of_migrations(client, searcher, experts):
    assert shown(client, "/experts/?q=migration", ALL) == ["Bruno Abgrall"]


def test_every_word_must_match_somewhere(client, searcher, experts):
    assert shown(client, "/experts/?q=bréhat postgresql", ALL) == []
    assert shown(client, "/experts/?q=gall postgresql", ALL) == ["Yann Le Gall"]


def test_name_matches_come_before_roles_and_skills_before_the_bio(client, searcher, experts):
    assert shown(client, "/experts/?q=brehat", ALL) == ["Zoé Bréhat", "Anne Caradec", "Bruno Abgrall"]


def test_a_renamed_role_is_found_by_its_new_name(client, searcher, experts):
    role = _db.session.query(Role).filter_by(code="dba").one()
    role.label = "Gardien des entrepôts"
    _db.session.flush()
    assert shown(client, "/experts/?q=entrepots", ALL) == ["Yann Le Gall"]
    assert shown(client, "/experts/?q=base de données", ALL) == []


def test_the_coordinators_member_list_forgives_case_accents_and_order(client, searcher, factory):
    factory.member("Plougastel-Daoulas", insee_code="29189")
    factory.member("Le Relecq-Kerhuon", insee_code="29235")
    names = ["Plougastel-Daoulas", "Le Relecq-Kerhuon"]
    assert shown(client, "/coordination/membres?q=kerhuon relecq", names) == ["Le Relecq-Kerhuon"]
    assert shown(client, "/coordination/membres?q=PLOUGASTEL", names) == ["Plougastel-Daoulas"]
    assert shown(client, "/coordination/membres?q=29189", names) == ["Plougastel-Daoulas"]


def test_the_coordinators_user_list_finds_a_name_without_its_accents(client, searcher, factory):
    factory.user(name="Maëlle Kérébel", email="m.kerebel@mairie-plouzane.fr")
    factory.user(name="Jean Tanguy", email="jtanguy@example.org")
    names = ["Maëlle Kérébel", "Jean Tanguy"]
    assert shown(client, "/coordination/utilisateurs?q=maelle kerebel", names) == ["Maëlle Kérébel"]
    assert shown(client, "/coordination/utilisateurs?q=plouzane", names) == ["Maëlle Kérébel"]


def test_an_anonymised_user_is_no_longer_found_by_the_old_name(client, searcher, factory):
    user = factory.user(name="Gwenaëlle Postic")
    user.name = "Utilisateur supprimé"
    _db.session.flush()
    assert shown(client, "/coordination/utilisateurs?q=postic", ["Utilisateur supprimé"]) == []
