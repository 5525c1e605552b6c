"""Replaying the last 12 months on the experts' patterns of that time: an expert whose weekly pattern
changed mid-year, and one who left the pool, counted for exactly the days they gave.

FIXED_NOW is Monday 11 January 2027, so the replay covers 11 January 2026 to 10 January 2027, and the
pool's 2026 period holds it up to 31 December (no period covers 2027's first days)."""

from datetime import UTC, date, datetime

from factories import FIXED_NOW
from planning_helpers import small_pool
from sqlalchemy import select

from expertpool import week_patterns
from expertpool.coordination import experts_admin
from expertpool.models import WeekPatternVersion
from expertpool.models.expert import FULL_TIME_WEEK_MASK, week_bit
from expertpool.scenarios import services
from expertpool.tasks import drain

MONDAYS = week_bit(0, "am") | week_bit(0, "pm")
CHANGED_ON = datetime(2026, 3, 16, 7, 0, tzinfo=UTC)  # Monday 16 March 2026, 8:00 in Paris
LEFT_ON = datetime(2026, 3, 18, 7, 0, tzinfo=UTC)  # Wednesday 18 March 2026


def _versions(session, expert) -> list[tuple]:
    return [
        (v.valid_from, v.valid_until, v.week_mask)
        for v in session.scalars(
            select(WeekPatternVersion)
            .where(WeekPatternVersion.expert_id == expert.id)
            .order_by(WeekPatternVersion.valid_from)
        )
    ]


def _replay_pool(factory):
    # Two members ask 14 half-days each between Monday 9 and Friday 20 March 2026 (no holiday then).
    pool = small_pool(
        factory,
        year=2026,
        half_days=(14, 14),
        earliest=date(2026, 3, 9),
        deadline=date(2026, 3, 20),
    )
    anne = pool.expert  # full time, then Mondays only from Monday 16 March 2026
    bruno = factory.expert("Bruno Kerhervé", roles=("dba",), skills=("postgresql",))  # leaves on 18 March
    experts_admin.update_expert(anne, {"week_mask": MONDAYS}, actor=pool.coordinator, now=CHANGED_ON)
    experts_admin.deactivate_expert(bruno, actor=pool.coordinator, now=LEFT_ON, today=date(2026, 3, 18))
    return pool, anne, bruno


def test_the_writers_keep_the_pattern_history(db, factory):
    pool, anne, bruno = _replay_pool(factory)
    assert _versions(db.session, anne) == [
        (date(2000, 1, 1), date(2026, 3, 15), FULL_TIME_WEEK_MASK),
        (date(2026, 3, 16), None, MONDAYS),
    ]
    assert _versions(db.session, bruno) == [(date(2000, 1, 1), date(2026, 3, 17), FULL_TIME_WEEK_MASK)]
    # Changed twice the same day: one version for that day. Back in the pool: a new version from then.
    experts_admin.update_expert(anne, {"week_mask": FULL_TIME_WEEK_MASK}, actor=pool.coordinator, now=CHANGED_ON)
    assert _versions(db.session, anne)[-1] == (date(2026, 3, 16), None, FULL_TIME_WEEK_MASK)
    experts_admin.reactivate_expert(bruno, actor=pool.coordinator, now=FIXED_NOW)
    assert _versions(db.session, bruno)[-1] == (date(2027, 1, 11), None, FULL_TIME_WEEK_MASK)
    created = experts_admin.create_expert(
        {"display_name": "Chloé", "week_mask": MONDAYS}, actor=pool.coordinator, now=FIXED_NOW
    )
    assert _versions(db.session, created) == [(date(2027, 1, 11), None, MONDAYS)]
    assert (
        week_patterns.mask_on(
            week_patterns.spans_between(date(2026, 1, 1), date(2027, 12, 31))[anne.id], date(2026, 3, 13)
        )
        == FULL_TIME_WEEK_MASK
    )


def test_the_replay_plans_each_day_on_the_pattern_of_that_day(db, factory):
    pool, anne, bruno = _replay_pool(factory)
    scenario = services.create(name="Rejeu", base="replay", changes={}, actor=pool.coordinator, now=FIXED_NOW)
    services.queue_run(scenario, actor=pool.coordinator, now=FIXED_NOW)
    factory.session.commit()
    assert drain(now=FIXED_NOW) == 1
    factory.session.refresh(scenario)
    assert scenario.status == "done", scenario.error
    fig = scenario.result["scenario"]
    assert scenario.result["baseline"] == fig
    # In the window, Anne gives Mon 9 to Fri 13 full time (10) and Monday 16 (2) = 12 half-days (her
    # pattern of today, Mondays only, would give 4); Bruno gives Mon 9 to Tue 17 (14) though he is
    # no longer in the pool. 26 of the 28 asked are served.
    assert fig["totals"]["served"] == 26 and fig["totals"]["unserved"] == 2
    assert fig["experts"][f"e-{anne.id}"]["proposed"] == 12
    assert fig["experts"][f"e-{bruno.id}"]["proposed"] == 14
    # Over the replayed year (12 January to 31 December 2026): Anne full time for 9 weeks (90) then 40
    # Mondays (Easter and Whit Mondays are holidays): 80; Bruno 9 weeks and two days: 94.
    assert fig["experts"][f"e-{anne.id}"]["free"] == 170
    assert fig["experts"][f"e-{bruno.id}"]["free"] == 94
    a, b = str(pool.member_a.id), str(pool.member_b.id)
    assert {m: (row["served"], row["unserved"]) for m, row in fig["members"].items()} == {a: (13, 1), b: (13, 1)}
