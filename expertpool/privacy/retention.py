"""Retention: what expired under the pool's periods (PoolSettings.retention_*_months) is purged or
anonymised, in batches, with one audit row of counts; a dry run only counts.

Run daily through the task queue (the scheduler's `retention_job` queues a `retention.purge` task, whose
handler is `purge_task` below) and by `flask retention purge [--dry-run]`. The purge is idempotent: a
second run finds nothing.

Deleting audit rows older than their period goes through Core statements, like erasure's scrubbing:
the audit log's append-only guard is an ORM event, and retention is the law's own limit on it.
"""

from datetime import datetime

from sqlalchemy import and_, delete, exists, func, or_, select, update

from expertpool import audit
from expertpool.compliance import months_before
from expertpool.extensions import db
from expertpool.models import (
    AllocationRun,
    AuditLog,
    Booking,
    InterventionRequest,
    LoginFailure,
    Notification,
    OutboxMail,
    PoolSettings,
    RequestMessage,
    RequestStatus,
    User,
)
from expertpool.tasks import task_handler
from expertpool.timeutil import today_paris

BATCH_SIZE = 500
# The free texts of a request, emptied once it has been closed for the period.
REQUEST_FREE_TEXTS = (
    "description",
    "address",
    "approval_note",
    "rejection_reason",
    "cancellation_reason",
    "unserved_message",
    "report",
    "rating_comment",
)


def _closed_before(cutoff: datetime):
    closed_at = func.coalesce(
        InterventionRequest.rated_at,
        InterventionRequest.completed_at,
        InterventionRequest.cancelled_at,
        InterventionRequest.decided_at,
        InterventionRequest.updated_at,
    )
    return and_(InterventionRequest.status.in_(RequestStatus.CLOSED), closed_at < cutoff)


def _delete(model, condition, *, dry_run: bool) -> int:
    """Delete the rows matching `condition`, BATCH_SIZE ids at a time (bounded statements)."""
    if dry_run:
        return db.session.scalar(select(func.count()).select_from(model).where(condition)) or 0
    table, total = model.__table__, 0
    while ids := db.session.scalars(select(model.id).where(condition).order_by(model.id).limit(BATCH_SIZE)).all():
        db.session.execute(delete(table).where(table.c.id.in_(ids)))
        total += len(ids)
    return total


def _update(model, condition, values: dict, *, dry_run: bool) -> int:
    """Set `values` on the rows matching `condition` (which must stop matching them), in batches."""
    if dry_run:
        return db.session.scalar(select(func.count()).select_from(model).where(condition)) or 0
    table, total = model.__table__, 0
    while ids := db.session.scalars(select(model.id).where(condition).order_by(model.id).limit(BATCH_SIZE)).all():
        db.session.execute(update(table).where(table.c.id.in_(ids)).values(values))
        total += len(ids)
    return total


def purge_expired(*, now: datetime, dry_run: bool = False) -> dict[str, int]:
    """Purge what expired at `now`; rows per category (what would go, with `dry_run`). Flushes, never commits."""
    settings = PoolSettings.load(db.session)
    sign_in = months_before(now, settings.retention_sign_in_months)
    closed = months_before(now, settings.retention_closed_requests_months)
    records = months_before(now, settings.retention_audit_months)
    closed_requests = select(InterventionRequest.id).where(_closed_before(closed))
    has_free_text = or_(*(getattr(InterventionRequest, name) != "" for name in REQUEST_FREE_TEXTS))
    records_day = today_paris(records)

    counts = {
        "sign_in_failures": _delete(LoginFailure, LoginFailure.at < sign_in, dry_run=dry_run),
        "last_sign_in": _update(User, User.last_login_at < sign_in, {"last_login_at": None}, dry_run=dry_run),
        "notifications": _delete(
            Notification,
            Notification.created_at < months_before(now, settings.retention_notifications_months),
            dry_run=dry_run,
        ),
        "outbox_mails": _delete(
            OutboxMail, OutboxMail.created_at < months_before(now, settings.retention_outbox_months), dry_run=dry_run
        ),
        "closed_request_messages": _delete(
            RequestMessage, RequestMessage.request_id.in_(closed_requests), dry_run=dry_run
        ),
        "closed_request_texts": _update(
            InterventionRequest,
            and_(_closed_before(closed), has_free_text),
            dict.fromkeys(REQUEST_FREE_TEXTS, ""),
            dry_run=dry_run,
        ),
        "audit_log": _delete(AuditLog, AuditLog.at < records, dry_run=dry_run),
        "bookings": _delete(Booking, Booking.date < records_day, dry_run=dry_run),
    }
    # After the bookings: a run still named by a kept booking stays.
    counts["allocation_runs"] = _delete(
        AllocationRun,
        and_(
            AllocationRun.started_at < records,
            ~exists().where(Booking.allocation_run_id == AllocationRun.id, Booking.date >= records_day),
        ),
        dry_run=dry_run,
    )
    if not dry_run and any(counts.values()):
        db.session.expire_all()  # Core statements bypassed the identity map
        audit.record(None, "retention.purge", settings, now=now, after={"rows": counts})
        db.session.flush()
    return counts


@task_handler("retention.purge")
def purge_task(_payload: dict, *, now: datetime) -> None:
    """The daily purge as the task queue runs it (queued by the scheduler's `retention_job`)."""
    purge_expired(now=now)
