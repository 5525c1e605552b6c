"""The quote a member accepted when sending a request with a billable part (issue 19).

Revision ID: 20261206_position_quote
Revises: 20261206guards
Create Date: 2026-12-06 13:30:00
"""

import sqlalchemy as sa
from alembic import op

import expertpool.models.base

revision = "20261206_position_quote"
down_revision = "20261206guards"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("intervention_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quote_half_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("quote_unit_price_cents", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("quote_accepted_at", expertpool.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("quote_accepted_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_intervention_requests_quote_accepted_by_id_users"), "users", ["quote_accepted_by_id"], ["id"]
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_intervention_requests_quote_half_days_not_negative"),
            "quote_half_days IS NULL OR quote_half_days >= 0",
        )


def downgrade():
    with op.batch_alter_table("intervention_requests", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_intervention_requests_quote_half_days_not_negative"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_intervention_requests_quote_accepted_by_id_users"), type_="foreignkey")
        batch_op.drop_column("quote_accepted_by_id")
        batch_op.drop_column("quote_accepted_at")
        batch_op.drop_column("quote_unit_price_cents")
        batch_op.drop_column("quote_half_days")
