"""unserved reason parameters: the engine's reason code is stored with its facts, the page writes the sentence

Revision ID: 20261206_engine
Revises: 11a6d695e229
Create Date: 2026-12-06 12:00:00

Rows written before keep their French `unserved_message` and a NULL `unserved_params`: pages show the
stored text for them.
"""

import sqlalchemy as sa
from alembic import op

revision = "20261206_engine"
down_revision = "11a6d695e229"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("intervention_requests") as batch_op:
        batch_op.add_column(sa.Column("unserved_params", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("intervention_requests") as batch_op:
        batch_op.drop_column("unserved_params")
