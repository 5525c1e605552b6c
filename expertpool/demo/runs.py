"""The demo's planning runs: when they ran, what they booked and what they left unserved."""

from datetime import date, datetime, timedelta

from expertpool.allocation.exchange import PLAN_FORMAT
from expertpool.allocation.explain import REASON_PARAMS
from expertpool.demo.context import Ctx
from expertpool.extensions import db
from expertpool.models import (
    AllocationRun,
    InterventionRequest,
    RunMode,
)

RUN_DAYS_AGO = (91, 77, 63, 49, 35, 21, 14, 7, 2)


def seed_runs(ctx: Ctx) -> None:
    """The scheduler's committed runs: the bookings of the demo say which run made them."""
    for days_ago in RUN_DAYS_AGO:
        started = (ctx.now - timedelta(days=days_ago)).replace(hour=5, minute=0, second=0, microsecond=0)
        start = (started + timedelta(days=1)).date()
        ctx.runs.append(
            AllocationRun(
                mode=RunMode.COMMIT,
                status="done",
                started_at=started,
                finished_at=started + timedelta(seconds=3 + ctx.rng.random() * 4),
                triggered_by_id=ctx.coordinator.id if days_ago == RUN_DAYS_AGO[-1] else None,
                horizon_start=start,
                horizon_end=start + timedelta(weeks=12) - timedelta(days=1),
            )
        )
    db.session.add_all(ctx.runs)
    db.session.flush()


def run_for(ctx: Ctx, decided: datetime, first_day: date) -> AllocationRun | None:
    """The first run after the decision that could still book `first_day` (None: booked by hand)."""
    for run in ctx.runs:
        if run.started_at > decided and run.horizon_start <= first_day <= run.horizon_end:
            return run
    return None


def explain_unserved(req: InterventionRequest, spec, reason: str, half_days: int) -> dict:
    """The engine's explanation as a run writes it (expertpool-plan/2): a reason code and its facts, stored
    on the request; pages write the sentence in their reader's language. Returns the plan's entry."""
    facts = {
        "role": spec.role,
        "skills": sorted(s.name for s in req.skills),
        "earliest": req.earliest.isoformat(),
        "deadline": req.deadline.isoformat(),
    }
    params = {name: facts[name] for name in REASON_PARAMS[reason]}
    req.unserved_reason, req.unserved_params, req.unserved_message = reason, {**params, "half_days": half_days}, ""
    return {"half_days": half_days, "reason": reason, "params": params}


def finish_runs(ctx: Ctx) -> None:
    for run in ctx.runs:
        assignments = ctx.assignments.get(run.id, [])
        unserved = ctx.unserved.get(run.id, [])
        missing = sum(u["half_days"] for u in unserved)
        run.booked_half_days, run.unserved_half_days = len(assignments), missing
        served = len(assignments)
        run.metrics = {
            "entitled_satisfaction": round(served / (served + missing), 3) if served + missing else 1.0,
            "served_half_days": len(assignments),
            "booked_half_days": len(assignments),
            "duration_s": round((run.finished_at - run.started_at).total_seconds(), 1),
        }
        run.plan = {
            "format": PLAN_FORMAT,
            "assignments": assignments,
            "unserved": unserved,
            "metrics": dict(run.metrics),
        }
