"""Who sees which report: a member sees only its own statement (404 for others), experts and members
never see the coordinator's dashboard; bad filters answer 400 with a French message, never a 500."""

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from reports_support import EXPECTED, build_pool, euros_text, plain

from expertpool.models import UserRole


@pytest.fixture
def pool(factory):
    return build_pool(factory)


@pytest.fixture
def member_a(factory, pool, login):
    user = factory.user(role=UserRole.MEMBER, member=pool.a)
    login(user)
    return user


@pytest.mark.parametrize("suffix", ["etat", "etat.pdf", "etat.csv"])
def test_member_cannot_see_another_members_statement(client, pool, member_a, suffix):
    assert client.get(f"/rapports/membres/{pool.b.id}/{suffix}").status_code == 404
    assert client.get(f"/rapports/membres/{pool.b.id}/{suffix}?period={pool.period.id}").status_code == 404
    assert client.get(f"/rapports/membres/999999/{suffix}").status_code == 404
    assert client.get(f"/rapports/membres/{pool.a.id}/{suffix}?period={pool.period.id}").status_code == 200


# Who may open each report (403 for the other roles, the login page for visitors) is the authorisation
# matrix's (tests/trust/authz_matrix.py): only what it cannot see is tested here.


def test_member_page_shows_own_statement_history_and_ratings(client, pool, member_a):
    html = client.get("/rapports/mon-bilan", query_string={"period": pool.period.id}).get_data(as_text=True)
    text = plain(re.sub(r"<[^>]+>", " ", html))
    assert euros_text(EXPECTED["a"]["paid"]) in text
    history = re.search(r'id="history-table".*?</table>', html, re.S).group(0)
    assert "2026" in history and "2027" in history
    ratings = plain(re.sub(r"<[^>]+>", " ", re.search(r'id="ratings-table".*?</table>', html, re.S).group(0)))
    assert "Migration PostgreSQL" in ratings and "5 / 5" in ratings and "4 / 5" in ratings
    assert "Audit de sécurité" not in ratings  # member B's rating
    # A past period: the 2026 statement holds the December half-day.
    past = client.get(f"/rapports/membres/{pool.a.id}/etat?period={pool.old_period.id}").get_data(as_text=True)
    assert "15 décembre 2026" in past


def test_member_downloads_own_pdf(client, pool, member_a):
    response = client.get(f"/rapports/membres/{pool.a.id}/etat.pdf?period={pool.period.id}")
    text = plain(PdfReader(io.BytesIO(response.data)).pages[0].extract_text())
    assert euros_text(EXPECTED["a"]["paid"]) in text


def test_bad_period_answers_400_with_a_french_message(client, pool, member_a, factory, login):
    response = client.get("/rapports/mon-bilan?period=abc")
    assert response.status_code == 400
    assert "Choisissez une période de la liste." in response.get_data(as_text=True)
    assert client.get(f"/rapports/membres/{pool.a.id}/etat.pdf?period=99999").status_code == 404
    login(factory.user(role=UserRole.COORDINATOR))
    assert client.get("/rapports/?period=99999").status_code == 400
    assert client.get("/rapports/occupation?period=99999").status_code == 400
    assert client.get("/rapports/?sort=evil&dir=sideways&page=-3&show=x").status_code == 200
    response = client.get("/rapports/exports?dataset=nope&fmt=pdf&member=abc")
    assert response.status_code == 400
    assert "Choisissez un membre de la liste." in response.get_data(as_text=True)


def test_dashboard_sorts_and_filters_without_javascript(client, pool, factory, login):
    login(factory.user(role=UserRole.COORDINATOR))
    html = client.get(f"/rapports/?period={pool.period.id}&sort=delivered&dir=desc").get_data(as_text=True)
    order = [int(m) for m in re.findall(r'data-member="(\d+)"', html)]
    assert order.index(pool.a.id) < order.index(pool.b.id) < order.index(pool.c.id)
    assert 'aria-sort="descending"' in html
    html = client.get(f"/rapports/?period={pool.period.id}&show=over").get_data(as_text=True)
    assert [int(m) for m in re.findall(r'data-member="(\d+)"', html)] == [pool.a.id]
    html = client.get(f"/rapports/?period={pool.period.id}&show=unused").get_data(as_text=True)
    assert pool.c.id in [int(m) for m in re.findall(r'data-member="(\d+)"', html)]
    assert pool.a.id not in [int(m) for m in re.findall(r'data-member="(\d+)"', html)]


