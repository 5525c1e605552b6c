"""Scenarios: saved, duplicated, deleted, run through the task queue, exported, and turned into the next
period's policy. Services flush, never commit (the view or the task runner commits once).

A run writes the scenario row only: the base is read, the changes live in memory, and the plan is
never written (the no-write test checks the bookings, quotas and requests stay exactly as they were).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from time import perf_counter

from sqlalchemy import select

from expertpool import quota_policies
from expertpool.audit import record, snapshot
from expertpool.extensions import db
from expertpool.models import Member, QuotaPeriod, Scenario
from expertpool.quotas import unit_price_cents
from expertpool.scenarios.changes import POLICY_KEYS, read_changes
from expertpool.scenarios.figures import figures
from expertpool.scenarios.runner import baseline, read_base, solve_base
from expertpool.scheduling.problem_builder import heap_frozen
from expertpool.tasks import enqueue, task_handler
from expertpool.timeutil import today_paris

TASK_KIND = "scenarios.run"
FIELDS = ("name", "base", "changes")
RUNNING = ("queued", "running")


def create(*, name: str, base: str, changes: dict, actor, now: datetime) -> Scenario:
    scenario = Scenario(
        name=name,
        base=base,
        changes=changes,
        status="draft",
        progress=0,
        result={},
        error="",
        created_by_id=getattr(actor, "id", None),
        created_at=now,
        updated_at=now,
    )
    db.session.add(scenario)
    db.session.flush()
    record(actor, "scenario.create", scenario, now=now, after=snapshot(scenario, *FIELDS))
    return scenario


def update(scenario: Scenario, *, name: str, base: str, changes: dict, actor, now: datetime) -> None:
    """A changed scenario's old figures no longer match it: they are dropped (run it again)."""
    before = snapshot(scenario, *FIELDS)
    scenario.name, scenario.base, scenario.changes = name, base, changes
    if snapshot(scenario, *FIELDS) == before:
        return
    if scenario.status not in RUNNING:
        scenario.status, scenario.progress, scenario.result, scenario.error = "draft", 0, {}, ""
    scenario.updated_at = now
    db.session.flush()
    record(actor, "scenario.update", scenario, now=now, before=before, after=snapshot(scenario, *FIELDS))


def duplicate(scenario: Scenario, *, name: str, actor, now: datetime) -> Scenario:
    return create(name=name, base=scenario.base, changes=dict(scenario.changes), actor=actor, now=now)


def delete(scenario: Scenario, *, actor, now: datetime) -> None:
    record(actor, "scenario.delete", scenario, now=now, before=snapshot(scenario, *FIELDS))
    db.session.delete(scenario)
    db.session.flush()


def queue_run(scenario: Scenario, *, actor, now: datetime) -> None:
    """Ask the scheduler process to run it (the page shows its status meanwhile)."""
    scenario.status, scenario.progress, scenario.error = "queued", 0, ""
    enqueue(TASK_KIND, {"scenario_id": scenario.id}, now=now)
    db.session.flush()
    record(actor, "scenario.run", scenario, now=now, after={"base": scenario.base})


def compute_result(scenario: Scenario, *, now: datetime, progress=None) -> dict:
    """The scenario's figures beside the baseline's, and its problems and plans in the exchange format."""
    changes = read_changes(scenario.changes)
    clock = perf_counter()
    with heap_frozen():  # the base read, then each output, kept out of the garbage collector's passes
        return _compute_result(scenario, changes, clock, now=now, progress=progress)


def _compute_result(scenario: Scenario, changes, clock: float, *, now: datetime, progress) -> dict:
    base = read_base(scenario.base, changes, now=now)  # read once for the baseline and the scenario
    base_output = baseline(scenario.base, changes, now=now, base=base)
    # Positions before each plan: computed once per ledger, shared by the baseline and the scenario.
    base_figures = figures(base_output, base.positions)
    if progress is not None:
        progress(50)
    output = solve_base(scenario.base, changes, now=now, base=base)
    exchange = [output.exchange(s) for s in output.solved if s.problem.members]
    return {
        "baseline": base_figures,
        "scenario": figures(output, base.positions),
        "seconds": round(perf_counter() - clock, 3),
        "exchange": {"problems": [d.problem for d in exchange], "plans": [d.plan for d in exchange]},
    }


def _progress(scenario_id: int, percent: int) -> None:
    """Shown on the page while the run goes on: committed at once (it holds nothing else)."""
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is not None:  # deleted meanwhile: the run goes on and is dropped at the end
        scenario.progress = percent
        db.session.commit()


def _failed(payload: dict, *, error: str, final: bool, now: datetime) -> None:
    scenario = db.session.get(Scenario, int(payload.get("scenario_id", 0)))
    if scenario is not None:
        scenario.status, scenario.error = ("failed" if final else "queued"), error


