"""What-if scenarios on the small pool: figures computed by hand, a scenario with no change equal to the
scheduler's preview, and a run that writes nothing but the scenario row."""

import hashlib
from datetime import date

import pytest
from factories import FIXED_NOW
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planning_helpers import accept_quote, small_pool
from sqlalchemy import func, select

from expertpool.allocation import check_plan, plan_from_dict, problem_from_dict
from expertpool.models import AuditLog, Booking, Expert, InterventionRequest, Quota, QuotaPeriod, Task
from expertpool.scenarios import plan_cache, services
from expertpool.scenarios.changes import WEEK_PRESETS, read_changes
from expertpool.scenarios.figures import figures
from expertpool.scenarios.runner import scheduler_preview, solve_base
from expertpool.tasks import drain

PRICE = 18000  # the pool's default unit price, in cents per half-day


def _run(factory, pool, changes, base="backlog"):
    scenario = services.create(name="Essai", base=base, changes=changes, actor=pool.coordinator, now=FIXED_NOW)
    services.queue_run(scenario, actor=pool.coordinator, now=FIXED_NOW)
    factory.session.commit()
    assert drain(now=FIXED_NOW) == 1
    factory.session.refresh(scenario)
    assert scenario.status == "done", scenario.error
    assert scenario.progress == 100
    return scenario


def test_baseline_is_the_scheduler_preview_by_hand(db, factory):
    pool = small_pool(factory)
    scenario = _run(factory, pool, {})
    base, same = scenario.result["baseline"], scenario.result["scenario"]
    # One DBA, ten half-days in the one-week horizon, two members asking eight each: five each.
    assert base["totals"] == {
        "served": 10,
        "within": 10,
        "over": 0,
        "unserved": 6,
        "billable_cents": 0,
        "waiting_members": 2,
        "median_delay_days": 0.5,
        "min_level": 0.25,
        "jain": 1.0,
    }
    assert base["unserved_by_reason"] == {"window_beyond_horizon": 6}
    a, b = str(pool.member_a.id), str(pool.member_b.id)
    assert base["members"][a] == {
        "name": "Plouzané",
        "demand": 8,
        "served": 5,
        "over": 0,
        "unserved": 3,
        "right": 20,
        "level": 0.25,
        "within": 5,
    }
    assert base["roles"]["dba"] == {"label": base["roles"]["dba"]["label"], "served": 10, "unserved": 6}
    assert base["experts"][f"e-{pool.expert.id}"] == {
        "name": "Anne Le Gall",
        "added": False,
        "free": 10,
        "proposed": 10,
    }
    assert same == base
    assert base == figures(scheduler_preview(read_changes({}), now=FIXED_NOW))
    assert {m: row["served"] for m, row in same["members"].items()} == {a: 5, b: 5}


def test_an_added_half_time_dba_serves_everyone(db, factory):
    pool = small_pool(factory)
    added = {"role": "dba", "skills": ["postgresql"], "week": WEEK_PRESETS["half"], "start": "2027-01-12"}
    scenario = _run(factory, pool, {"experts_added": [added]})
    totals = scenario.result["scenario"]["totals"]
    # The half-time DBA works Mon, Tue and Wednesday morning: Tue 12 am+pm, Wed 13 am, Mon 18 am+pm = 5
    # more half-days, 15 in all for 16 asked: one member waits for one half-day.
    assert scenario.result["scenario"]["experts"]["e--1"] == {"name": "", "added": True, "free": 5, "proposed": 5}
    assert totals["served"] == 15 and totals["unserved"] == 1 and totals["waiting_members"] == 1
    assert totals["over"] == 0


