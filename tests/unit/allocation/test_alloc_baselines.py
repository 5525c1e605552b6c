"""The benchmark's greedy baselines: problems solved in a row never share state.

`baselines.py` used to cache each problem's requests by `id(problem)`: once a problem was freed, the
next one often gets the same id, and its requests were read from the freed problem's (a KeyError once,
requests silently credited to the wrong member another time)."""

import dataclasses
import gc

from expertpool.allocation import problem_from_dict, solve

WEEK = {day: ["am", "pm"] for day in ("mon", "tue", "wed", "thu", "fri")}


def _problem(critical_member: str):
    # One expert, ten half-days; r-1 is critical (served first, whatever the quota), then fair share.
    window = {"role": "dba", "earliest": "2027-01-04", "deadline": "2027-01-08"}
    return problem_from_dict(
        {
            "format": "expertpool-problem/2",
            "horizon": {"start": "2027-01-04", "end": "2027-01-08"},
            "experts": [{"id": "e-1", "roles": ["dba"], "week": WEEK}],
            "members": [{"id": "m-a", "quota": 10, "used": 0}, {"id": "m-b", "quota": 10, "used": 0}],
            "requests": [
                {"id": "r-1", "member": critical_member, "half_days": 4, "urgency": "critical", **window},
                {"id": "r-2", "member": "m-a", "half_days": 6, **window},
                {"id": "r-3", "member": "m-b", "half_days": 6, **window},
            ],
        }
    )


def _served(plan) -> dict[str, int]:
    counts: dict[str, int] = {}
    for a in plan.assignments:
        counts[a.request] = counts.get(a.request, 0) + 1
    return counts


def test_alloc_fairshare_greedy_on_two_problems_in_a_row_credits_each_request_to_its_own_member():
    first = _problem("m-a")
    assert _served(solve(first, method="fairshare_greedy")) == {"r-1": 4, "r-2": 1, "r-3": 5}
    second_parts = _problem("m-b")
    gc.collect()
    freed = id(first)
    del first
    # Built right after the first problem is freed: CPython usually hands it the same address (id).
    second = dataclasses.replace(second_parts)
    reused = id(second) == freed
    # m-b's critical half-days count towards m-b: m-a, at level 0, gets the free half-days first.
    assert _served(solve(second, method="fairshare_greedy")) == {"r-1": 4, "r-2": 5, "r-3": 1}, reused


def test_alloc_fairshare_greedy_with_different_requests_in_a_row():
    for critical_member in ("m-a", "m-b", "m-a"):
        problem = _problem(critical_member)
        got = _served(solve(problem, method="fairshare_greedy"))
        assert got["r-1"] == 4 and got["r-2" if critical_member == "m-b" else "r-3"] == 5
        del problem
