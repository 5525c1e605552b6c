"""Issue 19, "one drawing right": the cases a mayor and a board read, through the pages.

Each test fails on the code before the position module (commit c0beb8c) and passes now.
"""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from factories import FIXED_NOW
from sqlalchemy import select

from expertpool.i18n import days_label
from expertpool.models import AllocationRun, BookingStatus, InterventionRequest, QuotaKind, RequestStatus, UserRole

pytest_plugins = ["member_fixtures"]  # member_clock: the member views see FIXED_NOW


def plain(html: str) -> str:
    """The text of a page, spaces (including the thin spaces of French amounts) made plain."""
    text = re.sub(r"<[^>]+>", " ", html).replace("\xa0", " ")
    return re.sub(r"\s+", " ", text).replace("&#39;", "'")


def book(factory, req, expert, count, start=date(2027, 1, 4), status=BookingStatus.PLANNED):
    """`count` half-days of `expert` for `req` on weekdays from `start` (AM then PM)."""
    day, booked = start, 0
    while booked < count:
        if day.weekday() < 5:
            for half in ("am", "pm"):
                if booked < count:
                    factory.booking(req, expert, day, half, status)
                    booked += 1
        day += timedelta(days=1)


@pytest.fixture
def abers(factory):
    """An EPCI holding an envelope of 23 half-days, and Tréglonou with an own right of 2."""
    factory.settings(unit_price_cents=18000, auto_approve_max_half_days=0)
    epci = factory.member("Pays des Abers", kind="epci", holds_envelope=True)
    commune = factory.member("Tréglonou", parent_id=epci.id)
    period = factory.period(2027, half_days=0)
    factory.quota(commune, period, 2)
    factory.quota(epci, period, 2)
    factory.quota(epci, period, 23, kind=QuotaKind.ENVELOPE)
    mayor = factory.user(member=commune, name="Maire de Tréglonou")
    epci_user = factory.user(member=epci, name="Agent de la CC")
    coordinator = factory.user(role=UserRole.COORDINATOR, name="Claire Coord")
    _user, expert = factory.expert_user("Alice Martin", roles=("dba",))
    return {
        "epci": epci,
        "commune": commune,
        "period": period,
        "mayor": mayor,
        "epci_user": epci_user,
        "coordinator": coordinator,
        "expert": expert,
    }


def test_case1_half_days_drawn_from_the_envelope_are_not_over_quota(client, login, factory, abers, member_clock):
    """Tréglonou booked 18 half-days on an own right of 2: the 16 beyond came from the envelope (23)."""
    req = factory.request(abers["commune"], status=RequestStatus.SCHEDULED, half_days=18)
    book(factory, req, abers["expert"], 18)
    login(abers["mayor"])
    home = plain(client.get("/mon-espace").text)
    assert "Hors droit de tirage" not in home  # was "Hors droit de tirage 8 jours"
    assert "Pris sur l'enveloppe de l'intercommunalité 8 jours" in home
    assert "l'enveloppe de votre intercommunalité offre encore 3,5 jours" in home
    # The EPCI's own space shows each commune's draw on its envelope.
    login(abers["epci_user"])
    space = client.get("/mon-espace").text
    row = re.search(r"<tr><th scope=\"row\">Tréglonou</th>.*?</tr>", space, re.S).group(0)
    assert '<td data-col="from-envelope">8 jours</td>' in row
    assert '<td data-col="over">0 jour</td>' in row


def test_case2_the_check_never_adds_the_envelope_to_the_own_right(client, login, factory, abers, member_clock):
    """One half-day of own right left and the envelope beside it: the check says so, apart."""
    req = factory.request(abers["commune"], status=RequestStatus.SCHEDULED, half_days=1)
    book(factory, req, abers["expert"], 1)
    login(abers["mayor"])
    home = plain(client.get("/mon-espace").text)
    assert "0,5 jour restant sur 1" in home
    check = client.get("/demandes/verifier-droit?jours=3&debut=2027-02-01").text
    assert "il vous restera" not in check  # was "tient dans votre droit de tirage : il vous restera 11 jours"
    assert 'data-position="envelope"' in check
    text = plain(check)
    assert "votre propre droit de tirage disponible (0,5 jour)" in text
    assert "2,5 jours seraient pris sur l'enveloppe" in text
    assert "11,5 jours disponibles pour vous" in text


