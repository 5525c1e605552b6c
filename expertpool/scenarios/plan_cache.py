"""The engine's plans kept in the database by the exact problem they solve, so that a scenario run on
data already solved (its baseline, when another scenario ran on the same backlog or year; a scenario
whose changes leave the problem as it was) reuses the plan instead of solving again.

The key is a fingerprint of everything a plan depends on: the problem in the exchange format (which
holds the experts, their patterns and leave, the members' rights and the requests), the solving method
and the engine's own code. The engine is deterministic, so a plan found under the key is the plan the
engine would give. Rows are derived data, pruned to the latest few; losing them only costs a solve.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from expertpool import allocation
from expertpool.allocation import Assignment, Plan, Problem, Unserved, plan_to_dict, problem_to_dict, solve
from expertpool.extensions import db
from expertpool.models import PlanCache
from expertpool.scheduling.solving import METHOD
from expertpool.timeutil import now_utc

KEEP = 12  # a year replayed weighs about 1.5 MB: a dozen plans cover the scenarios compared at once


@cache
def _engine_code() -> str:
    """A hash of the engine's source: a changed engine never reads a plan of the old one."""
    digest = hashlib.sha256()
    for path in sorted(Path(allocation.__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(document: dict) -> str:
    """The key of a problem's plan, from the problem in the exchange format."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{METHOD}\n{_engine_code()}\n{text}".encode()).hexdigest()


def plan_document(plan: Plan) -> dict:
    """The plan in the exchange format as JSON reads it back (what `scheduling.outcome.plain` makes of
    it, through the C encoder: a year's plan holds tens of thousands of entries)."""
    return json.loads(json.dumps(plan_to_dict(plan), default=_json_scalar))


def _json_scalar(value):
    """What `json` cannot write itself: numpy numbers (metrics) and dates (reasons' parameters)."""
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(type(value).__name__)


def _kept_plan(document: dict) -> Plan:
    """A kept plan read back. The document was written by `plan_document` from the engine's own plan,
    so the exchange reader's checks (`plan_from_dict`, for files from outside: a third of a second
    on a year replayed) are not needed to trust it."""
    return Plan(
        tuple(
            Assignment(a["request"], a["expert"], date.fromisoformat(a["date"]), a["half"])
            for a in document["assignments"]
        ),
        tuple(Unserved(u["request"], u["half_days"], u["reason"], u["params"]) for u in document["unserved"]),
        dict(document["metrics"]),
    )


@dataclass(frozen=True)
class Documents:
    """A solved problem and its plan in the exchange format, made once for the key and the exports."""

    problem: dict
    plan: dict


def solve_once(problem: Problem, documents: dict | None = None) -> Plan:
    """The engine's plan for `problem`: read back when this exact problem was solved before, else
    solved and kept (in a savepoint: another worker keeping the same plan meanwhile is no error).
    `documents`, when given, receives {id(problem): (problem, Documents)} for the exports."""
    problem_document = problem_to_dict(problem)
    key = fingerprint(problem_document)
    kept = db.session.scalar(select(PlanCache.plan).where(PlanCache.fingerprint == key))
    if kept is not None:
        plan = _kept_plan(kept)
        if documents is not None:
            documents[id(problem)] = (problem, Documents(problem_document, kept))
        return plan
    plan = solve(problem, method=METHOD)
    plan_doc = plan_document(plan)
    if documents is not None:
        documents[id(problem)] = (problem, Documents(problem_document, plan_doc))
    try:
        with db.session.begin_nested():
            db.session.add(PlanCache(fingerprint=key, plan=plan_doc, created_at=now_utc()))
            db.session.flush()
            newest = db.session.scalars(select(PlanCache.id).order_by(PlanCache.id.desc()).limit(KEEP)).all()
            db.session.execute(delete(PlanCache).where(PlanCache.id < min(newest)))
    except IntegrityError:
        pass
    return plan
