"""Reading and writing the JSON exchange format, documented in docs/allocation-format.md.

Writers write version 2 (expertpool-problem/2, expertpool-plan/2); readers also accept version 1 (a /1
plan's unserved `message` text is dropped: version 2 carries a reason code and its parameters, and the
reader's page writes the sentence). Readers validate everything and raise ProblemError naming the
offending entry. Decisions on dates:
- a request window may lie partly or wholly outside the horizon (live requests often do): the
  engine serves only the part inside and explains the rest;
- unavailability, booked halves and holidays outside the horizon are accepted and ignored;
- assignments of a plan are not range-checked here: that is the checker's job (rules 1-4).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .explain import COUNT_PARAMS, DATE_PARAMS, REASON_PARAMS
from .model import (
    HALVES,
    URGENCIES,
    Assignment,
    Expert,
    Member,
    Plan,
    Problem,
    ProblemError,
    Request,
    Unavailability,
    Unserved,
)

PROBLEM_FORMAT = "expertpool-problem/2"
PLAN_FORMAT = "expertpool-plan/2"
PROBLEM_FORMATS = ("expertpool-problem/1", PROBLEM_FORMAT)  # what the readers accept
PLAN_FORMATS = ("expertpool-plan/1", PLAN_FORMAT)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# --------------------------------------------------------------------------- field readers


def _field(entry: dict, key: str, where: str, *, default: Any = ...) -> Any:
    if not isinstance(entry, dict):
        raise ProblemError(f"{where}: expected an object, got {type(entry).__name__}")
    if key not in entry:
        if default is ...:
            raise ProblemError(f"{where}: missing field '{key}'")
        return default
    return entry[key]


def _text(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise ProblemError(f"{where}: '{key}' must be a non-empty string, got {value!r}")
    return value


def _count(value: Any, where: str, key: str, *, minimum: int = 0) -> int:
    # bool is an int subclass in Python: true/false is not a quantity.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProblemError(f"{where}: '{key}' must be an integer, got {value!r}")
    if value < minimum:
        raise ProblemError(f"{where}: '{key}' must be at least {minimum}, got {value}")
    return value


def _date(value: Any, where: str, key: str) -> date:
    if not isinstance(value, str):
        raise ProblemError(f"{where}: '{key}' must be a date YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ProblemError(f"{where}: '{key}' is not a valid date: {value!r}") from None


def _datetime(value: Any, where: str, key: str) -> datetime:
    if not isinstance(value, str):
        raise ProblemError(f"{where}: '{key}' must be an ISO date-time, got {value!r}")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ProblemError(f"{where}: '{key}' is not a valid date-time: {value!r}") from None
    # A naive time is read as UTC: stored times are UTC everywhere in expertpool.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _half(value: Any, where: str, key: str = "half") -> str:
    if value not in HALVES:
        raise ProblemError(f'{where}: \'{key}\' must be "am" or "pm", got {value!r}')
    return value


def _strings(value: Any, where: str, key: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ProblemError(f"{where}: '{key}' must be a list of strings, got {value!r}")
    return frozenset(value)


def _list(value: Any, where: str, key: str) -> list:
    if not isinstance(value, list):
        raise ProblemError(f"{where}: '{key}' must be a list, got {type(value).__name__}")
    return value


def _check_format(data: Any, known: tuple[str, ...]) -> str:
    if not isinstance(data, dict):
        raise ProblemError(f"the document must be a JSON object, got {type(data).__name__}")
    found = data.get("format")
    if found not in known:
        raise ProblemError(f"unknown format {found!r}: this reader knows {', '.join(map(repr, known))}")
    return found


def _entry_id(entry: Any, kind: str, index: int, seen: set[str]) -> str:
    where = f"{kind} #{index + 1}"
    identifier = _text(_field(entry, "id", where), where, "id")
    if identifier in seen:
        raise ProblemError(f"{kind} {identifier}: duplicate id")
    seen.add(identifier)
    return identifier


# --------------------------------------------------------------------------- problem


def _read_expert(entry: Any, index: int, seen: set[str]) -> Expert:
    expert_id = _entry_id(entry, "expert", index, seen)
    where = f"expert {expert_id}"
    roles = _strings(_field(entry, "roles", where), where, "roles")
    skills = _strings(_field(entry, "skills", where, default=[]), where, "skills")
    raw_week = _field(entry, "week", where)
    if not isinstance(raw_week, dict):
        raise ProblemError(f"{where}: 'week' must be an object mapping mon..sun to halves")
    week: dict[int, frozenset[str]] = {}
    for day_name, halves in raw_week.items():
        if day_name not in WEEKDAYS:
            raise ProblemError(f"{where}: unknown weekday {day_name!r} in 'week' (use mon..sun)")
        halves_list = _list(halves, where, f"week.{day_name}")
        week[WEEKDAYS.index(day_name)] = frozenset(_half(h, where, f"week.{day_name}") for h in halves_list)
    unavailable = []
    for k, away in enumerate(_list(_field(entry, "unavailable", where, default=[]), where, "unavailable")):
        spot = f"{where}: unavailable #{k + 1}"
        if isinstance(away, dict) and "date" in away:
            day = _date(away["date"], spot, "date")
            half = _field(away, "half", spot, default=None)
            unavailable.append(Unavailability(day, day, None if half is None else _half(half, spot)))
        else:
            start = _date(_field(away, "start", spot), spot, "start")
            end = _date(_field(away, "end", spot), spot, "end")
            if end < start:
                raise ProblemError(f"{spot}: end {end} is before start {start}")
            unavailable.append(Unavailability(start, end, None))
    booked = set()
    for k, slot in enumerate(_list(_field(entry, "booked", where, default=[]), where, "booked")):
        spot = f"{where}: booked #{k + 1}"
        booked.add((_date(_field(slot, "date", spot), spot, "date"), _half(_field(slot, "half", spot), spot)))
    return Expert(expert_id, roles, skills, week, tuple(unavailable), frozenset(booked))


def _read_member(entry: Any, index: int, seen: set[str], experts: set[str]) -> Member:
    member_id = _entry_id(entry, "member", index, seen)
    where = f"member {member_id}"
    quota = _count(_field(entry, "quota", where), where, "quota")
    used = _count(_field(entry, "used", where), where, "used")
    previous = _list(_field(entry, "previous_experts", where, default=[]), where, "previous_experts")
    for expert_id in previous:
        if expert_id not in experts:
            raise ProblemError(f"{where}: unknown expert {expert_id!r} in previous_experts")
    return Member(member_id, quota, used, tuple(previous))


def _read_request(
    entry: Any, index: int, seen: set[str], members: set[str], experts: set[str], version: str = PROBLEM_FORMAT
) -> Request:
    request_id = _entry_id(entry, "request", index, seen)
    where = f"request {request_id}"
    member = _text(_field(entry, "member", where), where, "member")
    if member not in members:
        raise ProblemError(f"{where}: unknown member {member!r}")
    role = _text(_field(entry, "role", where), where, "role")
    skills = _strings(_field(entry, "skills", where, default=[]), where, "skills")
    half_days = _count(_field(entry, "half_days", where), where, "half_days", minimum=1)
    earliest = _date(_field(entry, "earliest", where), where, "earliest")
    deadline = _date(_field(entry, "deadline", where), where, "deadline")
    if deadline < earliest:
        raise ProblemError(f"{where}: deadline {deadline} is before earliest {earliest}")
    urgency = _field(entry, "urgency", where, default="normal")
    if urgency not in URGENCIES:
        raise ProblemError(f"{where}: urgency must be one of {', '.join(URGENCIES)}, got {urgency!r}")
    preferred = _field(entry, "preferred_expert", where, default=None)
    if preferred is not None and preferred not in experts:
        raise ProblemError(f"{where}: unknown preferred_expert {preferred!r}")
    submitted = _field(entry, "submitted_at", where, default=None)
    submitted_at = None if submitted is None else _datetime(submitted, where, "submitted_at")
    accepted = _field(entry, "accepted_billable", where, default=None)
    if accepted is not None:
        if version != PROBLEM_FORMAT:
            raise ProblemError(f"{where}: 'accepted_billable' needs format {PROBLEM_FORMAT}")
        accepted = _count(accepted, where, "accepted_billable")
    liked = set()
    for k, slot in enumerate(
        _list(_field(entry, "preferred_half_days", where, default=[]), where, "preferred_half_days")
    ):
        spot = f"{where}: preferred_half_days #{k + 1}"
        liked.add((_date(_field(slot, "date", spot), spot, "date"), _half(_field(slot, "half", spot), spot)))
    return Request(
        request_id,
        member,
        role,
        skills,
        half_days,
        earliest,
        deadline,
        urgency,
        preferred,
        submitted_at,
        accepted_billable=accepted,
        preferred_half_days=frozenset(liked),
    )


def problem_from_dict(data: Any) -> Problem:
    """Read and validate a problem document; raise ProblemError naming the offending entry."""
    version = _check_format(data, PROBLEM_FORMATS)  # /2 adds optional fields to requests
    horizon = _field(data, "horizon", "problem")
    start = _date(_field(horizon, "start", "horizon"), "horizon", "start")
    end = _date(_field(horizon, "end", "horizon"), "horizon", "end")
    if end < start:
        raise ProblemError(f"horizon: end {end} is before start {start}")
    holidays = frozenset(
        _date(day, f"holidays #{k + 1}", "date")
        for k, day in enumerate(_list(_field(data, "holidays", "problem", default=[]), "problem", "holidays"))
    )
    expert_ids: set[str] = set()
    experts = tuple(
        _read_expert(entry, k, expert_ids)
        for k, entry in enumerate(_list(_field(data, "experts", "problem"), "problem", "experts"))
    )
    member_ids: set[str] = set()
    members = tuple(
        _read_member(entry, k, member_ids, expert_ids)
        for k, entry in enumerate(_list(_field(data, "members", "problem"), "problem", "members"))
    )
    request_ids: set[str] = set()
    requests = tuple(
        _read_request(entry, k, request_ids, member_ids, expert_ids, version)
        for k, entry in enumerate(_list(_field(data, "requests", "problem"), "problem", "requests"))
    )
    return Problem(start, end, holidays, experts, members, requests)


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def problem_to_dict(problem: Problem) -> dict:
    """The JSON-ready document of a problem (the inverse of problem_from_dict)."""
    experts = []
    for expert in problem.experts:
        unavailable = []
        for away in expert.unavailable:
            if away.half is None:
                unavailable.append({"start": away.start.isoformat(), "end": away.end.isoformat()})
            else:
                unavailable.append({"date": away.start.isoformat(), "half": away.half})
        experts.append(
            {
                "id": expert.id,
                "roles": sorted(expert.roles),
                "skills": sorted(expert.skills),
                "week": {
                    WEEKDAYS[day]: [h for h in HALVES if h in halves] for day, halves in sorted(expert.week.items())
                },
                "unavailable": unavailable,
                "booked": [{"date": d.isoformat(), "half": h} for d, h in sorted(expert.booked)],
            }
        )
    members = [
        {"id": m.id, "quota": m.quota, "used": m.used, "previous_experts": list(m.previous_experts)}
        for m in problem.members
    ]
    requests = []
    for r in problem.requests:
        entry = {
            "id": r.id,
            "member": r.member,
            "role": r.role,
            "skills": sorted(r.skills),
            "half_days": r.half_days,
            "earliest": r.earliest.isoformat(),
            "deadline": r.deadline.isoformat(),
            "urgency": r.urgency,
        }
        if r.preferred_expert is not None:
            entry["preferred_expert"] = r.preferred_expert
        if r.submitted_at is not None:
            entry["submitted_at"] = _iso_utc(r.submitted_at)
        if r.accepted_billable is not None:
            entry["accepted_billable"] = r.accepted_billable
        if r.preferred_half_days:
            entry["preferred_half_days"] = [
                {"date": d.isoformat(), "half": h} for d, h in sorted(r.preferred_half_days)
            ]
        requests.append(entry)
    return {
        "format": PROBLEM_FORMAT,
        "horizon": {"start": problem.horizon_start.isoformat(), "end": problem.horizon_end.isoformat()},
        "holidays": sorted(d.isoformat() for d in problem.holidays),
        "experts": experts,
        "members": members,
        "requests": requests,
    }


# --------------------------------------------------------------------------- plan


def plan_from_dict(data: Any) -> Plan:
    """Read a plan document; its consistency with a problem is checked by check_plan."""
    version = _check_format(data, PLAN_FORMATS)
    assignments = []
    for k, entry in enumerate(_list(_field(data, "assignments", "plan"), "plan", "assignments")):
        where = f"assignment #{k + 1}"
        assignments.append(
            Assignment(
                _text(_field(entry, "request", where), where, "request"),
                _text(_field(entry, "expert", where), where, "expert"),
                _date(_field(entry, "date", where), where, "date"),
                _half(_field(entry, "half", where), where),
            )
        )
    unserved = []
    for k, entry in enumerate(_list(_field(data, "unserved", "plan", default=[]), "plan", "unserved")):
        where = f"unserved #{k + 1}"
        request = _text(_field(entry, "request", where), where, "request")
        half_days = _count(_field(entry, "half_days", where), where, "half_days", minimum=1)
        reason = _text(_field(entry, "reason", where), where, "reason")
        if version == PLAN_FORMAT:
            unserved.append(Unserved(request, half_days, *_reason(entry, where)))
        else:  # /1: free reason text and a French message, which no reader's page can translate
            unserved.append(Unserved(request, half_days, reason))
    metrics = _field(data, "metrics", "plan", default={})
    if not isinstance(metrics, dict):
        raise ProblemError("plan: 'metrics' must be an object")
    return Plan(tuple(assignments), tuple(unserved), dict(metrics))


def _reason(entry: dict, where: str) -> tuple[str, dict[str, Any]]:
    """A /2 unserved entry's reason code and parameters, checked against the codes' table."""
    reason = _field(entry, "reason", where)
    if reason not in REASON_PARAMS:
        raise ProblemError(f"{where}: unknown reason {reason!r} (known: {', '.join(REASON_PARAMS)})")
    params = _field(entry, "params", where)
    if not isinstance(params, dict):
        raise ProblemError(f"{where}: 'params' must be an object")
    checked: dict[str, Any] = {}
    for name in REASON_PARAMS[reason]:
        value = _field(params, name, f"{where} params")
        if name in DATE_PARAMS:
            _date(value, f"{where} params", name)
        elif name in COUNT_PARAMS:
            _count(value, f"{where} params", name)
        elif name == "skills":
            value = sorted(_strings(value, f"{where} params", name))
        else:
            _text(value, f"{where} params", name)
        checked[name] = value
    return reason, checked


def plan_to_dict(plan: Plan) -> dict:
    """The JSON-ready document of a plan."""
    return {
        "format": PLAN_FORMAT,
        "assignments": [
            {"request": a.request, "expert": a.expert, "date": a.date.isoformat(), "half": a.half}
            for a in plan.assignments
        ],
        "unserved": [
            {"request": u.request, "half_days": u.half_days, "reason": u.reason, "params": dict(u.params)}
            for u in plan.unserved
        ],
        "metrics": dict(plan.metrics),
    }


# --------------------------------------------------------------------------- files


def _load_json(path: str | Path) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ProblemError(f"{path}: cannot read the file ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise ProblemError(f"{path}: the file is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ProblemError(f"{path}: not valid JSON (line {error.lineno}: {error.msg})") from None


def load_problem(path: str | Path) -> Problem:
    """Read a problem file; every failure is a ProblemError."""
    return problem_from_dict(_load_json(path))


def load_plan(path: str | Path) -> Plan:
    """Read a plan file; every failure is a ProblemError."""
    return plan_from_dict(_load_json(path))


def dump_json(document: dict, path: str | Path) -> None:
    """Write a document as UTF-8 JSON, French accents kept readable."""
    Path(path).write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
