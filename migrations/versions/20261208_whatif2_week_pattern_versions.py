"""Weekly-pattern history of the experts (a replay of the past plans each day on that day's pattern);
the engine's plans kept by problem fingerprint (a scenario reuses its baseline's plan)

Revision ID: 20261208_whatif2
Revises: 20261207_api14
Create Date: 2026-12-08 09:00:00

Seeds one version per existing expert: its current pattern since the day it was created. An expert
no longer active is taken as gone since the day of its last `expert.deactivate` audit row (the day
before is its last day in the pool); one deactivated with no such row gets no version (it took part in
no replay before this revision either). Earlier pattern changes are not reconstructed.
"""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import expertpool.models.base

revision = "20261208_whatif2"
down_revision = "20261207_api14"
branch_labels = None
depends_on = None


def _day(value) -> date:
    if isinstance(value, str):  # SQLite hands back text
        value = datetime.fromisoformat(value)
    return value.date() if isinstance(value, datetime) else value


def upgrade():
    versions = op.create_table(
        "week_pattern_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("week_mask", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until >= valid_from", name=op.f("ck_week_pattern_versions_dates_ordered")
        ),
        sa.CheckConstraint(
            "week_mask >= 0 AND week_mask < 16384", name=op.f("ck_week_pattern_versions_week_mask_range")
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["experts.id"],
            name=op.f("fk_week_pattern_versions_expert_id_experts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_week_pattern_versions")),
    )
    op.create_index(
        op.f("ix_week_pattern_versions_expert_id"), "week_pattern_versions", ["expert_id"], unique=False
    )
    op.create_table(
        "plan_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("created_at", expertpool.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_cache")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_plan_cache_fingerprint")),
    )
    bind = op.get_bind()
    left = dict(
        bind.execute(
            sa.text(
                "SELECT entity_id, MAX(at) FROM audit_log "
                "WHERE action = 'expert.deactivate' AND entity_type = 'experts' GROUP BY entity_id"
            )
        ).all()
    )
    rows = []
    for expert_id, mask, active, created_at in bind.execute(
        sa.text("SELECT id, week_mask, active, created_at FROM experts ORDER BY id")
    ):
        since = _day(created_at)
        until = None
        if not active:
            if expert_id not in left:
                continue
            until = _day(left[expert_id]) - timedelta(days=1)
            if until < since:
                continue
        rows.append({"expert_id": expert_id, "week_mask": mask, "valid_from": since, "valid_until": until})
    if rows:
        op.bulk_insert(versions, rows)


def downgrade():
    op.drop_table("plan_cache")
    op.drop_index(op.f("ix_week_pattern_versions_expert_id"), table_name="week_pattern_versions")
    op.drop_table("week_pattern_versions")
