"""Members and experts keep the moment of their last change, for the calendar feeds' Last-Modified (issue 13).

Revision ID: 20261208_pages13
Revises: 20261208_whatif2
Create Date: 2026-12-08 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import expertpool.models.base

revision = "20261208_pages13"
down_revision = "20261208_whatif2"
branch_labels = None
depends_on = None

TABLES = ("members", "experts")


def upgrade():
    # Existing rows are dated by the migration (a feed fetched after it answers 200 once). SQLite refuses to
    # add a column whose default is not a constant (CURRENT_TIMESTAMP), so the column comes with a constant
    # default and one UPDATE dates the rows, on both databases (plain add_column: no batch copy of the
    # tables). The app always writes the column itself (default and onupdate of the models).
    for table in TABLES:
        op.add_column(
            table,
            sa.Column(
                "updated_at",
                expertpool.models.base.UTCDateTime(timezone=True),
                nullable=False,
                server_default=sa.text("'2000-01-01 00:00:00'"),
            ),
        )
        op.execute(sa.text(f"UPDATE {table} SET updated_at = CURRENT_TIMESTAMP"))  # noqa: S608 - a fixed name


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("updated_at")
