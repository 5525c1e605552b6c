"""Operational records: allocation runs, the audit log, notifications, the mail outbox, job runs."""

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expertpool.models.base import Base
from expertpool.models.enums import MailStatus, RunMode, TaskStatus, sql_in
from expertpool.timeutil import now_utc


class AllocationRun(Base):
    __tablename__ = "allocation_runs"
    __table_args__ = (CheckConstraint(f"mode IN {sql_in(RunMode)}", name="mode_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mode: Mapped[str] = mapped_column(String(10), default=RunMode.PREVIEW)
    status: Mapped[str] = mapped_column(String(20), default="running")  # running, done, failed
    triggered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the scheduler job
    horizon_start: Mapped[date] = mapped_column(Date)
    horizon_end: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(default=now_utc)
    finished_at: Mapped[datetime | None]
    booked_half_days: Mapped[int] = mapped_column(default=0)
    unserved_half_days: Mapped[int] = mapped_column(default=0)
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    # The plan in the exchange format, kept for previews and for "who got what and why".
    plan: Mapped[dict] = mapped_column(JSON, default=dict)

    triggered_by: Mapped["User | None"] = relationship()  # noqa: F821


class AuditLog(Base):
    """Append-only: one row per state change, written in the same transaction as the change."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity", "entity_type", "entity_id"),
        Index("ix_audit_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=now_utc)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: system / scheduler
    action: Mapped[str] = mapped_column(String(60), index=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("experts.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("intervention_requests.id"), index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    # The API token the change was made with (None: a page, a job or a command).
    api_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))

    actor: Mapped["User | None"] = relationship()  # noqa: F821


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(AuditLog, "before_update")
@event.listens_for(AuditLog, "before_delete")
def _refuse_audit_change(_mapper, _connection, target):
    raise AuditLogIsAppendOnly(f"audit row {target.id} cannot be changed or deleted")


class Notification(Base):
    """A kind and its parameters, put in words when read (in the reader's language of the moment)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict | None] = mapped_column(JSON)
    # The French sentence of rows written before kinds had parameters; shown as is when `params` is None.
    message: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    read_at: Mapped[datetime | None]


class OutboxMail(Base):
    """Every mail the app sends, with its delivery status (a `mail.send` task hands it to SMTP)."""

    __tablename__ = "outbox_mails"
    __table_args__ = (CheckConstraint(f"status IN {sql_in(MailStatus)}", name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    kind: Mapped[str] = mapped_column(String(40), default="")  # the template it was written from
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    status: Mapped[str] = mapped_column(String(10), default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(Text, default="")  # the last delivery error


class Task(Base):
    """The one task queue: written in the caller's transaction, drained by the scheduler process."""

    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_in(TaskStatus)}", name="status_known"),
        Index("ix_tasks_status_run_after", "status", "run_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default=TaskStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    # When a pending task is due; while running, the end of the drainer's lease (a drainer that died
    # leaves the task running, and another drainer takes it again once the lease is over).
    run_after: Mapped[datetime] = mapped_column(default=now_utc)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    finished_at: Mapped[datetime | None]


class JobRun(Base):
    """A unique run key per job occurrence: two processes cannot run the same occurrence."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_key: Mapped[str] = mapped_column(String(120), unique=True)
    job: Mapped[str] = mapped_column(String(60))
    started_at: Mapped[datetime] = mapped_column(default=now_utc)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")
    detail: Mapped[str] = mapped_column(Text, default="")


class LoginFailure(Base):
    """Failed logins, counted per account and per address to throttle guessing (shared by all workers)."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_email_at", "email", "at"), Index("ix_login_failures_ip_at", "ip", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=now_utc)
