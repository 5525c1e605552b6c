"""EPCI envelopes under the EPCI's control (issue 19): a cap per commune and period, the EPCI's choice to
approve draws, and its decision on each request's draw.

Revision ID: 20261207_epci19
Revises: 20261207_whatif17
Create Date: 2026-12-07 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import expertpool.models.base

revision = "20261207_epci19"
down_revision = "20261207_whatif17"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "envelope_draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("cap_half_days", sa.Integer(), nullable=True),
        sa.Column("first_drawn_at", expertpool.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("cap_half_days IS NULL OR cap_half_days >= 0", name=op.f("ck_envelope_draws_cap_not_negative")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_envelope_draws_member_id_members")),
        sa.ForeignKeyConstraint(
            ["period_id"], ["quota_periods.id"], name=op.f("fk_envelope_draws_period_id_quota_periods"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_envelope_draws")),
        sa.UniqueConstraint("period_id", "member_id", name="uq_envelope_draws_period_member"),
    )
    with op.batch_alter_table("envelope_draws", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_envelope_draws_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_envelope_draws_period_id"), ["period_id"], unique=False)

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("envelope_draws_need_approval", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("intervention_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("envelope_review", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("envelope_review_reason", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("envelope_reviewed_at", expertpool.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("envelope_reviewed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_intervention_requests_envelope_reviewed_by_id_users"),
            "users",
            ["envelope_reviewed_by_id"],
            ["id"],
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_intervention_requests_envelope_review_known"),
            "envelope_review IS NULL OR envelope_review IN ('pending', 'approved', 'refused')",
        )


def downgrade():
    with op.batch_alter_table("intervention_requests", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_intervention_requests_envelope_review_known"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_intervention_requests_envelope_reviewed_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("envelope_reviewed_by_id")
        batch_op.drop_column("envelope_reviewed_at")
        batch_op.drop_column("envelope_review_reason")
        batch_op.drop_column("envelope_review")

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("envelope_draws_need_approval")

    with op.batch_alter_table("envelope_draws", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_envelope_draws_period_id"))
        batch_op.drop_index(batch_op.f("ix_envelope_draws_member_id"))

    op.drop_table("envelope_draws")
