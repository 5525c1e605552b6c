"""RGPD retention periods, legal notice, accessibility statement and security contact settings; users.anonymised_at

Revision ID: 20261206_rgpd
Revises: 20261206_mailq
Create Date: 2026-12-06 12:45:00

"""

import sqlalchemy as sa
from alembic import op

import expertpool.models.base

revision = "20261206_rgpd"
down_revision = "20261206_mailq"
branch_labels = None
depends_on = None

RETENTION = (
    ("retention_sign_in_months", "6"),
    ("retention_notifications_months", "12"),
    ("retention_outbox_months", "12"),
    ("retention_closed_requests_months", "60"),
    ("retention_audit_months", "120"),
)
TEXTS = (
    ("publisher", sa.Text()),
    ("publication_director", sa.String(length=200)),
    ("host", sa.Text()),
    ("dpo_contact", sa.Text()),
    ("security_contact", sa.String(length=254)),
    ("accessibility_audit_method", sa.Text()),
    ("accessibility_exceptions", sa.Text()),
    ("accessibility_contact", sa.String(length=254)),
    ("accessibility_plan_url", sa.String(length=500)),
)


def upgrade():
    with op.batch_alter_table("pool_settings", schema=None) as batch_op:
        for name, default in RETENTION:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default=default))
        for name, type_ in TEXTS:
            batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=""))
        batch_op.add_column(sa.Column("accessibility_rate", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("accessibility_audit_date", sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            "retention_months_range",
            "retention_sign_in_months BETWEEN 1 AND 240 AND retention_notifications_months BETWEEN 1 AND 240 "
            "AND retention_outbox_months BETWEEN 1 AND 240 AND retention_closed_requests_months BETWEEN 1 AND 240 "
            "AND retention_audit_months BETWEEN 1 AND 240",
        )
        batch_op.create_check_constraint(
            "accessibility_rate_range", "accessibility_rate IS NULL OR accessibility_rate BETWEEN 0 AND 100"
        )
    # A plain ADD COLUMN (no table copy): SQLite's batch copy would lose the lower(email) index.
    op.add_column("users", sa.Column("anonymised_at", expertpool.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    # The expression index does not survive SQLite's batch table copy: drop it and build it again.
    op.drop_index("uq_users_email_lower", table_name="users")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("anonymised_at")
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)
    with op.batch_alter_table("pool_settings", schema=None) as batch_op:
        batch_op.drop_constraint("accessibility_rate_range", type_="check")
        batch_op.drop_constraint("retention_months_range", type_="check")
        for name in ("accessibility_audit_date", "accessibility_rate", *(n for n, _t in reversed(TEXTS))):
            batch_op.drop_column(name)
        for name, _default in reversed(RETENTION):
            batch_op.drop_column(name)