def test_case3_requests_in_flight_reserve_the_right_and_one_price_everywhere(
    client, login, db, factory, abers, member_clock
):
    """Six open requests, more than own right + envelope together: the later ones are over quota in the
    queue, on the request page and in "mes demandes", at the price the mayor was shown before sending."""
    commune = abers["commune"]
    sent = [
        factory.request(
            commune,
            title=f"Demande {n}",
            half_days=8,
            created_by=abers["mayor"],
            submitted_at=FIXED_NOW - timedelta(days=10 - n),
        )
        for n in range(5)
    ]
    # Own right 2 + envelope 23 = 25 half-days; five requests of 8 already ask 40.
    login(abers["mayor"])
    check = plain(client.get("/demandes/verifier-droit?jours=4&debut=2027-02-01").text)
    # The sixth (8 half-days) comes after the five: entirely over quota, 8 × 180 €.
    assert "4 jours seraient hors droit de tirage, facturés 1 440,00 € HT" in check
    form = _form(factory.role("dba").id, title="Sixième", days="4", accept_quote="y")
    assert client.post("/demandes/nouvelle", data=form).status_code == 302
    sixth = db.session.scalar(select(InterventionRequest).where(InterventionRequest.title == "Sixième"))
    # Request page and "mes demandes" keep saying it, with the price.
    page = plain(client.get(f"/demandes/{sixth.id}").text)
    assert "4 jours hors droit de tirage, facturés 1 440,00 € HT" in page
    listing = client.get("/demandes").text
    cell = re.search(rf'data-split="{sixth.id}">(.*?)</td>', listing, re.S).group(1)
    assert "Hors droit : 4 jours" in plain(cell)
    # The queue: the first three fit (2 own + 23 envelope = 25: 8 + 8 + 8 and 1 of the fourth), not the rest.
    login(abers["coordinator"])
    queue = client.get("/coordination/demandes").text
    rows = {
        title: plain(row)
        for row, title in re.findall(
            r"(<tr>\s*<th scope=\"row\"><a[^>]*>(Demande \d|Sixième)</a>.*?</tr>)", queue, re.S
        )
    }
    assert [("Dans le droit de tirage" in rows[f"Demande {n}"]) for n in range(5)] == [True, True, True, False, False]
    assert "Hors droit : 3,5 jours" in rows["Demande 3"]
    assert "Hors droit : 4 jours" in rows["Demande 4"]
    assert "Facturable : 1 440,00 € HT" in rows["Sixième"]
    # The coordinator's request page shows the same figure as the mayor saw.
    detail = plain(client.get(f"/coordination/demandes/{sixth.id}").text)
    assert "Facturable : 1 440,00 € HT" in detail
    assert sent[0].status == RequestStatus.SUBMITTED


def test_case4_home_and_reports_agree_on_who_is_over_quota(client, login, factory, frozen_clock):
    """A commune with a right of 2 and 4 booked, whose EPCI envelope of 2 is used up exactly, is not over
    quota; a commune beyond its envelope is, on the coordinator home and in the reports alike."""
    factory.settings(unit_price_cents=18000)
    period = factory.period(2027, half_days=0)
    epci = factory.member("CC exacte", kind="epci", holds_envelope=True)
    exact = factory.member("Commune exacte", parent_id=epci.id)
    factory.quota(exact, period, 2)
    factory.quota(epci, period, 2, kind=QuotaKind.ENVELOPE)
    alone = factory.member("Commune seule")
    factory.quota(alone, period, 2)
    _user, expert = factory.expert_user("Alice Martin", roles=("dba",))
    for member, count, start in ((exact, 4, date(2027, 1, 4)), (alone, 3, date(2027, 2, 1))):
        req = factory.request(member, status=RequestStatus.SCHEDULED, half_days=count)
        book(factory, req, expert, count, start)
    login(factory.user(role=UserRole.COORDINATOR))
    home = client.get("/coordination/").text
    section = plain(re.search(r'id="hors-droit-titre".*?</div>', home, re.S).group(0))
    reports = client.get(f"/rapports/?period={period.id}&show=over").text
    for page in (section, plain(reports)):
        assert "Commune seule" in page
        assert "Commune exacte" not in page  # the home listed it before
    assert "0,5 jour hors droit de tirage (180,00 € HT)" in section


def test_case6_a_planning_run_lists_each_member_once_with_its_right_and_envelope_apart(
    client, login, db, factory, travel_to
):
    now = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)  # the horizon meets two periods
    travel_to(now)
    factory.settings(horizon_weeks=3, unit_price_cents=18000)
    p2026, p2027 = factory.period(2026, half_days=0), factory.period(2027, half_days=0)
    epci = factory.member("Pays des Abers", kind="epci", holds_envelope=True)
    commune = factory.member("Gouesnou", parent_id=epci.id)
    for period in (p2026, p2027):
        factory.quota(commune, period, 4)
        factory.quota(epci, period, 20, kind=QuotaKind.ENVELOPE)
    factory.expert("Yann", roles=("dsi",), week_mask=0b11)  # Monday only: the request cannot be served whole
    factory.request(
        commune,
        role="dsi",
        status=RequestStatus.APPROVED,
        half_days=20,
        earliest=date(2026, 12, 22),
        deadline=date(2027, 1, 8),
    )
    login(factory.user(role=UserRole.COORDINATOR))
    response = client.post("/planification/apercu", data={"weeks": ""})
    assert response.status_code == 302
    page = client.get(response.location).text
    table = re.search(r'id="per-member".*?</table>', page, re.S).group(0)
    assert table.count("Gouesnou") == 1  # listed once, not once per period
    row = re.search(r"<tr>\s*<th scope=\"row\">Gouesnou.*?</tr>", table, re.S).group(0)
    assert '<td data-col="own-right">2 jours</td>' in row  # own right, not own right + envelope
    assert "10 jours" in re.search(r'data-col="envelope">(.*?)</td>', row).group(1)
    # Its unserved half-days are the run's, counted once.
    run = db.session.scalar(select(AllocationRun))
    unserved = sum(item["half_days"] for item in run.plan["unserved"])
    assert unserved > 0
    assert re.findall(r"<td>([^<]*)</td>\s*</tr>", row)[-1] == days_label(unserved)


