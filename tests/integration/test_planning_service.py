"""The allocation service on a small database: what it books, what it leaves alone, what it writes."""

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from factories import FIXED_NOW
from notes import note_text
from planning_helpers import accept_quote, held_slots, request_states, small_pool, table_counts
from sqlalchemy import func, select

from expertpool.allocation import check_plan, plan_from_dict
from expertpool.models import AllocationRun, AuditLog, Booking, JobRun, Notification, RequestStatus
from expertpool.planning import plan_writer
from expertpool.planning.service import COMMIT_LOCK_KEY, run_allocation, solve_horizon
from expertpool.scheduling.problem_builder import db_id


def _slots(bookings):
    return {(b.request_id, b.expert_id, b.date, b.half) for b in bookings}


def _assignment_slots(plan):
    return {(db_id(a.request), db_id(a.expert), a.date, a.half) for a in plan.assignments}


def test_commit_books_what_the_engine_says_and_passes_check(db, factory):
    pool = small_pool(factory)
    outcome = solve_horizon(now=FIXED_NOW)
    assert len(outcome.segments) == 1
    problem = outcome.segments[0].problem
    assert problem.horizon_start == date(2027, 1, 12) and problem.horizon_end == date(2027, 1, 18)
    assert {m.id: (m.quota, m.used) for m in problem.members} == {
        f"m-{pool.member_a.id}": (20, 0),
        f"m-{pool.member_b.id}": (20, 0),
    }

    run = run_allocation(actor=pool.coordinator, now=FIXED_NOW, mode="commit")

    bookings = list(db.session.scalars(select(Booking)))
    plan = plan_from_dict(run.plan)
    assert _slots(bookings) == _assignment_slots(plan) == _assignment_slots(outcome.plan)
    report = check_plan(problem, plan)
    assert report.ok, report.violations
    # One expert, ten half-days, two equal members asking eight each: five each (water-filling).
    assert run.booked_half_days == 10 and run.unserved_half_days == 6
    per_request = {r: sum(1 for b in bookings if b.request_id == r) for r in (pool.request_a.id, pool.request_b.id)}
    assert per_request == {pool.request_a.id: 5, pool.request_b.id: 5}
    assert all(b.allocation_run_id == run.id and b.status == "planned" for b in bookings)
    # Partly served: still approved, with the engine's reason for the member to read.
    db.session.refresh(pool.request_a)
    assert pool.request_a.status == RequestStatus.APPROVED
    # The reason's code and facts, no text: the page writes the sentence in its reader's language.
    assert pool.request_a.unserved_reason == "window_beyond_horizon"
    assert pool.request_a.unserved_params == {"horizon_end": run.horizon_end.isoformat(), "half_days": 3}
    assert pool.request_a.unserved_message == ""
    actions = [a.action for a in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert actions.count("request.schedule") == 2 and actions.count("allocation.run") == 1
    schedule_audit = db.session.scalar(
        select(AuditLog).where(AuditLog.action == "request.schedule", AuditLog.request_id == pool.request_a.id)
    )
    assert schedule_audit.before["booked"] == 0 and schedule_audit.after["booked"] == 5
    notes = {n.user_id: note_text(n) for n in db.session.scalars(select(Notification))}
    # In interventions (DESIGN.md), not one date per half-day.
    assert (
        "planifiées" in notes[pool.user_a.id] and "janv. 2027, 3 demi-journées, Anne Le Gall" in notes[pool.user_a.id]
    )
    assert pool.expert_user.id in notes
    assert run.mode == "commit" and run.finished_at is not None and run.triggered_by_id == pool.coordinator.id
    # The single-flight row is gone: the next run is not blocked.
    assert db.session.scalar(select(JobRun).where(JobRun.run_key == COMMIT_LOCK_KEY)) is None
    assert {"members", "experts"} <= set(run.plan["summary"]) and "duration_s" in run.metrics


def test_fully_booked_request_becomes_scheduled_and_reason_cleared(db, factory):
    pool = small_pool(factory, half_days=(2, 2), weeks=2)
    pool.request_a.unserved_reason, pool.request_a.unserved_message = "x", "ancienne raison"
    pool.request_a.unserved_params = {"half_days": 2}
    db.session.flush()
    run = run_allocation(actor=None, now=FIXED_NOW, mode="commit")
    assert run.booked_half_days == 4 and run.unserved_half_days == 0
    db.session.refresh(pool.request_a)
    assert pool.request_a.status == RequestStatus.SCHEDULED
    assert (pool.request_a.unserved_reason, pool.request_a.unserved_params, pool.request_a.unserved_message) == (
        "",
        None,
        "",
    )
    audit_row = db.session.scalar(select(AuditLog).where(AuditLog.action == "allocation.run"))
    assert audit_row.actor_id is None and audit_row.after["booked_half_days"] == 4


def test_committed_bookings_are_not_moved_by_a_second_run(db, factory):
    pool = small_pool(factory)
    run_allocation(actor=None, now=FIXED_NOW, mode="commit")
    first = held_slots(db.session)
    # A new, critical request arrives: it may only use what is left, never take a committed half-day.
    urgent = factory.request(
        pool.member_b,
        status=RequestStatus.APPROVED,
        half_days=4,
        urgency="critical",
        earliest=date(2027, 1, 12),
        deadline=date(2027, 1, 31),
        skills=("postgresql",),
    )
    second_run = run_allocation(actor=None, now=FIXED_NOW, mode="commit")
    after = held_slots(db.session)
    assert first <= after  # same ids, same slots, same status
    assert second_run.booked_half_days == 0  # the week was full: nothing free to give
    db.session.refresh(urgent)
    assert urgent.status == RequestStatus.APPROVED and urgent.unserved_reason == "window_beyond_horizon"
    # A later horizon gives the critical request free half-days, still without touching the first ones.
    third = run_allocation(actor=None, now=FIXED_NOW, mode="commit", weeks=2)
    assert first <= held_slots(db.session)
    assert third.booked_half_days >= 4
    assert db.session.scalar(select(Booking).where(Booking.request_id == urgent.id)) is not None


def test_horizon_across_new_year_is_solved_per_quota_period(db, factory):
    now = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)  # Monday 21 December 2026
    factory.settings(horizon_weeks=3)
    member = factory.member("Brest")
    factory.user(member=member)
    p2026 = factory.period(2026, half_days=0)
    p2027 = factory.period(2027, half_days=0)
    factory.quota(member, p2026, 4)
    factory.quota(member, p2027, 30)
    yann = factory.expert("Yann", roles=("dsi",))
    old = factory.request(
        member,
        role="dsi",
        status=RequestStatus.COMPLETED,
        half_days=1,
        earliest=date(2026, 3, 1),
        deadline=date(2026, 3, 31),
    )
    factory.booking(old, yann, date(2026, 3, 3), status="delivered")
    req = factory.request(
        member,
        role="dsi",
        status=RequestStatus.APPROVED,
        half_days=20,
        earliest=date(2026, 12, 22),
        deadline=date(2027, 1, 8),
    )
    accept_quote(req, 17)  # judged against 2026's right (3 left): its member accepted the rest's quote

    outcome = solve_horizon(now=now)
    assert [(s.start, s.end, s.period.id) for s in outcome.segments] == [
        (date(2026, 12, 22), date(2026, 12, 31), p2026.id),
        (date(2027, 1, 1), date(2027, 1, 11), p2027.id),
    ]
    first, second = outcome.segments
    key = f"m-{member.id}"
    assert {m.id: (m.quota, m.used) for m in first.problem.members} == {key: (4, 1)}
    assert {m.id: (m.quota, m.used) for m in second.problem.members} == {key: (30, 0)}
    given_first = sum(1 for a in first.plan.assignments if a.request == f"r-{req.id}")
    assert given_first > 0
    [second_request] = [r for r in second.problem.requests if r.id == f"r-{req.id}"]
    assert second_request.half_days == 20 - given_first  # the later period sees what the earlier gave
    for seg in outcome.segments:
        report = check_plan(seg.problem, seg.plan)
        assert report.ok, report.violations

    run = run_allocation(actor=None, now=now, mode="commit")
    days = {b.date for b in db.session.scalars(select(Booking).where(Booking.request_id == req.id))}
    assert min(days) < date(2027, 1, 1) <= max(days)
    assert run.horizon_start == date(2026, 12, 22) and len(run.metrics["periods"]) == 2
    # 14 free half-days in 2026 (25 December is a holiday), the other 6 in January (1 January too).
    assert run.booked_half_days == 20


