"""Stored drawing-right positions, kept by expertpool.position_store in the writing transaction (issue 13).

Revision ID: 20261208_stored13
Revises: 20261208_pages13
Create Date: 2026-12-08 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "20261208_stored13"
down_revision = "20261208_pages13"
branch_labels = None
depends_on = None

FIGURES = (
    "entitled",
    "carried_over",
    "adjusted",
    *(
        f"{layer}_{part}"
        for layer in ("delivered", "planned", "approved", "requested")
        for part in ("own", "envelope", "over")
    ),
    "envelope_available",
)


def upgrade():
    op.create_table(
        "stored_positions",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in FIGURES),
        sa.Column("has_envelope", sa.Boolean(), nullable=False),
        sa.Column("envelope_after_booked", sa.Integer(), nullable=False),
        sa.Column("envelope_cap", sa.Integer(), nullable=True),
        sa.Column("envelope_pool_after_booked", sa.Integer(), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("total", "planned", "delivered", "remaining", "used")
        ),
        sa.Column("level", sa.Float(), nullable=True),
        sa.Column("over_quota", sa.Integer(), nullable=False),
        sa.Column("is_over_quota", sa.Boolean(), nullable=False),
        sa.Column("billable", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_stored_positions_member_id_members"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["quota_periods.id"],
            name=op.f("fk_stored_positions_period_id_quota_periods"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", "period_id", "kind", name=op.f("pk_stored_positions")),
    )
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM members LIMIT 1")).first() is not None:
        # A database with members: its positions, computed by quotas.positions() as every write will.
        from sqlalchemy.orm import Session

        from expertpool import position_store

        session = Session(bind=bind)
        position_store.rebuild(session)
        session.flush()
        session.close()


def downgrade():
    op.drop_table("stored_positions")
