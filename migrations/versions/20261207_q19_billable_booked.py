"""Billable half-days booked per request, against its accepted quote (issue 19, rule 8).

Revision ID: 20261207_q19
Revises: 20261207_epci19
Create Date: 2026-12-06 15:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_q19"
down_revision = "20261207_epci19"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("intervention_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("billable_booked_half_days", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("intervention_requests", schema=None) as batch_op:
        batch_op.drop_column("billable_booked_half_days")
