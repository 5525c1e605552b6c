"""pool setting: weeks before a period ends from which coordinators are warned the next is not open

Revision ID: 20261206guards
Revises: 5c0e1d7a9b21
Create Date: 2026-12-06 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "20261206guards"
down_revision = "5c0e1d7a9b21"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pool_settings") as batch_op:
        batch_op.add_column(sa.Column("next_period_warning_weeks", sa.Integer(), nullable=False, server_default="6"))
        batch_op.create_check_constraint(
            op.f("ck_pool_settings_next_period_warning_weeks_range"), "next_period_warning_weeks BETWEEN 0 AND 52"
        )


def downgrade():
    with op.batch_alter_table("pool_settings") as batch_op:
        batch_op.drop_constraint(op.f("ck_pool_settings_next_period_warning_weeks_range"), type_="check")
        batch_op.drop_column("next_period_warning_weeks")
