"""The marketplace's queries: search, filters, ratings shown from three, next free half-day."""

from datetime import date

from member_support import make_pool

from expertpool.catalogue import queries
from expertpool.models import BookingStatus, RequestStatus
from expertpool.models.expert import week_bit


def _names(experts):
    return sorted(e.display_name for e in experts)


def test_search_on_name_skills_bio_and_roles(db, factory):
    pool = make_pool(factory)
    assert _names(queries.find_experts(text="alice")) == ["Alice Martin"]
    assert _names(queries.find_experts(text="POSTGRESQL")) == ["Alice Martin"]  # a skill, any case
    assert _names(queries.find_experts(text="collectivités")) == ["Bruno Durand"]  # the bio
    assert _names(queries.find_experts(text="DSI")) == ["Bruno Durand"]  # a role
    assert queries.find_experts(text="100%") == []  # % and _ are literal characters
    assert queries.find_experts(text="_") == []
    pool.dsi.active = False
    assert queries.find_experts(text="bruno") == []  # inactive experts are not offered


def test_filters_by_role_skill_and_mode(db, factory):
    pool = make_pool(factory)
    pool.dsi.works_on_site = False
    db.session.flush()
    assert _names(queries.find_experts(role_id=pool.dsi.roles[0].id)) == ["Bruno Durand"]
    assert _names(queries.find_experts(skill_id=pool.dba.skills[0].id)) == ["Alice Martin"]
    assert _names(queries.find_experts(mode="on_site")) == ["Alice Martin"]
    assert _names(queries.find_experts(mode="remote")) == ["Alice Martin", "Bruno Durand"]


def test_next_free_half_day_skips_holidays_unavailability_bookings_and_pattern(db, factory):
    pool = make_pool(factory)
    # 11 November 2027 (Thursday) is a public holiday; the 12th AM is on leave; the 12th PM is booked.
    factory.unavailability(pool.dba, date(2027, 11, 12), half="am")
    req = factory.request(member=pool.member, status=RequestStatus.SCHEDULED)
    factory.booking(req, pool.dba, date(2027, 11, 12), "pm")
    factory.booking(req, pool.dba, date(2027, 11, 15), "am", status=BookingStatus.CANCELLED)  # frees it again
    # Bruno gives the pool Tuesday afternoons only.
    pool.dsi.week_mask = week_bit(1, "pm")
    db.session.flush()
    free = queries.next_free_half_days([pool.dba, pool.dsi], date(2027, 11, 11), "metropole")
    assert (free[pool.dba.id].day, free[pool.dba.id].half) == (date(2027, 11, 15), "am")
    assert (free[pool.dsi.id].day, free[pool.dsi.id].half) == (date(2027, 11, 16), "pm")
    pool.dsi.week_mask = 0
    assert queries.next_free_half_days([pool.dsi], date(2027, 11, 11), "metropole")[pool.dsi.id] is None


def test_free_before_keeps_experts_free_in_time(db, factory):
    pool = make_pool(factory)
    factory.unavailability(pool.dsi, date(2027, 1, 12), date(2027, 2, 26))
    cards = queries.expert_cards(
        [pool.dba, pool.dsi], start=date(2027, 1, 12), region="metropole", free_before=date(2027, 1, 31)
    )
    assert [c.expert.display_name for c in cards] == ["Alice Martin"]


def test_rating_is_the_average_of_rated_served_requests_from_three(db, factory):
    pool = make_pool(factory)

    def rated(rating, expert, status=BookingStatus.DELIVERED):
        req = factory.request(member=pool.member, status=RequestStatus.RATED, rating=rating)
        day = date(2027, 1, 4 + rating)
        factory.booking(req, expert, day, "am", status=status)
        factory.booking(req, expert, day, "pm", status=status)  # two half-days, one rating
        return req

    rated(5, pool.dba)
    rated(4, pool.dba)
    rated(1, pool.dba, status=BookingStatus.CANCELLED)  # not served by her: not counted
    rating = queries.ratings([pool.dba.id])[pool.dba.id]
    assert (rating.count, rating.shown) == (2, False)
    rated(3, pool.dba)
    rating = queries.ratings([pool.dba.id, pool.dsi.id])[pool.dba.id]
    assert (rating.count, rating.average, rating.shown) == (3, 4.0, True)
    assert pool.dsi.id not in queries.ratings([pool.dba.id, pool.dsi.id])