def test_preview_writes_only_the_run_row(db, factory):
    pool = small_pool(factory)
    before_counts, before_states = table_counts(db.session), request_states(db.session)
    run = run_allocation(actor=pool.coordinator, now=FIXED_NOW, mode="preview")
    after_counts = table_counts(db.session)
    assert after_counts == {**before_counts, "allocation_runs": before_counts["allocation_runs"] + 1}
    assert request_states(db.session) == before_states
    assert run.mode == "preview" and run.booked_half_days == 10
    assert len(run.plan["assignments"]) == 10 and run.plan["format"] == "expertpool-plan/2"


def test_a_run_killed_between_writes_leaves_the_database_as_before(db, factory, monkeypatch):
    small_pool(factory)
    db.session.commit()
    before = (table_counts(db.session), request_states(db.session), held_slots(db.session))
    original = plan_writer._update_requests

    def crash_half_way(changes):
        # The bookings are really inserted when the request states are about to be written.
        assert db.session.scalar(select(func.count(Booking.id))) == 10
        raise RuntimeError("killed")

    monkeypatch.setattr(plan_writer, "_update_requests", crash_half_way)
    with pytest.raises(RuntimeError, match="killed"):
        run_allocation(actor=None, now=FIXED_NOW, mode="commit")
    db.session.expire_all()
    assert (table_counts(db.session), request_states(db.session), held_slots(db.session)) == before
    assert db.session.scalars(select(AllocationRun)).first() is None
    # Nothing is left locked: the next run works.
    monkeypatch.setattr(plan_writer, "_update_requests", original)
    assert run_allocation(actor=None, now=FIXED_NOW, mode="commit").booked_half_days == 10