def test_a_fixed_policy_of_one_day_makes_the_rest_billable(db, factory):
    pool = small_pool(factory)
    # The members accepted quotes for all they asked: a scenario, like the scheduler, books billable
    # half-days only up to the accepted quotes (rule 8).
    accept_quote(pool.request_a, 8)
    accept_quote(pool.request_b, 8)
    changes = {"policy": {"policy": "fixed", "fixed_half_days": 2, "carry_over_cap_half_days": 0}}
    scenario = _run(factory, pool, changes)
    fig = scenario.result["scenario"]
    # Rights of 2 half-days each: 2 within, then the free capacity shared over quota, 3 each.
    assert fig["totals"]["served"] == 10
    assert fig["totals"]["within"] == 4 and fig["totals"]["over"] == 6
    assert fig["totals"]["billable_cents"] == 6 * PRICE
    assert {row["right"] for row in fig["members"].values()} == {2}
    assert fig["totals"]["min_level"] is None  # nobody waits below its right


def test_one_members_right_and_the_unit_price(db, factory):
    pool = small_pool(factory, half_days=(8, 4), quotas=(4, 20))
    accept_quote(pool.request_a, 8)  # billable half-days only up to an accepted quote (rule 8)
    changes = {"member_right": {"member_id": pool.member_a.id, "half_days": 2}, "unit_price_cents": 20000}
    fig = _run(factory, pool, changes).result["scenario"]
    row = fig["members"][str(pool.member_a.id)]
    # Plouzané's right falls to 2: it gets 2 within its right, Locmaria (right 20) its 4; the 4
    # half-days nobody within quota can use go to Plouzané over quota, billed at 200 €.
    assert row["right"] == 2 and row["served"] == 6 and row["over"] == 4
    assert fig["members"][str(pool.member_b.id)]["served"] == 4
    assert fig["totals"]["billable_cents"] == 4 * 20000


def test_removing_the_only_expert_leaves_everything_unserved(db, factory):
    pool = small_pool(factory)
    fig = _run(factory, pool, {"experts_removed": [pool.expert.id]}).result["scenario"]
    assert fig["totals"]["served"] == 0 and fig["totals"]["unserved"] == 16
    assert fig["unserved_by_reason"] == {"no_eligible_expert": 16}


def test_replay_replans_last_year_without_held_bookings(db, factory):
    pool = small_pool(factory, year=2026, earliest=date(2026, 3, 2), deadline=date(2026, 3, 31))
    factory.booking(pool.request_a, pool.expert, date(2026, 3, 2), "am")
    fig = _run(factory, pool, {}, base="replay").result["scenario"]
    # March 2026 holds 21 working days of the DBA: both requests served in full, the booking replanned.
    assert fig["horizon"] == ["2026-01-11", "2027-01-10"]
    assert fig["totals"]["served"] == 16 and fig["totals"]["unserved"] == 0


def _checksum(session) -> tuple:
    rows = []
    for model in (Booking, Quota, InterventionRequest, QuotaPeriod):
        table = model.__table__
        for row in session.execute(select(table).order_by(table.c.id)).all():
            rows.append(repr(tuple(row)))
    return len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()


def test_a_run_never_writes_a_booking_a_quota_or_a_request(db, factory):
    pool = small_pool(factory)
    factory.booking(pool.request_a, pool.expert, date(2027, 1, 12), "am")
    before = _checksum(db.session)
    counts = {m: db.session.query(m).count() for m in (Booking, Quota, InterventionRequest)}
    changes = {
        "policy": {"policy": "fixed", "fixed_half_days": 2},
        "member_right": {"member_id": pool.member_b.id, "half_days": 40},
        "experts_added": [{"role": "dba", "skills": [], "week": WEEK_PRESETS["full"], "start": "2027-01-12"}],
        "experts_removed": [pool.expert.id],
        "horizon_weeks": 4,
    }
    for base in ("backlog", "replay"):
        _run(factory, pool, changes, base=base)
    assert _checksum(db.session) == before
    assert {m: db.session.query(m).count() for m in (Booking, Quota, InterventionRequest)} == counts
    assert db.session.scalar(select(Task.status).order_by(Task.id.desc()).limit(1)) == "done"


