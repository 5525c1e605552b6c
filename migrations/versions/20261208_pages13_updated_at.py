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
    # Existing rows are dated by the migration (a feed fetched after it answers 200 once). The server default
    # fills them in one statement on both databases (plain add_column: no batch copy of the tables); the
    # app always writes the column itself (default and onupdate of the models).
    for table in TABLES:
        op.add_column(
            table,
            sa.Column(
                "updated_at",
                expertpool.models.base.UTCDateTime(timezone=True),
                nullable=False,
                server_default=sa.text("CURRENT_TIMESTAMP"),
            ),
        )


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("updated_at")
