"""The checker catches a violation of each of the engine's eight rules (expertpool/allocation/RULES.md):
one hand-made plan per rule, each breaking that rule and no other."""

from datetime import date

import pytest

from expertpool.allocation import (
    Assignment,
    Plan,
    Unserved,
    billable_half_days,
    check_plan,
    problem_from_dict,
    solve,
)

WEEK = {day: ["am", "pm"] for day in ("mon", "tue", "wed", "thu", "fri")}
MON, TUE, WED = date(2027, 1, 4), date(2027, 1, 5), date(2027, 1, 6)


def _problem(members, requests, *, end="2027-01-08", holidays=()):
    """One DBA who knows PostgreSQL, working Monday to Friday, over the week of Monday 4 January 2027."""
    defaults = {"role": "dba", "earliest": "2027-01-04", "deadline": "2027-01-08"}
    return problem_from_dict(
        {
            "format": "expertpool-problem/2",
            "horizon": {"start": "2027-01-04", "end": end},
            "holidays": list(holidays),
            "experts": [{"id": "e-1", "roles": ["dba"], "skills": ["postgresql"], "week": WEEK}],
            "members": [{"id": m, "quota": quota, "used": used} for m, quota, used in members],
            "requests": [{**defaults, **r} for r in requests],
        }
    )


def _plan(assignments, unserved=()):
    return Plan(
        tuple(Assignment(r, "e-1", day, half) for r, day, half in assignments),
        tuple(Unserved(r, n, "capacity_shared_fairly", {}) for r, n in unserved),
    )


def _rules_broken(problem, plan, *, fairness=True) -> set[int]:
    report = check_plan(problem, plan, fairness=fairness)
    return {int(v.split(":")[0].removeprefix("rule ")) for v in report.violations}


TWO_MEMBERS = [("m-a", 4, 0), ("m-b", 4, 0)]

CASES = {
    # 1. The expert lacks the skill the request needs (Oracle).
    1: (
        _problem(TWO_MEMBERS, [{"id": "r-1", "member": "m-a", "half_days": 1, "skills": ["oracle"]}]),
        _plan([("r-1", MON, "am")]),
    ),
    # 2. A half-day before the request's window opens (Wednesday).
    2: (
        _problem(TWO_MEMBERS, [{"id": "r-1", "member": "m-a", "half_days": 1, "earliest": "2027-01-06"}]),
        _plan([("r-1", MON, "am")]),
    ),
    # 3. The same expert half-day given to two requests.
    3: (
        _problem(
            TWO_MEMBERS,
            [{"id": "r-1", "member": "m-a", "half_days": 1}, {"id": "r-2", "member": "m-b", "half_days": 1}],
        ),
        _plan([("r-1", MON, "am"), ("r-2", MON, "am")]),
    ),
    # 4. Two half-days asked, one assigned, nothing declared unserved.
    4: (
        _problem(TWO_MEMBERS, [{"id": "r-1", "member": "m-a", "half_days": 2}]),
        _plan([("r-1", MON, "am")]),
    ),
    # 5. A critical request for Monday left unserved while a normal request holds Monday.
    5: (
        _problem(
            TWO_MEMBERS,
            [
                {"id": "r-c", "member": "m-a", "half_days": 2, "urgency": "critical", "deadline": "2027-01-04"},
                {"id": "r-n", "member": "m-b", "half_days": 2},
            ],
        ),
        _plan([("r-n", MON, "am"), ("r-n", MON, "pm")], [("r-c", 2)]),
    ),
    # 6. m-a, below its drawing right, misses Monday afternoon, given to m-b, which is then above its own.
    6: (
        _problem(
            [("m-a", 4, 0), ("m-b", 1, 1)],
            [
                {"id": "r-a", "member": "m-a", "half_days": 2, "deadline": "2027-01-04"},
                {"id": "r-b", "member": "m-b", "half_days": 1, "deadline": "2027-01-04"},
            ],
        ),
        _plan([("r-a", MON, "am"), ("r-b", MON, "pm")], [("r-a", 1)]),
    ),
    # 7. Two members with the same right share four half-days: all four to m-a, none to m-b.
    7: (
        _problem(
            TWO_MEMBERS,
            [
                {"id": "r-a", "member": "m-a", "half_days": 4, "deadline": "2027-01-05"},
                {"id": "r-b", "member": "m-b", "half_days": 4, "deadline": "2027-01-05"},
            ],
        ),
        _plan([("r-a", MON, "am"), ("r-a", MON, "pm"), ("r-a", TUE, "am"), ("r-a", TUE, "pm")], [("r-b", 4)]),
    ),
    # 8. m-a's right is used up; r-a's accepted quote covers 2 billable half-days and it gets 4.
    8: (
        _problem(
            [("m-a", 4, 4), ("m-b", 4, 0)],
            [{"id": "r-a", "member": "m-a", "half_days": 4, "accepted_billable": 2}],
        ),
        _plan([("r-a", MON, "am"), ("r-a", MON, "pm"), ("r-a", TUE, "am"), ("r-a", TUE, "pm")]),
    ),
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_alloc_checker_catches_a_violation_of_each_rule(rule):
    problem, plan = CASES[rule]
    assert _rules_broken(problem, plan) == {rule}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_alloc_the_engine_solves_each_case_without_breaking_any_rule(rule):
    problem, _broken_plan = CASES[rule]
    assert _rules_broken(problem, solve(problem)) == set()


def test_alloc_rule_2_covers_the_horizon_holidays_and_the_experts_week():
    request = {"id": "r-1", "member": "m-a", "half_days": 1, "deadline": "2027-01-20"}
    problem = _problem(TWO_MEMBERS, [request], end="2027-01-15", holidays=["2027-01-07"])
    # A Saturday (not in the expert's week), a holiday (Thursday 7), a Monday after the horizon.
    for day in (date(2027, 1, 9), date(2027, 1, 7), date(2027, 1, 18)):
        assert _rules_broken(problem, _plan([("r-1", day, "am")])) == {2}, day
    assert _rules_broken(problem, _plan([("r-1", WED, "am")])) == set()


def test_alloc_rule_8_the_engine_books_billable_half_days_only_up_to_the_accepted_quote():
    # The right holds 1 more half-day; r-a accepted 2 billable half-days and asks 6, r-b (critical,
    # never waits for a quote) takes the last half-day of the right first.
    problem = _problem(
        [("m-a", 5, 4), ("m-b", 4, 0)],
        [
            {"id": "r-a", "member": "m-a", "half_days": 6, "accepted_billable": 2},
            {"id": "r-b", "member": "m-a", "half_days": 1, "urgency": "critical"},
        ],
    )
    plan = solve(problem)
    served = {r: sum(1 for a in plan.assignments if a.request == r) for r in ("r-a", "r-b")}
    assert served == {"r-a": 2, "r-b": 1}
    [unserved] = plan.unserved
    assert (unserved.request, unserved.half_days, unserved.reason) == ("r-a", 4, "quote_not_accepted")
    assert unserved.params == {"accepted_billable": 2, "deadline": "2027-01-08"}
    assert check_plan(problem, plan).ok
    # The critical half-day took the last half-day of the right: r-a's two are billable.
    assert billable_half_days(problem, plan) == {"r-a": 2}
    # Within the right, a quote limits nothing: a member with room serves the whole request.
    roomy = _problem([("m-a", 10, 0)], [{"id": "r-a", "member": "m-a", "half_days": 6, "accepted_billable": 0}])
    assert len(solve(roomy).assignments) == 6