def test_exports_are_valid_exchange_files(db, factory):
    pool = small_pool(factory)
    scenario = _run(factory, pool, {"horizon_weeks": 2})
    problem = problem_from_dict(scenario.result["exchange"]["problems"][0])
    plan = plan_from_dict(scenario.result["exchange"]["plans"][0])
    assert scenario.result["exchange"]["problems"][0]["format"] == "expertpool-problem/2"
    assert scenario.result["exchange"]["plans"][0]["format"] == "expertpool-plan/2"
    assert check_plan(problem, plan).ok
    assert problem.horizon_end == date(2027, 1, 25)


def test_a_failing_run_marks_the_scenario_failed_and_writes_nothing(db, factory):
    pool = small_pool(factory)
    scenario = _run(factory, pool, {})
    scenario.changes = {"experts_added": [{"role": "dba"}]}
    services.queue_run(scenario, actor=pool.coordinator, now=FIXED_NOW)
    db.session.commit()
    from expertpool import tasks

    task = db.session.scalars(select(Task).order_by(Task.id.desc())).first()
    task.attempts = tasks.MAX_ATTEMPTS - 1
    db.session.commit()
    drain(now=FIXED_NOW)
    db.session.refresh(scenario)
    assert scenario.status == "failed" and "experts_added" in scenario.error


def test_adopting_the_policy_opens_next_period_audited(db, factory):
    pool = small_pool(factory)
    changes = {"policy": {"policy": "fixed", "fixed_half_days": 12, "carry_over_cap_half_days": 4}}
    scenario = services.create(name="Douze", base="backlog", changes=changes, actor=pool.coordinator, now=FIXED_NOW)
    period = services.adopt(scenario, actor=pool.coordinator, now=FIXED_NOW)
    assert (period.name, period.start_date, period.fixed_half_days, period.carry_over_cap_half_days) == (
        "2028",
        date(2028, 1, 1),
        12,
        4,
    )
    quotas = db.session.scalars(select(Quota).where(Quota.period_id == period.id)).all()
    assert {q.entitled_half_days for q in quotas} == {12}
    actions = [a.action for a in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert actions[-2:] == ["quota_period.open", "scenario.adopt"]
    with pytest.raises(services.NothingToAdopt):
        services.adopt(
            services.create(name="x", base="backlog", changes={}, actor=pool.coordinator, now=FIXED_NOW),
            actor=pool.coordinator,
            now=FIXED_NOW,
        )


def test_adopting_carries_a_members_right_and_the_price(db, factory):
    pool = small_pool(factory)
    current_price = pool.period.unit_price_cents
    added = {"role": "dba", "skills": [], "week": WEEK_PRESETS["half"], "start": "2027-02-01"}
    changes = {
        "policy": {"policy": "fixed", "fixed_half_days": 10, "carry_over_cap_half_days": 0},
        "member_right": {"member_id": pool.member_a.id, "half_days": 3},
        "unit_price_cents": 21000,
        "experts_added": [added],
    }
    scenario = services.create(name="Tout", base="backlog", changes=changes, actor=pool.coordinator, now=FIXED_NOW)
    period = services.adopt(scenario, actor=pool.coordinator, now=FIXED_NOW)
    rights = {
        q.member_id: q.entitled_half_days for q in db.session.scalars(select(Quota).where(Quota.period_id == period.id))
    }
    assert rights == {pool.member_a.id: 3, pool.member_b.id: 10}
    assert period.unit_price_cents == 21000 and period.fixed_half_days == 10
    db.session.refresh(pool.period)
    assert pool.period.unit_price_cents == current_price  # the current period keeps its price
    opened, adopted = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(2)).all()[::-1]
    assert opened.action == "quota_period.open"
    assert opened.after["member_rights"] == {str(pool.member_a.id): 3}
    assert adopted.action == "scenario.adopt"
    assert adopted.after == {
        "period": "2028",
        "policy": {
            "policy": "fixed",
            "fixed_half_days": 10,
            "unit_price_cents": 21000,
            "population_bands": [],
            "carry_over_cap_half_days": 0,
        },
        "member_right": {"member_id": pool.member_a.id, "half_days": 3},
        "unit_price_cents": 21000,
        "not_carried": {"experts_added": 1, "experts_removed": 0},
    }
    assert db.session.scalar(select(func.count()).select_from(Expert)) == 1  # nobody hired


