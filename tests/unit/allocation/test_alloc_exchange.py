"""The JSON exchange format: round trips, and every malformed input refused with a named entry."""

import copy
import json

import pytest

from expertpool.allocation import (
    ProblemError,
    generate,
    load_plan,
    load_problem,
    plan_from_dict,
    plan_to_dict,
    problem_from_dict,
    problem_to_dict,
    solve,
)

DOCUMENT = {
    "format": "expertpool-problem/1",
    "horizon": {"start": "2027-01-04", "end": "2027-03-26"},
    "holidays": ["2027-01-01", "2027-03-29"],
    "experts": [
        {
            "id": "e-anne",
            "roles": ["dba"],
            "skills": ["postgresql", "oracle"],
            "week": {"mon": ["am", "pm"], "tue": ["am", "pm"], "wed": ["am"], "thu": ["am", "pm"]},
            "unavailable": [
                {"start": "2027-02-15", "end": "2027-02-19"},
                {"date": "2027-01-06", "half": "pm"},
            ],
            "booked": [{"date": "2027-01-05", "half": "am"}],
        }
    ],
    "members": [{"id": "m-plouzane", "quota": 20, "used": 4, "previous_experts": ["e-anne"]}],
    "requests": [
        {
            "id": "r-17",
            "member": "m-plouzane",
            "role": "dba",
            "skills": ["postgresql"],
            "half_days": 4,
            "earliest": "2027-01-04",
            "deadline": "2027-02-26",
            "urgency": "normal",
            "preferred_expert": "e-anne",
            "submitted_at": "2026-12-01T10:00:00Z",
        }
    ],
}


def test_alloc_reads_the_documented_example():
    problem = problem_from_dict(DOCUMENT)
    assert problem.requests[0].half_days == 4
    assert problem.experts[0].week[2] == frozenset({"am"})
    assert problem.requests[0].submitted_at.tzinfo is not None
    assert problem_to_dict(problem_from_dict(problem_to_dict(problem))) == problem_to_dict(problem)


def test_alloc_generated_problem_and_plan_round_trip(tmp_path):
    problem = generate("small", 3)
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem_to_dict(problem)), encoding="utf-8")
    again = load_problem(path)
    assert problem_to_dict(again) == problem_to_dict(problem)
    plan = solve(again)
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(plan_to_dict(plan), ensure_ascii=False), encoding="utf-8")
    assert load_plan(plan_path) == plan_from_dict(plan_to_dict(plan))


def _broken(path, value):
    document = copy.deepcopy(DOCUMENT)
    target = document
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return document


CASES = [
    (("format",), "expertpool-problem/3", "unknown format"),
    (("horizon", "end"), "2026-12-01", "horizon: end 2026-12-01 is before start"),
    (
        ("requests", 0, "deadline"),
        "2027-01-02",
        "request r-17: deadline 2027-01-02 is before earliest 2027-01-04",
    ),
    (("requests", 0, "member"), "m-nowhere", "request r-17: unknown member 'm-nowhere'"),
    (("requests", 0, "preferred_expert"), "e-bob", "request r-17: unknown preferred_expert"),
    (("requests", 0, "half_days"), -2, "request r-17: 'half_days' must be at least 1"),
    (("requests", 0, "half_days"), 2.5, "request r-17: 'half_days' must be an integer"),
    (("requests", 0, "half_days"), True, "request r-17: 'half_days' must be an integer"),
    (("requests", 0, "urgency"), "urgent", "request r-17: urgency must be one of"),
    (("requests", 0, "earliest"), "2027-02-30", "request r-17: 'earliest' is not a valid date"),
    (("requests", 0, "role"), KeyError, "request r-17: missing field 'role'"),
    (("requests", 0, "submitted_at"), "yesterday", "request r-17: 'submitted_at' is not a valid date-time"),
    (("members", 0, "quota"), -1, "member m-plouzane: 'quota' must be at least 0"),
    (("members", 0, "used"), "4", "member m-plouzane: 'used' must be an integer"),
    (("members", 0, "previous_experts"), ["e-zoe"], "member m-plouzane: unknown expert 'e-zoe'"),
    (("experts", 0, "week"), {"lun": ["am"]}, "expert e-anne: unknown weekday 'lun'"),
    (("experts", 0, "week"), {"mon": ["morning"]}, 'expert e-anne: \'week.mon\' must be "am" or "pm"'),
    (("experts", 0, "booked", 0, "half"), "noon", "expert e-anne: booked #1: 'half' must be"),
    (("experts", 0, "unavailable", 0, "end"), "2027-02-01", "expert e-anne: unavailable #1: end 2027-02-01"),
    (("experts", 0, "roles"), "dba", "expert e-anne: 'roles' must be a list of strings"),
    (("experts",), "none", "problem: 'experts' must be a list"),
]


@pytest.mark.parametrize(("path", "value", "message"), CASES)
def test_alloc_malformed_problem_is_refused_naming_the_entry(path, value, message):
    with pytest.raises(ProblemError) as raised:
        problem_from_dict(_broken(path, value))
    assert message in str(raised.value)


def test_alloc_duplicate_ids_are_refused():
    document = copy.deepcopy(DOCUMENT)
    document["requests"].append(copy.deepcopy(document["requests"][0]))
    with pytest.raises(ProblemError, match="request r-17: duplicate id"):
        problem_from_dict(document)
    document = copy.deepcopy(DOCUMENT)
    document["members"].append({"id": "m-plouzane", "quota": 1, "used": 0})
    with pytest.raises(ProblemError, match="member m-plouzane: duplicate id"):
        problem_from_dict(document)


