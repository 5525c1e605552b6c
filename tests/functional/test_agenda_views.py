"""Week and month agenda pages: what each half-day shows, who may open them, constant query count."""

from datetime import date, timedelta

import pytest

from expertpool.models import BookingStatus, RequestStatus, UserRole
from expertpool.models.expert import FULL_TIME_WEEK_MASK, week_bit


@pytest.fixture(autouse=True)
def _frozen_clock(frozen_clock):
    return frozen_clock


def _scheduled(factory, title="Sauvegardes PostgreSQL", **values):
    name = values.pop("member_name", "Commune de Plouider")
    member = factory.member(name=name, address="1 place de la Mairie")
    return factory.request(member=member, status=RequestStatus.SCHEDULED, title=title, **values)


def test_expert_home_week_shows_bookings_leave_holidays_and_pattern(factory, login):
    factory.settings(holidays_region="metropole")
    user, expert = factory.expert_user(week_mask=FULL_TIME_WEEK_MASK & ~week_bit(4, "pm"))
    onsite = _scheduled(factory, on_site=True, address="Salle du conseil, Plouider")
    remote = _scheduled(factory, title="Audit RGPD", member_name="Syndicat des eaux", on_site=False)
    factory.booking(onsite, expert, date(2027, 5, 3), "am")
    factory.booking(remote, expert, date(2027, 5, 3), "pm")
    factory.unavailability(expert, date(2027, 5, 4), half="am", kind="training", reason="Formation PG 17")
    page = login(user).get("/agenda/?day=2027-05-05")
    assert page.status_code == 200
    html = page.text
    assert "Commune de Plouider" in html and "Sauvegardes PostgreSQL" in html
    assert "Salle du conseil, Plouider" in html
    assert "Syndicat des eaux" in html and "À distance" in html
    assert "Formation PG 17" in html and "Formation" in html
    assert "Ascension" in html  # Thursday 6 May 2027
    assert "Hors semaine type" in html  # Friday afternoon is not in the pattern
    assert "d-md-none" in html  # the stacked list for phones


def test_week_navigation_links_and_bad_dates(factory, login):
    user, expert = factory.expert_user()
    client = login(user)
    html = client.get("/agenda/?day=2027-05-05").text
    assert "day=2027-04-26" in html and "day=2027-05-10" in html
    assert client.get("/agenda/?day=not-a-date").status_code == 200
    assert client.get(f"/agenda/experts/{expert.id}/mois?month=2027-13").status_code == 200
    assert client.get(f"/agenda/experts/{expert.id}/mois?month=abc").status_code == 200
    for far in ("0001-01-01", "9999-12-31"):
        assert client.get(f"/agenda/?day={far}").status_code == 200
    for far in ("9999-12", "0001-01", "2027-3-1"):
        assert client.get(f"/agenda/experts/{expert.id}/mois?month={far}").status_code == 200


def test_month_view_shows_the_month_and_navigation(factory, login):
    user, expert = factory.expert_user()
    req = _scheduled(factory)
    factory.booking(req, expert, date(2027, 3, 15), "pm")
    html = login(user).get(f"/agenda/experts/{expert.id}/mois?month=2027-03").text
    assert "mars 2027" in html
    assert "Commune de Plouider" in html
    assert "month=2027-02" in html and "month=2027-04" in html
    december = login(user).get(f"/agenda/experts/{expert.id}/mois?month=2027-12").text
    assert "month=2028-01" in december


def test_coordinator_opens_any_expert_agenda(factory, login):
    coordinator = factory.user(role=UserRole.COORDINATOR)
    _user, expert = factory.expert_user(name="Bruno DSI")
    client = login(coordinator)
    for path in ("semaine", "mois", "indisponibilites", "interventions", "semaine-type", "indisponibilites/nouvelle"):
        response = client.get(f"/agenda/experts/{expert.id}/{path}")
        assert response.status_code == 200, path
        assert "Bruno DSI" in response.text


def test_an_expert_cannot_see_or_edit_another_experts_agenda(factory, login):
    me, _mine = factory.expert_user(name="Moi")
    _other_user, other = factory.expert_user(name="Autre")
    req = _scheduled(factory)
    booking = factory.booking(req, other, date(2027, 1, 8), "am")
    leave = factory.unavailability(other, date(2027, 2, 1), date(2027, 2, 5))
    client = login(me)
    for path in (
        "semaine",
        "mois",
        "indisponibilites",
        "interventions",
        "semaine-type",
        "indisponibilites/nouvelle",
        f"indisponibilites/{leave.id}/modifier",
    ):
        assert client.get(f"/agenda/experts/{other.id}/{path}").status_code == 404, path
    leave_form = {"start_date": "2027-03-01", "kind": "leave"}
    posts = {
        f"/agenda/experts/{other.id}/indisponibilites/nouvelle": leave_form,
        f"/agenda/experts/{other.id}/indisponibilites/{leave.id}/modifier": leave_form,
        f"/agenda/experts/{other.id}/indisponibilites/{leave.id}/supprimer": {},
        f"/agenda/creneaux/{booking.id}/realisation": {"outcome": "delivered"},
        f"/agenda/demandes/{req.id}/rapport": {"report": "pirate"},
        f"/agenda/experts/{other.id}/semaine-type": {"mon_am": "y"},
    }
    for path, data in posts.items():
        assert client.post(path, data=data).status_code == 404, path
    assert client.get(f"/agenda/creneaux/{booking.id}/realisation").status_code == 404
    assert client.get(f"/agenda/demandes/{req.id}/rapport").status_code == 404
    # Nothing moved.
    assert booking.status == BookingStatus.PLANNED and req.report == ""
    assert leave.start_date == date(2027, 2, 1)


