"""API personal access tokens, and the token an audit row was written with (issue 14).

Revision ID: 20261207_api14
Revises: 20261206_position_quote
Create Date: 2026-12-07 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import expertpool.models.base

revision = "20261207_api14"
down_revision = "20261206_position_quote"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", expertpool.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", expertpool.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", expertpool.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", expertpool.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_token_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_log_api_token_id_api_tokens"), "api_tokens", ["api_token_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_audit_log_api_token_id_api_tokens"), type_="foreignkey")
        batch_op.drop_column("api_token_id")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))
    op.drop_table("api_tokens")