def test_case9_savings_compare_delivered_value_with_the_contributions_due_so_far(client, login, factory, travel_to):
    """Half the year gone: the board reads value delivered − (half the contributions + billed), a projection
    beside it, and the assumptions; not the whole year's contributions against half a year's work."""
    travel_to(datetime(2027, 7, 2, 10, tzinfo=UTC))  # day 183 of 365
    factory.settings(unit_price_cents=18000)
    period = factory.period(2027, half_days=0)
    member = factory.member("Plouguin", contribution_cents=730_000)
    factory.quota(member, period, 40)
    expert = factory.expert("Yann", roles=("dba",), day_rate_cents=100_000)
    req = factory.request(member, status=RequestStatus.IN_PROGRESS, half_days=20)
    book(factory, req, expert, 20, status=BookingStatus.DELIVERED)  # market value 20 × 500 € = 10 000 €
    login(factory.user(role=UserRole.COORDINATOR))
    text = plain(client.get(f"/rapports/?period={period.id}").text)
    # 7 300 € × 183/365 = 3 660 € due so far: savings to date 10 000 − 3 660 = 6 340 €.
    assert "Contributions des membres, au prorata de la période écoulée (50 %) 3 660,00 €" in text
    assert "Économie estimée à ce jour 6 340,00 €" in text
    assert "Projection sur toute la période, au rythme actuel 12 645,36 €" in text
    assert "au prorata de la part de la période écoulée" in text  # the assumption printed beside
    savings = plain(client.get(f"/rapports/economies?period={period.id}").text)
    assert "Économie estimée à ce jour 6 340,00 €" in savings


def _form(role_id, **values):
    return {
        "title": "Au-delà du droit",
        "description": "Beaucoup de travail.",
        "role": str(role_id),
        "preferred_expert": "",
        "days": "3",
        "earliest": "2027-02-01",
        "deadline": "2027-03-31",
        "urgency": "normal",
        "place": "remote",
        "address": "",
        "action": "submit",
        **values,
    }


def test_billable_work_is_sent_only_with_the_quote_accepted(client, login, db, factory, abers, member_clock):
    """Own right 2 and envelope 23 hold 25 half-days: asking 30 puts 5 beyond, 900 € HT."""
    login(abers["mayor"])
    role_id = factory.role("dba").id
    refused = client.post("/demandes/nouvelle", data=_form(role_id, days="15"))
    assert refused.status_code == 400
    assert "Cochez cette case pour accepter le devis" in refused.text
    assert db.session.scalar(select(InterventionRequest.id)) is None
    sent = client.post("/demandes/nouvelle", data=_form(role_id, days="15", accept_quote="y"))
    assert sent.status_code == 302
    req = db.session.scalar(select(InterventionRequest))
    assert (req.status, req.quote_half_days, req.quote_unit_price_cents) == (RequestStatus.SUBMITTED, 5, 18000)
    assert req.quote_accepted_at == FIXED_NOW and req.quote_accepted_by_id == abers["mayor"].id
    page = plain(client.get(f"/demandes/{req.id}").text)
    assert "2,5 jours hors droit de tirage × 180,00 € la demi-journée = 900,00 € HT" in page
    login(abers["coordinator"])
    detail = plain(client.get(f"/coordination/demandes/{req.id}").text)
    assert "2,5 jours hors droit de tirage × 180,00 € la demi-journée = 900,00 € HT" in detail
    assert "Facturable : 900,00 € HT" in detail  # the same figure as the quote


def test_a_critical_request_never_waits_for_the_quote(client, login, db, factory, abers, member_clock):
    login(abers["mayor"])
    sent = client.post("/demandes/nouvelle", data=_form(factory.role("dba").id, days="15", urgency="critical"))
    assert sent.status_code == 302
    req = db.session.scalar(select(InterventionRequest))
    assert (req.status, req.quote_half_days, req.quote_accepted_at) == (RequestStatus.SUBMITTED, 5, None)
    assert "devis à accepter" in plain(client.get(f"/demandes/{req.id}").text)


def test_within_the_right_no_quote_is_asked(client, login, db, factory, abers, member_clock):
    login(abers["mayor"])
    assert client.post("/demandes/nouvelle", data=_form(factory.role("dba").id, days="2")).status_code == 302
    req = db.session.scalar(select(InterventionRequest))
    assert req.quote_half_days is None and req.quote_accepted_at is None