def test_an_approved_request_already_fully_booked_is_marked_scheduled(db, factory):
    pool = small_pool(factory, half_days=(2, 2))
    factory.booking(pool.request_a, pool.expert, date(2027, 1, 20), "am")
    factory.booking(pool.request_a, pool.expert, date(2027, 1, 20), "pm")
    run_allocation(actor=None, now=FIXED_NOW, mode="commit")
    db.session.refresh(pool.request_a)
    assert pool.request_a.status == RequestStatus.SCHEDULED
    row = db.session.scalar(select(AuditLog).where(AuditLog.request_id == pool.request_a.id))
    assert row.action == "request.schedule" and row.after["booked"] == 2


def test_schedule_command_prints_the_metrics(app, db, factory):
    small_pool(factory)
    result = app.test_cli_runner().invoke(args=["schedule", "--weeks", "2"])
    assert result.exit_code == 0, result.output
    assert "(preview)" in result.output and "half-days booked" in result.output
    assert db.session.scalar(select(Booking)) is None
    assert app.test_cli_runner().invoke(args=["schedule", "--weeks", "0"]).exit_code != 0


def _member_cancels_during_the_solve(monkeypatch, request_id: int) -> dict:
    """While the run solves, another worker commits the member's cancellation (status and version)."""
    from sqlalchemy import update

    from expertpool.extensions import db as _db
    from expertpool.models import InterventionRequest
    from expertpool.planning import service

    original = service.solve_horizon
    seen = {}

    def solve_then_cancel(**kwargs):
        outcome = original(**kwargs)
        if not seen:
            seen["planned"] = Counter(db_id(a.request) for a in outcome.plan.assignments)
            _db.session.execute(
                update(InterventionRequest)
                .where(InterventionRequest.id == request_id)
                .values(status=RequestStatus.CANCELLED, version=InterventionRequest.version + 1)
                .execution_options(synchronize_session=False)
            )
        return outcome

    monkeypatch.setattr(service, "solve_horizon", solve_then_cancel)
    return seen


def test_a_request_cancelled_during_the_commit_is_left_out_and_the_run_says_so(db, factory, monkeypatch):
    from expertpool.invariants import check_invariants

    pool = small_pool(factory)
    db.session.commit()
    seen = _member_cancels_during_the_solve(monkeypatch, pool.request_a.id)
    run = run_allocation(actor=None, now=FIXED_NOW, mode="commit")  # no StaleDataError
    assert seen["planned"][pool.request_a.id] > 0
    assert run.booked_half_days == seen["planned"][pool.request_b.id]
    assert run.metrics["left_out"] == {
        "changed_requests": [pool.request_a.id],
        "changed_requests_half_days": seen["planned"][pool.request_a.id],
        "unavailable_half_days": 0,
    }
    db.session.expire_all()
    assert db.session.get(type(pool.request_a), pool.request_a.id).status == RequestStatus.CANCELLED
    assert {b.request_id for b in db.session.scalars(select(Booking))} == {pool.request_b.id}
    assert check_invariants(db.session) == []


def test_the_coordinator_sees_the_cancellation_left_out_instead_of_a_500(db, factory, login, monkeypatch):
    pool = small_pool(factory)
    db.session.commit()
    _member_cancels_during_the_solve(monkeypatch, pool.request_a.id)
    client = login(pool.coordinator)
    response = client.post("/planification/valider", data={}, follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Plan validé n°" in page
    assert (
        "Pendant le calcul, 1 demande a changé (annulée ou modifiée) : elle a été laissée de côté et sera "
        "reprise au prochain passage." in page
    )
