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
from functools import cache
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from expertpool import allocation
from expertpool.allocation import Plan, Problem, plan_from_dict, plan_to_dict, problem_to_dict, solve
from expertpool.extensions import db
from expertpool.models import PlanCache
from expertpool.scheduling.outcome import plain
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


def fingerprint(problem: Problem) -> str:
    document = json.dumps(problem_to_dict(problem), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{METHOD}\n{_engine_code()}\n{document}".encode()).hexdigest()


def solve_once(problem: Problem) -> Plan:
    """The engine's plan for `problem`: read back when this exact problem was solved before, else
    solved and kept (in a savepoint: another worker keeping the same plan meanwhile is no error)."""
    key = fingerprint(problem)
    kept = db.session.scalar(select(PlanCache.plan).where(PlanCache.fingerprint == key))
    if kept is not None:
        return plan_from_dict(kept)
    plan = solve(problem, method=METHOD)
    try:
        with db.session.begin_nested():
            db.session.add(PlanCache(fingerprint=key, plan=plain(plan_to_dict(plan)), created_at=now_utc()))
            db.session.flush()
            newest = db.session.scalars(select(PlanCache.id).order_by(PlanCache.id.desc()).limit(KEEP)).all()
            db.session.execute(delete(PlanCache).where(PlanCache.id < min(newest)))
    except IntegrityError:
        pass
    return plan