def test_members_and_anonymous_are_kept_out(factory, login, client):
    _user, expert = factory.expert_user()
    assert client.get("/agenda/").status_code == 302  # to the login page
    member_user = factory.user(role=UserRole.MEMBER)
    client = login(member_user)
    assert client.get("/agenda/").status_code == 403
    assert client.get(f"/agenda/experts/{expert.id}/semaine").status_code == 403


def _fill_month(factory, expert, count):
    """`count` bookings in March 2027, each for its own member and request (so lazy loading would show)."""
    slots = [(date(2027, 3, 1) + timedelta(days=i), half) for i in range(31) for half in ("am", "pm")]
    for i in range(count):
        day, half = slots[i % len(slots)]
        # Beyond one per slot, the extra ones are history (not delivered) that the view still shows.
        status = BookingStatus.PLANNED if i < len(slots) else BookingStatus.NOT_DELIVERED
        member = factory.member(name=f"Membre {i}")
        req = factory.request(member=member, status=RequestStatus.SCHEDULED, title=f"Demande {i}")
        factory.booking(req, expert, day, half, status=status)


def _count_queries(count_queries, db, client, url):
    """Statements run by one GET, starting from an empty identity map (so lazy loads would show)."""
    db.session.expunge_all()
    count, response = count_queries.get(client, url, fresh=False)
    return count, response.text


def test_month_view_query_count_does_not_grow_with_bookings(count_queries, factory, login, db):
    factory.settings()
    user_small, small = factory.expert_user(name="Petit agenda")
    user_big, big = factory.expert_user(name="Grand agenda")
    _fill_month(factory, small, 10)
    _fill_month(factory, big, 200)
    url_small = f"/agenda/experts/{small.id}/mois?month=2027-03"
    url_big = f"/agenda/experts/{big.id}/mois?month=2027-03"
    ten, html_small = _count_queries(count_queries, db, login(user_small), url_small)
    two_hundred, html_big = _count_queries(count_queries, db, login(user_big), url_big)
    assert "Membre 9" in html_small
    assert "Membre 199" in html_big
    assert ten == two_hundred, (ten, two_hundred)
    assert two_hundred <= 12


def test_expert_account_without_a_profile_gets_an_explanation(factory, login):
    lonely = factory.user(role=UserRole.EXPERT)
    client = login(lonely)
    for url in ("/agenda/", "/agenda/interventions"):
        response = client.get(url)
        assert response.status_code == 200 and "pas encore rattaché" in response.text


def test_assignments_query_count_does_not_grow(count_queries, factory, login, db):
    factory.settings()
    user_small, small = factory.expert_user()
    user_big, big = factory.expert_user()
    _fill_month(factory, small, 5)
    _fill_month(factory, big, 60)
    few, _html = _count_queries(count_queries, db, login(user_small), "/agenda/interventions")
    many, html = _count_queries(count_queries, db, login(user_big), "/agenda/interventions")
    last, last_html = _count_queries(count_queries, db, login(user_big), "/agenda/interventions?page=3")
    assert few == many == last and "Membre 19" in html and "Membre 59" in last_html


def test_assignments_are_paged_with_their_totals(factory, login, db):
    """Issue 13: the upcoming interventions by pages of 20 and the history by pages of 40 half-days, each
    with its total; each list's pages keep the other's; a bad page number shows the first or last page."""
    factory.settings()
    user, expert = factory.expert_user()
    _fill_month(factory, expert, 25)  # 25 upcoming interventions (each its own request)
    for i in range(45):  # 45 delivered half-days in 2026, each its own intervention
        req = factory.request(member=factory.member(name=f"Passé {i}"), status=RequestStatus.COMPLETED)
        factory.booking(req, expert, date(2026, 1, 5) + timedelta(days=i), "am", status=BookingStatus.DELIVERED)
    client = login(user)
    first = client.get("/agenda/interventions").text
    assert 'À venir <span class="badge text-bg-secondary">25</span>' in first
    assert "Interventions 1 à 20 sur 25, les plus proches d'abord." in first
    assert 'Historique <span class="badge text-bg-secondary">45</span>' in first
    assert "45 demi-journées renseignées, les plus récentes d'abord." in first
    assert "Membre 19" in first and "Membre 20" not in first
    assert "Passé 44" in first and "Passé 4<" not in first and "Passé 5 " not in first
    second = client.get("/agenda/interventions?page=2&historique=2").text
    assert "Interventions 21 à 25 sur 25" in second and "Membre 24" in second and "Membre 19" not in second
    assert "Passé 0" in second and "Passé 44" not in second
    # The upcoming list's "previous" link keeps the history's page, and the history's keeps the upcoming one.
    assert 'href="/agenda/interventions?page=1&amp;historique=2"' in second
    assert 'href="/agenda/interventions?historique=1&amp;page=2"' in second
    for query, shown in (("page=99", "Interventions 21 à 25"), ("page=abc", "Interventions 1 à 20")):
        response = client.get(f"/agenda/interventions?{query}&historique=-4")
        assert response.status_code == 200 and shown in response.text and "Passé 44" in response.text
