"""What-if scenarios: a named copy of the pool's allocation problem with changes, run in memory."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from expertpool.models.base import Base
from expertpool.timeutil import now_utc

SCENARIO_BASES = ("backlog", "replay")  # the current backlog, or the last 12 months replayed
SCENARIO_STATUSES = ("draft", "queued", "running", "done", "failed")


class Scenario(Base):
    """A coordinator's "what if": a base, changes (JSON), and once run its figures (JSON).

    It never points at a booking, a quota or a request: running it reads them and writes only here."""

    __tablename__ = "scenarios"
    __table_args__ = (
        CheckConstraint("base IN ('backlog', 'replay')", name="base_known"),
        CheckConstraint("status IN ('draft', 'queued', 'running', 'done', 'failed')", name="status_known"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    base: Mapped[str] = mapped_column(String(10), default="backlog")
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    progress: Mapped[int] = mapped_column(default=0)  # percent, shown on the page while it runs
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc)
    run_at: Mapped[datetime | None]


class PlanCache(Base):
    """The engine's plan for one exact problem, kept so that the next scenario on the same data reuses
    its baseline instead of solving it again. `fingerprint` hashes everything the plan depends on: the
    problem in the exchange format, the solving method and the engine's code. Plain derived data: it
    may be emptied at any time, and a scenario never reads a plan of another problem."""

    __tablename__ = "plan_cache"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    plan: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
