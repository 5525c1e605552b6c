"""The report figures against the hand-computed pool, and the PDF without a Unicode font installed."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from reports_support import (
    BACKLOG,
    BOOKED,
    EXPECTED,
    JAIN,
    LEAD_MEAN,
    LEAD_MEDIAN,
    WORKING,
    build_pool,
    euros_text,
    plain,
)

from expertpool.models import BookingStatus, RequestStatus
from expertpool.reports import activity, fairness, member_figures, statement_data, utilisation
from expertpool.reports.pdf import statement_pdf
from expertpool.reports.statement import summary


@pytest.fixture
def pool(factory):
    return build_pool(factory)


@pytest.fixture
def request_context(app):
    with app.test_request_context("/"):
        yield


def test_member_figures_and_pool_totals(pool):
    figures = {f.member_id: f for f in member_figures.member_figures(pool.period, today=pool.period.end_date)}
    for key, member in (("a", pool.a), ("b", pool.b), ("c", pool.c)):
        f, e = figures[member.id], EXPECTED[key]
        assert (f.balance.total, f.balance.planned, f.balance.delivered, f.balance.remaining) == (
            e["total"],
            e["planned"],
            e["delivered"],
            e["remaining"],
        )
        assert (f.billable_half_days, f.billed_cents, f.paid_cents) == (e["billable"], e["billed"], e["paid"])
        assert (f.market_value_cents, f.savings_cents, f.delivered_value_cents) == (
            e["market"],
            e["savings"],
            e["delivered_value"],
        )
    assert figures[pool.a.id].is_over_quota and not figures[pool.b.id].is_over_quota
    assert figures[pool.c.id].is_unused
    totals = member_figures.pool_totals(list(figures.values()))
    p = EXPECTED["pool"]
    assert (totals.entitled, totals.planned, totals.delivered, totals.remaining) == (
        p["total"],
        p["planned"],
        p["delivered"],
        p["remaining"],
    )
    assert (
        totals.billable_half_days,
        totals.billed_cents,
        totals.contribution_cents,
        totals.paid_cents,
        totals.market_value_cents,
        totals.savings_cents,
    ) == (p["billable"], p["billed"], p["contribution"], p["paid"], p["market"], p["savings"])


def test_planned_half_days_beyond_the_right_are_not_billed(factory, pool):
    # B plans 10 more half-days: used 15 > total 12, but only delivered half-days are billed.
    req = pool.requests["r2"]
    for k in range(10):
        factory.booking(req, pool.x, date(2027, 6, 1) + timedelta(days=k), "am")
    f = member_figures.member_figures(pool.period, [pool.b.id], today=pool.period.end_date)[0]
    assert f.is_over_quota and f.balance.over_quota == 3
    assert f.billable_half_days == 0 and f.billed_cents == 0


def test_fairness_and_jain_index(pool):
    fair = fairness.fairness(pool.period)
    assert fair.jain == pytest.approx(JAIN)
    assert dict(fair.bands) == {"0": 1, "0-25": 0, "25-50": 1, "50-75": 0, "75-100": 0, "100+": 1}
    assert fairness.jain_index([0.5, 0.5, 0.5]) == pytest.approx(1.0)
    assert fairness.jain_index([1.0, 0.0, 0.0, 0.0]) == pytest.approx(0.25)
    assert fairness.jain_index([]) is None and fairness.jain_index([0.0, 0.0]) is None


def test_utilisation_backlog_lead_time_satisfaction(pool):
    use = utilisation.utilisation(pool.period, "metropole")
    assert (use.working, use.booked) == (WORKING, BOOKED)
    assert sum(w.working for w in use.weeks) == WORKING and sum(w.booked for w in use.weeks) == BOOKED
    by_expert = {row.name: (row.working, row.booked) for row in use.experts}
    assert by_expert == {"Xavier Dupré": (508, 5), "Yasmine Łukasiewicz": (506, 6)}
    week_of_11_jan = next(w for w in use.weeks if w.label_date.isoformat() == "2027-01-11")
    assert (week_of_11_jan.working, week_of_11_jan.booked) == (20, 3)
    backlog = {row.role: (row.granted, row.booked, row.unscheduled) for row in activity.backlog()}
    for role, expected in BACKLOG.items():
        assert backlog[role] == expected
    lead = activity.lead_time(pool.period)
    assert (lead.requests, lead.median_days, lead.mean_days) == (3, LEAD_MEDIAN, pytest.approx(LEAD_MEAN))
    sat = activity.satisfaction(pool.period)
    assert (sat.rated, sat.average, sat.good_share) == (2, 4.0, 0.5)
    assert activity.satisfaction(pool.old_period).rated == 1


def test_statement_lines_in_order(pool):
    st = statement_data.build_statement(pool.a, pool.period)
    assert [(line.day.isoformat(), line.half) for line in st.lines] == [
        ("2027-01-11", "am"),
        ("2027-01-11", "pm"),
        ("2027-01-12", "am"),
        ("2027-02-01", "am"),
        ("2027-02-01", "pm"),
    ]
    assert st.figures.billable_half_days == 1


@pytest.mark.parametrize("unicode_font", [True, False])
def test_pdf_prints_accents_and_euro_with_or_without_dejavu(pool, request_context, unicode_font):
    st = statement_data.build_statement(pool.a, pool.period)
    data = statement_pdf(st, "Syndicat numérique de l'Aisne", use_unicode_font=unicode_font)
    text = plain(PdfReader(io.BytesIO(data)).pages[0].extract_text())
    assert "État annuel des recours" in text and "Aubépine" in text and "Dupré" in text
    assert euros_text(EXPECTED["a"]["paid"]) in text
    assert "€" in text and "×" in text


def test_epci_envelope_covers_its_communes_and_the_epci_pays_the_excess(factory, request_context):
    factory.settings(unit_price_cents=18000)
    period = factory.period(year=2027, half_days=0)
    epci = factory.member("Communauté de communes", kind="epci", holds_envelope=True, contribution_cents=0)
    f = factory.member("Commune F", parent_id=epci.id)
    g = factory.member("Commune G", parent_id=epci.id)
    factory.quota(epci, period, 2)
    factory.quota(epci, period, 4, kind="envelope")
    factory.quota(f, period, 2)
    factory.quota(g, period, 2)
    x = factory.expert("Expert X", day_rate_cents=60_000)
    day = date(2027, 3, 1)
    for member, count in ((f, 5), (g, 4)):  # 3 and 2 beyond their own right: 5 on an envelope of 4
        req = factory.request(member, status=RequestStatus.COMPLETED, half_days=count)
        for _ in range(count):
            factory.booking(req, x, day, "am", BookingStatus.DELIVERED)
            day += timedelta(days=1)
    figures = {fig.member_id: fig for fig in member_figures.member_figures(period)}
    assert figures[f.id].billable_half_days == 0 and figures[g.id].billable_half_days == 0
    assert figures[f.id].delivered_beyond_own == 3
    assert figures[epci.id].envelope.delivered == 5 and figures[epci.id].envelope.total == 4
    assert figures[epci.id].billable_half_days == 1 and figures[epci.id].billed_cents == 18000
    # The envelope covers F's 3 first (then G's in the same order): G's last half-day is beyond it.
    assert (figures[f.id].balance.from_envelope, figures[g.id].balance.from_envelope) == (3, 1)
    assert [figures[m.id].is_over_quota for m in (epci, f, g)] == [True, False, True]
    assert member_figures.pool_totals(list(figures.values())).billable_half_days == 1
    items = {item.key: item for item in summary(statement_data.build_statement(epci, period))}
    assert items["envelope_billable"].value == 18000 and items["billable"].value == 18000
    assert {item.key for item in summary(statement_data.build_statement(f, period))} >= {"envelope_drawn"}


def test_utilisation_per_pattern_equals_each_experts_own_calendar(factory):
    """The dashboard asks the calendar once per weekly pattern and takes each expert's unavailability off
    it: the same working half-days, per expert and per week, as calendars.working_half_days expert by expert
    (two patterns, two experts sharing one, whole and half days off, overlapping, on a holiday)."""
    from collections import Counter

    from expertpool.calendars import working_half_days
    from expertpool.models.expert import week_bit

    period = factory.period(2027, half_days=0)
    mornings = sum(week_bit(day, "am") for day in range(5))
    full = sum(week_bit(day, half) for day in range(5) for half in ("am", "pm"))
    a = factory.expert("Anne", week_mask=full)
    b = factory.expert("Bruno", week_mask=full)
    c = factory.expert("Chloé", week_mask=mornings)
    factory.unavailability(a, date(2027, 3, 1), date(2027, 3, 12))
    factory.unavailability(a, date(2027, 3, 10), date(2027, 3, 10), half="pm")  # inside the first one
    factory.unavailability(c, date(2027, 5, 3), half="pm")  # an afternoon she never works
    factory.unavailability(c, date(2027, 7, 14), half="am")  # a holiday
    factory.unavailability(c, date(2027, 7, 15), half="am")
    factory.unavailability(c, date(2027, 7, 12), date(2027, 7, 16))  # the whole week, over the two above
    factory.unavailability(b, date(2026, 12, 28), date(2027, 1, 5))  # begins before the period
    use = utilisation.utilisation(period, "metropole")
    expected_weeks: Counter = Counter()
    for expert in (a, b, c):
        slots = working_half_days(expert, period.start_date, period.end_date, "metropole")
        row = next(r for r in use.experts if r.name == expert.display_name)
        assert row.working == len(slots), expert.display_name
        expected_weeks.update(day - timedelta(days=day.weekday()) for day, _half in slots)
    assert {w.label_date: w.working for w in use.weeks if w.working} == dict(expected_weeks)
    assert use.working == sum(expected_weeks.values())


def test_utilisation_of_a_period_counts_the_patterns_and_experts_of_that_time(factory, db):
    """A past period reads as it was: Anne worked full weeks until she went to Monday mornings on
    Thursday 1 July 2027, and Bruno (full weeks) left the pool on Monday 5 April 2027. Each day counts the
    pattern in force that day, and Bruno's booking in March still counts, although he has gone since."""
    from expertpool import week_patterns
    from expertpool.models.expert import week_bit

    period = factory.period(2027, half_days=0)
    full = sum(week_bit(day, half) for day in range(5) for half in ("am", "pm"))
    a = factory.expert("Anne", week_mask=full)
    b = factory.expert("Bruno", week_mask=full)
    member = factory.member("Plouguin")
    factory.quota(member, period, 10)
    req = factory.request(member, half_days=2)
    factory.booking(req, b, date(2027, 3, 2), "am")
    week_patterns.set_week_mask(a, week_bit(0, "am"), now=datetime(2027, 7, 1, 8, tzinfo=UTC))
    week_patterns.leave(b, today=date(2027, 4, 5))
    b.active = False
    db.session.flush()

    use = utilisation.utilisation(period, "metropole")
    rows = {r.name: r for r in use.experts}
    # Anne, 1 January – 30 June 2027: 129 weekdays less four holidays on weekdays (New Year's Day, Easter
    # Monday 29 March, Ascension 6 May, Whit Monday 17 May), two half-days each; then from 1 July: 26
    # Mondays less All Saints' Day (Monday 1 November), a morning each.
    assert rows["Anne"].working == 2 * 125 + 25
    # Bruno, 1 January – 4 April 2027: 66 weekdays less New Year's Day and Easter Monday.
    assert rows["Bruno"].working == 2 * 64
    assert rows["Bruno"].booked == 1
    assert use.working == 2 * 125 + 25 + 2 * 64
    assert next(w for w in use.weeks if w.label_date == date(2027, 7, 5)).working == 1
