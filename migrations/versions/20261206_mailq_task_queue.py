"""The one task queue, mail delivery status, notifications as a kind and parameters

Revision ID: 20261206_mailq
Revises: 20261206_engine
Create Date: 2026-12-06 12:40:00

"""

import sqlalchemy as sa
from alembic import op

import expertpool.models.base

revision = "20261206_mailq"
down_revision = "20261206_engine"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", expertpool.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", expertpool.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", expertpool.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'running', 'done', 'failed')", name=op.f("ck_tasks_status_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_status_run_after", ["status", "run_after"], unique=False)

    with op.batch_alter_table("outbox_mails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=40), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("status", sa.String(length=10), nullable=False, server_default="local"))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("sent_at", expertpool.models.base.UTCDateTime(timezone=True), nullable=True))
    # Mails handed to SMTP before the queue existed were sent; the others were only kept here.
    op.execute("UPDATE outbox_mails SET status = 'sent', attempts = 1, sent_at = created_at WHERE sent")
    with op.batch_alter_table("outbox_mails", schema=None) as batch_op:
        batch_op.alter_column("kind", server_default=None)
        batch_op.alter_column("status", server_default=None)
        batch_op.alter_column("attempts", server_default=None)
        batch_op.drop_column("sent")
        batch_op.create_check_constraint("status_known", "status IN ('pending', 'sent', 'failed', 'local')")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("params", sa.JSON(), nullable=True))
        batch_op.alter_column("message", existing_type=sa.Text(), nullable=True)


def downgrade():
    op.execute("UPDATE notifications SET message = kind WHERE message IS NULL")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("message", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("params")

    with op.batch_alter_table("outbox_mails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sent", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE outbox_mails SET sent = (status = 'sent')")
    with op.batch_alter_table("outbox_mails", schema=None) as batch_op:
        batch_op.alter_column("sent", server_default=None)
        batch_op.drop_constraint(op.f("ck_outbox_mails_status_known"), type_="check")
        batch_op.drop_column("sent_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("status")
        batch_op.drop_column("kind")

    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_status_run_after")
    op.drop_table("tasks")