def test_adopting_a_right_alone_keeps_the_latest_periods_rule(db, factory):
    pool = small_pool(factory)  # the 2027 period: a fixed rule of none (the quotas are set by hand)
    pool.period.fixed_half_days, pool.period.carry_over_cap_half_days = 7, 2
    changes = {"member_right": {"member_id": pool.member_b.id, "half_days": 30}}
    scenario = services.create(name="Un droit", base="backlog", changes=changes, actor=pool.coordinator, now=FIXED_NOW)
    plan = services.adoption(scenario, now=FIXED_NOW)
    assert not plan.policy_changed and plan.price_cents is None
    period = services.adopt(scenario, actor=pool.coordinator, now=FIXED_NOW)
    rights = {
        q.member_id: q.entitled_half_days for q in db.session.scalars(select(Quota).where(Quota.period_id == period.id))
    }
    assert rights == {pool.member_a.id: 7, pool.member_b.id: 30}
    assert (period.policy, period.carry_over_cap_half_days, period.unit_price_cents) == (
        "fixed",
        2,
        pool.period.unit_price_cents,
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    asks=st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=4),
    rights=st.lists(st.integers(min_value=0, max_value=16), min_size=4, max_size=4),
    weeks=st.integers(min_value=1, max_value=3),
)
def test_no_change_gives_the_scheduler_preview(db, factory, asks, rights, weeks):
    nested = db.session.begin_nested()
    try:
        pool = small_pool(factory, weeks=weeks)
        for k, half_days in enumerate(asks):
            member = factory.member(f"Commune {k}")
            factory.quota(member, pool.period, rights[k])
            factory.request(member, status="approved", half_days=half_days, skills=("postgresql",))
        changes = read_changes({})
        preview = figures(scheduler_preview(changes, now=FIXED_NOW))
        scenario = figures(solve_base("backlog", changes, now=FIXED_NOW))
        assert scenario == preview
        for solved in solve_base("backlog", changes, now=FIXED_NOW).solved:
            assert check_plan(solved.problem, solved.plan).ok
    finally:
        nested.rollback()


def test_a_scenario_deleted_before_its_run_is_dropped(db, factory):
    pool = small_pool(factory)
    scenario = services.create(name="Vite", base="backlog", changes={}, actor=pool.coordinator, now=FIXED_NOW)
    services.queue_run(scenario, actor=pool.coordinator, now=FIXED_NOW)
    services.delete(scenario, actor=pool.coordinator, now=FIXED_NOW)
    db.session.commit()
    assert drain(now=FIXED_NOW) == 1
    task = db.session.scalars(select(Task).order_by(Task.id.desc())).first()
    assert (task.status, task.last_error) == ("done", "")


def test_a_plan_is_solved_once_for_the_same_problem(db, factory, monkeypatch):
    pool = small_pool(factory)
    solved = []
    engine = plan_cache.solve
    monkeypatch.setattr(plan_cache, "solve", lambda problem, method: solved.append(1) or engine(problem, method=method))
    # A price changes no problem: the scenario reads back the plan its baseline just kept.
    first = _run(factory, pool, {"unit_price_cents": 20000})
    assert len(solved) == 1
    # The next scenario on the same data reads the baseline back and solves its own problem only.
    added = {"role": "dba", "skills": ["postgresql"], "week": WEEK_PRESETS["half"], "start": "2027-01-12"}
    second = _run(factory, pool, {"experts_added": [added]})
    assert len(solved) == 2
    assert second.result["baseline"] == first.result["baseline"]
    assert second.result["scenario"]["totals"]["served"] == 15
    # Other data, another problem: solved again.
    factory.request(pool.member_a, status="approved", half_days=2, earliest=date(2027, 1, 12), skills=("postgresql",))
    _run(factory, pool, {"experts_added": [added]})
    assert len(solved) == 4
