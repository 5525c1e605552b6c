"""What-if scenarios

Revision ID: 20261207_whatif17
Revises: 20261207_me15
Create Date: 2026-12-07 09:00:00

"""

import sqlalchemy as sa
from alembic import op

import expertpool.models.base

revision = "20261207_whatif17"
down_revision = "20261207_me15"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("base", sa.String(length=10), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", expertpool.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", expertpool.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("run_at", expertpool.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("base IN ('backlog', 'replay')", name=op.f("ck_scenarios_base_known")),
        sa.CheckConstraint(
            "status IN ('draft', 'queued', 'running', 'done', 'failed')", name=op.f("ck_scenarios_status_known")
        ),
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name=op.f("ck_scenarios_progress_in_range")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_scenarios_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenarios")),
    )


def downgrade():
    op.drop_table("scenarios")
