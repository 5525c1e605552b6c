"""Property tests: every method's plan is a valid calendar; the fair solver's plan passes all 8 rules."""

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expertpool.allocation import (
    Expert,
    Member,
    Problem,
    Request,
    Unavailability,
    billable_half_days,
    check_plan,
    plan_from_dict,
    plan_to_dict,
    solve,
)

START = date(2027, 1, 4)
ROLES = ("dsi", "dba")
SKILLS = ("a", "b")
HALF_SETS = (frozenset({"am"}), frozenset({"pm"}), frozenset({"am", "pm"}))


@st.composite
def problems(draw):
    days = draw(st.integers(3, 12))
    end = START + timedelta(days=days - 1)
    experts = []
    for k in range(draw(st.integers(1, 3))):
        week = {day: draw(st.sampled_from(HALF_SETS)) for day in range(7) if draw(st.booleans()) or day < 2}
        unavailable = ()
        if draw(st.booleans()):
            first = START + timedelta(days=draw(st.integers(0, days - 1)))
            unavailable = (Unavailability(first, first, draw(st.sampled_from([None, "am", "pm"]))),)
        booked = frozenset(
            (START + timedelta(days=draw(st.integers(0, days - 1))), draw(st.sampled_from(["am", "pm"])))
            for _ in range(draw(st.integers(0, 2)))
        )
        roles = frozenset(draw(st.sets(st.sampled_from(ROLES), min_size=1)))
        skills = frozenset(draw(st.sets(st.sampled_from(SKILLS))))
        experts.append(Expert(f"e-{k}", roles, skills, week, unavailable, booked))
    members = []
    for k in range(draw(st.integers(1, 4))):
        quota = draw(st.integers(0, 12))
        members.append(Member(f"m-{k}", quota, draw(st.integers(0, 14)), (experts[0].id,) if k % 2 else ()))
    requests = []
    for k in range(draw(st.integers(1, 7))):
        earliest = START + timedelta(days=draw(st.integers(-2, days)))
        deadline = earliest + timedelta(days=draw(st.integers(0, days)))
        requests.append(
            Request(
                f"r-{k}",
                draw(st.sampled_from(members)).id,
                draw(st.sampled_from(ROLES)),
                frozenset(draw(st.sets(st.sampled_from(SKILLS), max_size=1))),
                draw(st.integers(1, 8)),
                earliest,
                deadline,
                draw(st.sampled_from(["normal", "normal", "high", "critical"])),
                draw(st.sampled_from([None, experts[0].id])),
                datetime(2026, 12, 1, tzinfo=UTC) + timedelta(hours=draw(st.integers(0, 500))),
                draw(st.sampled_from([None, None, 0, 1, 3])),  # accepted_billable (rule 8)
                frozenset(
                    (START + timedelta(days=draw(st.integers(-1, days))), draw(st.sampled_from(["am", "pm"])))
                    for _ in range(draw(st.integers(0, 3)))
                ),
            )
        )
    holidays = frozenset({START + timedelta(days=2)}) if draw(st.booleans()) else frozenset()
    return Problem(START, end, holidays, tuple(experts), tuple(members), tuple(requests))


@settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_alloc_fair_plans_pass_all_seven_rules(problem):
    plan = solve(problem)
    report = check_plan(problem, plan)
    assert report.ok, report.violations
    assert report.metrics["served_half_days"] == report.metrics["bound_total"]
    assert plan_from_dict(plan_to_dict(plan)) == plan
    # Rule 8's witness: beyond the right, no request gets more than its accepted quote.
    billable = billable_half_days(problem, plan)
    for request in problem.requests:
        if request.accepted_billable is not None and request.urgency != "critical":
            assert billable.get(request.id, 0) <= request.accepted_billable, request.id


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.sampled_from(["fcfs", "priority", "fairshare_greedy"]))
def test_alloc_baseline_plans_pass_rules_one_to_four(problem, method):
    plan = solve(problem, method=method)
    report = check_plan(problem, plan, fairness=False)
    calendar_rules = [v for v in report.violations if v.split(":")[0] in ("rule 1", "rule 2", "rule 3", "rule 4")]
    assert not calendar_rules


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_alloc_preferred_half_days_only_move_half_days_never_change_who_gets_how_many(problem):
    """Preferences are placement only: the same problem without them serves every request alike."""
    plain = replace(problem, requests=tuple(replace(r, preferred_half_days=frozenset()) for r in problem.requests))
    with_preferences, without = solve(problem), solve(plain)
    assert check_plan(problem, with_preferences).ok
    count = Counter(a.request for a in with_preferences.assignments)
    assert count == Counter(a.request for a in without.assignments)