def test_pages_without_any_period(client, factory, login):
    login(factory.user(role=UserRole.COORDINATOR))
    assert client.get("/rapports/").status_code == 200
    assert client.get("/rapports/economies").status_code == 200
    assert client.get("/rapports/occupation").status_code == 200
    member = factory.member()
    assert client.get(f"/rapports/membres/{member.id}/etat").status_code == 200
    assert client.get(f"/rapports/membres/{member.id}/etat.pdf").status_code == 404
    user = factory.user(role=UserRole.MEMBER, member=member)
    login(user)
    assert client.get("/rapports/mon-bilan").status_code == 200


def test_exports_without_filters_and_with_bad_choices(client, pool, factory, login):
    login(factory.user(role=UserRole.COORDINATOR))
    for dataset in ("membres", "droits", "demandes", "reservations", "evaluations"):
        response = client.get(
            "/rapports/exports", query_string={"dataset": dataset, "fmt": "xlsx", "period": "", "member": ""}
        )
        assert response.status_code == 200, dataset
    response = client.get("/rapports/exports?dataset=nope&fmt=pdf")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Not a valid choice" not in html
    assert "Le formulaire contient des erreurs" in html


HOSTILE = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", "0", "-1", "999999999999", "1e9", "<script>", "\x00", "desc", "asc", "over", "unused", "xlsx", "csv"]
    ),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.fixed_dictionaries(
        {}, optional=dict.fromkeys(("period", "sort", "dir", "page", "show", "dataset", "fmt", "member"), HOSTILE)
    )
)
def test_hostile_query_strings_never_break_a_report(client, pool, factory, login, params):
    coordinator = factory.user(role=UserRole.COORDINATOR)
    for user, paths in (
        (
            coordinator,
            (
                "/rapports/",
                "/rapports/economies",
                "/rapports/occupation",
                "/rapports/exports",
                f"/rapports/membres/{pool.a.id}/etat.csv",
            ),
        ),
        (
            factory.user(role=UserRole.MEMBER, member=pool.a),
            ("/rapports/mon-bilan", f"/rapports/membres/{pool.a.id}/etat"),
        ),
    ):
        login(user)
        for path in paths:
            response = client.get(path, query_string=params)
            assert response.status_code in (200, 400, 404), (path, params, response.status_code)
            if response.mimetype == "text/html":
                assert "<script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize("suffix", ["etat", "etat.pdf", "etat.csv"])
def test_epci_holding_an_envelope_opens_its_communes_statements(client, factory, pool, login, suffix):
    epci = factory.member("Communauté de communes du Val", kind="epci", holds_envelope=True)
    pool.a.parent_id = epci.id
    factory.session.flush()
    factory.session.expire(epci, ["children"])
    login(factory.user(role=UserRole.MEMBER, member=epci))
    assert client.get(f"/rapports/membres/{pool.a.id}/{suffix}?period={pool.period.id}").status_code == 200
    assert client.get(f"/rapports/membres/{epci.id}/{suffix}?period={pool.period.id}").status_code == 200
    assert client.get(f"/rapports/membres/{pool.b.id}/{suffix}?period={pool.period.id}").status_code == 404
    if suffix == "etat":
        page = client.get("/rapports/mon-bilan").get_data(as_text=True)
        assert f"/rapports/membres/{pool.a.id}/etat" in page


def test_epci_without_envelope_does_not_see_its_communes_statements(client, factory, pool, login):
    epci = factory.member("Communauté sans enveloppe", kind="epci", holds_envelope=False)
    pool.a.parent_id = epci.id
    factory.session.flush()
    login(factory.user(role=UserRole.MEMBER, member=epci))
    assert client.get(f"/rapports/membres/{pool.a.id}/etat?period={pool.period.id}").status_code == 404
