"""Index the requests' submission time: the dashboard's lead time reads a period's requests (issue 13).

Revision ID: 20261208_dash13
Revises: 20261208_stored13
Create Date: 2026-12-08 18:00:00
"""

from alembic import op

revision = "20261208_dash13"
down_revision = "20261208_stored13"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_intervention_requests_submitted_at", "intervention_requests", ["submitted_at"])


def downgrade():
    op.drop_index("ix_intervention_requests_submitted_at", table_name="intervention_requests")
