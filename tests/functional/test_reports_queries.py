"""The dashboard's query count does not grow with the pool: the same at 10 and at 200 members."""

from datetime import date, timedelta

import pytest

from expertpool.models import BookingStatus, RequestStatus, UserRole


def populate(factory, members: int):
    period = factory.period(year=2027, half_days=0)
    experts = [factory.expert(f"Expert {k}", day_rate_cents=70_000) for k in range(3)]
    factory.unavailability(experts[0], date(2027, 4, 5), date(2027, 4, 9))
    day = date(2027, 1, 4)
    for k in range(members):
        member = factory.member(f"Membre {k:04d}", contribution_cents=10_000 * k)
        factory.quota(member, period, 4 + k % 5)
        req = factory.request(
            member, status=RequestStatus.SCHEDULED, half_days=2, rating=1 + k % 5, rated_at=factory_time(k)
        )
        expert = experts[k % 3]
        slot = day + timedelta(days=7 * (k // 3))
        factory.booking(req, expert, slot, "am", BookingStatus.DELIVERED if k % 2 else BookingStatus.PLANNED)
        factory.booking(req, expert, slot, "pm", BookingStatus.CANCELLED)
    return period


def factory_time(k):
    from reports_support import at

    return at(2027, 2, 1 + k % 28)


def queries_of(count_queries, client, url) -> int:
    return count_queries.get(client, url, fresh=False)[0]


@pytest.mark.parametrize(
    "url",
    [
        "/rapports/?period={p}",
        "/rapports/economies?period={p}",
        "/rapports/occupation?period={p}",
        "/rapports/?period={p}&sort=level&dir=desc&show=all&page=2",
    ],
)
def test_dashboard_query_count_is_bounded(count_queries, db, client, factory, login, url):
    login(factory.user(role=UserRole.COORDINATOR))
    factory.settings()  # the settings row exists, as in any running pool
    period = populate(factory, 10)
    small = queries_of(count_queries, client, url.format(p=period.id))
    populate_more(factory, period, 190)
    large = queries_of(count_queries, client, url.format(p=period.id))
    assert large == small
    assert small <= 25


def populate_more(factory, period, members: int):
    experts = [factory.expert(f"Renfort {k}", day_rate_cents=50_000) for k in range(2)]
    for k in range(members):
        member = factory.member(f"Autre {k:04d}")
        factory.quota(member, period, 6)
        req = factory.request(member, status=RequestStatus.APPROVED, half_days=3)
        factory.booking(
            req, experts[k % 2], date(2027, 5, 3) + timedelta(days=7 * (k // 2)), "am", BookingStatus.DELIVERED
        )