def test_alloc_windows_and_leave_outside_the_horizon_are_accepted():
    document = copy.deepcopy(DOCUMENT)
    document["requests"][0]["earliest"] = "2026-12-01"
    document["requests"][0]["deadline"] = "2027-06-30"
    document["experts"][0]["unavailable"].append({"start": "2026-07-01", "end": "2026-07-31"})
    problem = problem_from_dict(document)
    assert problem.requests[0].deadline.month == 6


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"format": "expertpool-plan/1"}'])
def test_alloc_bad_files_raise_problem_error(tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProblemError):
        load_problem(path)


def test_alloc_missing_file_raises_problem_error(tmp_path):
    with pytest.raises(ProblemError, match="cannot read"):
        load_problem(tmp_path / "absent.json")


def test_alloc_malformed_plan_is_refused():
    with pytest.raises(ProblemError, match="unknown format"):
        plan_from_dict({"format": "expertpool-plan/9", "assignments": []})
    bad_half = {
        "format": "expertpool-plan/1",
        "assignments": [{"request": "r", "expert": "e", "date": "2027-01-04", "half": "evening"}],
    }
    with pytest.raises(ProblemError, match="assignment #1"):
        plan_from_dict(bad_half)


PLAN_V1 = {
    "format": "expertpool-plan/1",
    "assignments": [{"request": "r-17", "expert": "e-anne", "date": "2027-01-07", "half": "am"}],
    "unserved": [
        {
            "request": "r-22",
            "half_days": 2,
            "reason": "no_eligible_expert_free_in_window",
            "message": "Aucun DBA n'est disponible avant votre échéance du 26 février.",
        }
    ],
    "metrics": {"served_half_days": 1},
}


def test_alloc_readers_still_accept_version_1():
    v1_problem = problem_from_dict(DOCUMENT)
    assert problem_from_dict({**DOCUMENT, "format": "expertpool-problem/2"}) == v1_problem
    plan = plan_from_dict(PLAN_V1)
    (unserved,) = plan.unserved
    # The French text of a /1 plan is not carried over: /2 has no text, only a code and its facts.
    assert (unserved.request, unserved.half_days, unserved.reason, unserved.params) == (
        "r-22",
        2,
        "no_eligible_expert_free_in_window",
        {},
    )
    assert plan_to_dict(plan)["format"] == "expertpool-plan/2"
    assert problem_to_dict(v1_problem)["format"] == "expertpool-problem/2"


def test_alloc_plan_version_2_carries_reason_codes_and_params_and_no_text():
    problem = generate("small", seed=7)
    plan = solve(problem)
    document = plan_to_dict(plan)
    assert document["format"] == "expertpool-plan/2"
    assert document["unserved"], "the generated problem must leave something unserved"
    for entry in document["unserved"]:
        assert set(entry) == {"request", "half_days", "reason", "params"}
    assert plan_from_dict(json.loads(json.dumps(document))).unserved == plan.unserved


V2_UNSERVED = {
    "request": "r-22",
    "half_days": 2,
    "reason": "no_eligible_expert_free_in_window",
    "params": {"role": "dba", "skills": ["postgresql"], "earliest": "2027-01-04", "deadline": "2027-02-26"},
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reason": "pas de chance"}, "unknown reason 'pas de chance'"),
        ({"params": "DBA"}, "'params' must be an object"),
        ({"params": {"role": "dba", "skills": [], "earliest": "2027-01-04"}}, "missing field 'deadline'"),
        (
            {"params": {"role": "dba", "skills": [], "earliest": "2027-01-04", "deadline": "26/02"}},
            "'deadline' is not a valid date",
        ),
        ({"params": {**V2_UNSERVED["params"], "skills": "postgresql"}}, "'skills' must be a list"),
    ],
)
def test_alloc_plan_version_2_refuses_unknown_codes_and_bad_params(change, message):
    document = {"format": "expertpool-plan/2", "assignments": [], "unserved": [{**V2_UNSERVED, **change}]}
    with pytest.raises(ProblemError, match="unserved #1") as raised:
        plan_from_dict(document)
    assert message in str(raised.value)


def test_alloc_problem_version_2_carries_accepted_quotes():
    document = copy.deepcopy(DOCUMENT)
    document["format"] = "expertpool-problem/2"
    document["requests"][0]["accepted_billable"] = 2
    problem = problem_from_dict(document)
    assert problem.requests[0].accepted_billable == 2
    assert problem_to_dict(problem)["requests"][0]["accepted_billable"] == 2
    assert problem_from_dict(problem_to_dict(problem)) == problem
    # Absent: no limit, and the writer leaves it out.
    assert "accepted_billable" not in problem_to_dict(problem_from_dict(DOCUMENT))["requests"][0]
    for value, message in ((-1, "must be at least 0"), ("2", "must be an integer"), (True, "must be an integer")):
        document["requests"][0]["accepted_billable"] = value
        with pytest.raises(ProblemError, match=f"request r-17: 'accepted_billable' {message}"):
            problem_from_dict(document)
    version_1 = copy.deepcopy(DOCUMENT)
    version_1["requests"][0]["accepted_billable"] = 2
    with pytest.raises(ProblemError, match="request r-17: 'accepted_billable' needs format expertpool-problem/2"):
        problem_from_dict(version_1)