@task_handler(TASK_KIND, on_failure=_failed)
def run_task(payload: dict, *, now: datetime) -> None:
    scenario = db.session.get(Scenario, int(payload.get("scenario_id", 0)))
    if scenario is None:  # deleted while queued: nothing to do
        return
    scenario_id = scenario.id
    scenario.status, scenario.progress = "running", 5
    db.session.commit()
    result = compute_result(scenario, now=now, progress=lambda p: _progress(scenario_id, p))
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is None:
        return
    scenario.result, scenario.status, scenario.progress, scenario.run_at, scenario.error = (
        result,
        "done",
        100,
        now,
        "",
    )


# --- the next period's policy ---------------------------------------------------------------------


class NothingToAdopt(ValueError):
    """The scenario changes nothing the next period holds (its rule, a member's right, its price)."""


@dataclass(frozen=True)
class Adoption:
    """What adopting a scenario would do: the next period opened through the period preparation with
    the scenario's rule (or the latest period's when it keeps it), its member's right and its price.
    Experts added or removed and a changed horizon are not carried: no period holds them."""

    name: str
    start: date
    end: date
    policy: dict  # the period's fields (quota_policies.PERIOD_FIELDS)
    policy_changed: bool
    member: Member | None  # whose right the scenario sets, if any
    member_half_days: int | None
    price_cents: int | None  # the period's price when the scenario changes it
    experts_added: int
    experts_removed: int

    @property
    def rights(self) -> dict[int, int]:
        return {self.member.id: self.member_half_days} if self.member is not None else {}


def next_period_dates(now: datetime) -> tuple[str, date, date]:
    """The period after today's: the one that starts after the period holding today (the calendar
    year after when none does)."""
    today = today_paris(now)
    current = db.session.scalar(
        select(QuotaPeriod).where(QuotaPeriod.start_date <= today, QuotaPeriod.end_date >= today).limit(1)
    )
    start = current.end_date + timedelta(days=1) if current else date(today.year + 1, 1, 1)
    year = start.year
    if start == date(year, 1, 1):
        return str(year), start, date(year, 12, 31)
    return f"{start.isoformat()}", start, date(year + 1, start.month, start.day) - timedelta(days=1)


def _kept_policy() -> dict:
    """The latest period's rule (the usual yearly opening keeps it), or a fixed rule of none."""
    latest = db.session.scalar(select(QuotaPeriod).order_by(QuotaPeriod.start_date.desc()).limit(1))
    if latest is None:
        return {**read_changes({"policy": {"policy": "fixed"}}).policy, "unit_price_cents": unit_price_cents()}
    return {key: getattr(latest, key) for key in POLICY_KEYS}


def adoption(scenario: Scenario, *, now: datetime) -> Adoption:
    """What `adopt` would do now; raises NothingToAdopt (or BadChanges for a hand-edited row)."""
    changes = read_changes(scenario.changes)
    if changes.policy is None and changes.member_right is None and changes.unit_price_cents is None:
        raise NothingToAdopt(scenario.name)
    name, start, end = next_period_dates(now)
    policy = dict(changes.policy) if changes.policy is not None else _kept_policy()
    if changes.unit_price_cents is not None:
        policy["unit_price_cents"] = changes.unit_price_cents
    member, half_days = None, None
    if changes.member_right is not None:
        member = db.session.get(Member, changes.member_right[0])
        half_days = changes.member_right[1] if member is not None else None
    return Adoption(
        name,
        start,
        end,
        {**policy, "name": name, "start_date": start, "end_date": end},
        changes.policy is not None,
        member,
        half_days,
        changes.unit_price_cents,
        len(changes.added),
        len(changes.removed),
    )


def adopt(scenario: Scenario, *, actor, now: datetime) -> QuotaPeriod:
    """Open the next period with what the scenario changed that a period holds, through the period
    preparation itself (its entitlements, carry-over and envelopes, its audit row), plus one audit row
    naming the scenario and what it did not carry. Raises NothingToAdopt, or PeriodOverlap when that
    period exists already. The current period (its rights, its price) is left as it is."""
    plan = adoption(scenario, now=now)
    period = quota_policies.open_period(plan.policy, actor=actor, now=now, rights=plan.rights)
    record(
        actor,
        "scenario.adopt",
        scenario,
        now=now,
        after={
            "period": period.name,
            "policy": {key: plan.policy[key] for key in POLICY_KEYS} if plan.policy_changed else None,
            "member_right": {"member_id": plan.member.id, "half_days": plan.member_half_days} if plan.member else None,
            "unit_price_cents": plan.price_cents,
            "not_carried": {"experts_added": plan.experts_added, "experts_removed": plan.experts_removed},
        },
    )
    return period
