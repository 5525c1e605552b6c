"""Retention: the purge removes exactly what outlived its period (the settings' periods), in batches,
audited with counts; a dry run only counts; a second run does nothing; the daily job runs it once."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from factories import FIXED_NOW
from sqlalchemy import func, select

from expertpool import jobs
from expertpool.models import (
    AllocationRun,
    AuditLog,
    Booking,
    BookingStatus,
    InterventionRequest,
    JobRun,
    LoginFailure,
    Notification,
    OutboxMail,
    RequestMessage,
    RequestStatus,
    User,
)
from expertpool.privacy import retention
from expertpool.privacy.retention import purge_expired


def at(y, m, d):
    return datetime(y, m, d, 9, tzinfo=UTC)


# FIXED_NOW is 11 January 2027: the defaults expire sign-ins before 11 July 2026, notifications and mails
# before 11 January 2026, closed requests' texts before 11 January 2022, audit and billing before 2017.
EXPECTED = {
    "sign_in_failures": 2,
    "last_sign_in": 1,
    "notifications": 1,
    "outbox_mails": 1,
    "closed_request_messages": 1,
    "closed_request_texts": 1,
    "audit_log": 1,
    "bookings": 1,
    "allocation_runs": 1,
}


@dataclass
class Aged:
    kept: dict  # model -> ids that must survive
    old_request: object
    recent_closed: object
    open_request: object


def build_aged(factory) -> Aged:
    s = factory.session
    factory.settings()
    user = factory.user(last_login_at=at(2026, 7, 10))
    recent_user = factory.user(last_login_at=at(2026, 7, 12))
    _, expert = factory.expert_user()
    old = factory.request(
        status=RequestStatus.COMPLETED,
        description="Texte libre de 2016",
        report="Rapport de 2016",
        earliest=date(2016, 1, 4),
        deadline=date(2016, 6, 30),
        completed_at=at(2021, 6, 1),
    )
    recent_closed = factory.request(
        status=RequestStatus.CANCELLED, description="Annulée en 2023", cancelled_at=at(2023, 1, 2)
    )
    open_request = factory.request(status=RequestStatus.SUBMITTED, description="Toujours ouverte")
    old_run = AllocationRun(horizon_start=date(2016, 1, 4), horizon_end=date(2016, 3, 1), started_at=at(2016, 1, 1))
    kept_run = AllocationRun(horizon_start=date(2016, 12, 1), horizon_end=date(2017, 3, 1), started_at=at(2016, 12, 1))
    s.add_all([old_run, kept_run])
    s.flush()
    factory.booking(old, expert, date(2016, 5, 2), status=BookingStatus.DELIVERED, allocation_run_id=old_run.id)
    kept_booking = factory.booking(
        old, expert, date(2017, 2, 1), status=BookingStatus.DELIVERED, allocation_run_id=kept_run.id
    )
    rows = {
        "failures": [
            LoginFailure(email="a@x.fr", ip="192.0.2.1", at=at(2026, 7, 10)),
            LoginFailure(email="a@x.fr", ip="192.0.2.1", at=at(2025, 1, 1)),
            LoginFailure(email="a@x.fr", ip="192.0.2.1", at=at(2026, 7, 12)),
        ],
        "notes": [
            Notification(user_id=user.id, kind="k", message="m", created_at=at(2026, 1, 10)),
            Notification(user_id=user.id, kind="k", message="m", created_at=at(2026, 1, 12)),
        ],
        "mails": [
            OutboxMail(recipient="a@x.fr", subject="s", body="b", created_at=at(2026, 1, 10)),
            OutboxMail(recipient="a@x.fr", subject="s", body="b", created_at=at(2026, 1, 12)),
        ],
        "messages": [
            RequestMessage(request_id=old.id, body="Message de 2016", created_at=at(2016, 2, 1)),
            RequestMessage(request_id=recent_closed.id, body="Message de 2022", created_at=at(2022, 12, 1)),
            RequestMessage(request_id=open_request.id, body="Message de 2020", created_at=at(2020, 1, 1)),
        ],
        "audit": [
            AuditLog(at=at(2016, 6, 1), action="old", entity_type="users", entity_id=user.id),
            AuditLog(at=at(2018, 1, 1), action="kept", entity_type="users", entity_id=user.id),
        ],
    }
    for group in rows.values():
        s.add_all(group)
    s.flush()
    kept = {
        LoginFailure: [rows["failures"][2].id],
        Notification: [rows["notes"][1].id],
        OutboxMail: [rows["mails"][1].id],
        RequestMessage: [rows["messages"][1].id, rows["messages"][2].id],
        AuditLog: [rows["audit"][1].id],
        Booking: [kept_booking.id],
        AllocationRun: [kept_run.id],
        User: [user.id, recent_user.id, expert.user_id],
    }
    return Aged(kept=kept, old_request=old, recent_closed=recent_closed, open_request=open_request)


def ids(db, model) -> list[int]:
    return sorted(db.session.scalars(select(model.id)))


@pytest.fixture
def aged(factory):
    return build_aged(factory)


def test_dry_run_counts_and_changes_nothing(db, aged):
    before = {model: ids(db, model) for model in aged.kept}
    assert purge_expired(now=FIXED_NOW, dry_run=True) == EXPECTED
    assert {model: ids(db, model) for model in aged.kept} == before
    assert db.session.scalar(select(func.count()).where(AuditLog.action == "retention.purge")) == 0


def test_purge_removes_exactly_what_expired_and_a_second_run_does_nothing(db, aged, monkeypatch):
    monkeypatch.setattr(retention, "BATCH_SIZE", 1)  # several batches even with few rows
    assert purge_expired(now=FIXED_NOW) == EXPECTED
    for model, kept in aged.kept.items():
        if model is not AuditLog:
            assert ids(db, model) == sorted(kept), model.__name__
    db.session.expire_all()
    old = db.session.get(InterventionRequest, aged.old_request.id)
    assert (old.description, old.report, old.title) == ("", "", "Migration PostgreSQL")
    assert db.session.get(InterventionRequest, aged.recent_closed.id).description == "Annulée en 2023"
    assert db.session.get(InterventionRequest, aged.open_request.id).description == "Toujours ouverte"
    last_logins = dict(db.session.execute(select(User.id, User.last_login_at)).all())
    assert last_logins[aged.kept[User][0]] is None and last_logins[aged.kept[User][1]] == at(2026, 7, 12)
    audit_rows = db.session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [r.action for r in audit_rows] == ["kept", "retention.purge"]
    assert audit_rows[1].after == {"rows": EXPECTED} and audit_rows[1].actor_id is None

    assert purge_expired(now=FIXED_NOW) == dict.fromkeys(EXPECTED, 0)
    assert db.session.scalar(select(func.count()).where(AuditLog.action == "retention.purge")) == 1


def test_the_periods_are_the_settings(db, factory, aged):
    factory.settings(retention_notifications_months=1, retention_sign_in_months=240)
    counts = purge_expired(now=FIXED_NOW, dry_run=True)
    assert counts["notifications"] == 2 and counts["sign_in_failures"] == 0 and counts["last_sign_in"] == 0


def test_the_daily_job_queues_the_purge_once_a_day_and_the_queue_runs_it(app, db, aged, frozen_clock):
    from expertpool.models import Task
    from expertpool.tasks import drain

    jobs.retention_job(app)
    jobs.retention_job(app)
    assert db.session.scalar(select(func.count()).where(Task.kind == "retention.purge")) == 1
    claim = db.session.scalars(select(JobRun).where(JobRun.job == "retention")).one()
    assert claim.run_key == "retention:2027-01-11" and claim.status == "done" and claim.detail == "queued"
    assert drain(now=FIXED_NOW) == 1
    assert db.session.scalar(select(func.count()).where(AuditLog.action == "retention.purge")) == 1
    trigger = {f.name: str(f) for f in jobs.build_scheduler(app).get_job("retention").trigger.fields}
    assert (trigger["hour"], trigger["minute"]) == ("3", "30")


def test_the_command_line_dry_run_and_purge(app, db, aged):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["retention", "purge", "--dry-run"])
    assert result.exit_code == 0 and "dry run: nothing changed" in result.output
    assert "notifications" in result.output
    assert db.session.scalar(select(func.count()).where(AuditLog.action == "retention.purge")) == 0
    result = runner.invoke(args=["retention", "purge"])
    assert result.exit_code == 0 and "retention purge done" in result.output
