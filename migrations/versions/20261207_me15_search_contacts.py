"""Folded search columns for the forgiving search, the expert's work phone and shown contact, a request's
preferred half-days, and the pool's instant booking setting (issue 15).

Revision ID: 20261207_me15
Revises: 20261206_position_quote
Create Date: 2026-12-07 09:00:00
"""

import sqlalchemy as sa
from alembic import op

from expertpool.text_search import fold

revision = "20261207_me15"
down_revision = "20261206_position_quote"
branch_labels = None
depends_on = None

SEARCH_COLUMNS = {
    "experts": ("search_name", "search_profile", "search_bio"),
    "members": ("search_name",),
    "users": ("search_name",),
}


def _backfill(conn) -> None:
    """Fold what the rows hold today; from now on models/search_columns.py keeps the columns at each flush."""
    for member_id, name in conn.execute(sa.text("SELECT id, name FROM members")):
        conn.execute(sa.text("UPDATE members SET search_name = :s WHERE id = :i"), {"s": fold(name), "i": member_id})
    for user_id, name in conn.execute(sa.text("SELECT id, name FROM users")):
        conn.execute(sa.text("UPDATE users SET search_name = :s WHERE id = :i"), {"s": fold(name), "i": user_id})
    roles: dict[int, list[str]] = {}
    for expert_id, code, label, description in conn.execute(
        sa.text(
            "SELECT er.expert_id, r.code, r.label, r.description FROM expert_roles er JOIN roles r ON r.id = er.role_id"
        )
    ):
        roles.setdefault(expert_id, []).append(f"{code} {label} {description}")
    for expert_id, skill in conn.execute(
        sa.text("SELECT es.expert_id, s.name FROM expert_skills es JOIN skills s ON s.id = es.skill_id")
    ):
        roles.setdefault(expert_id, []).append(skill)
    for expert_id, name, bio in conn.execute(sa.text("SELECT id, display_name, bio FROM experts")):
        conn.execute(
            sa.text("UPDATE experts SET search_name = :n, search_profile = :p, search_bio = :b WHERE id = :i"),
            {"n": fold(name), "p": fold(*roles.get(expert_id, [])), "b": fold(bio), "i": expert_id},
        )


def upgrade():
    # Plain ADD COLUMN (no table copy), so that SQLite keeps the users' expression index on lower(email).
    for table, columns in SEARCH_COLUMNS.items():
        for column in columns:
            op.add_column(table, sa.Column(column, sa.String(length=2000), nullable=False, server_default=""))
    op.add_column("experts", sa.Column("work_phone", sa.String(length=40), nullable=False, server_default=""))
    op.add_column("experts", sa.Column("contact_shown", sa.String(length=10), nullable=False, server_default="email"))
    with op.batch_alter_table("experts", schema=None) as batch_op:
        batch_op.create_check_constraint(
            batch_op.f("ck_experts_contact_shown_known"), "contact_shown IN ('email', 'phone', 'both')"
        )
    _backfill(op.get_bind())
    op.add_column(
        "pool_settings", sa.Column("instant_booking_max_half_days", sa.Integer(), nullable=False, server_default="0")
    )
    with op.batch_alter_table("pool_settings", schema=None) as batch_op:
        batch_op.create_check_constraint(
            batch_op.f("ck_pool_settings_instant_booking_not_negative"), "instant_booking_max_half_days >= 0"
        )
    op.create_table(
        "preferred_half_days",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("half", sa.String(length=2), nullable=False),
        sa.CheckConstraint("half IN ('am', 'pm')", name=op.f("ck_preferred_half_days_half_known")),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["intervention_requests.id"],
            name=op.f("fk_preferred_half_days_request_id_intervention_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", "date", "half", name=op.f("pk_preferred_half_days")),
    )


def downgrade():
    op.drop_table("preferred_half_days")
    with op.batch_alter_table("pool_settings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_pool_settings_instant_booking_not_negative"), type_="check")
        batch_op.drop_column("instant_booking_max_half_days")
    with op.batch_alter_table("experts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_experts_contact_shown_known"), type_="check")
        batch_op.drop_column("contact_shown")
        batch_op.drop_column("work_phone")
    # The expression index does not survive SQLite's batch table copy: drop it and build it again.
    op.drop_index("uq_users_email_lower", table_name="users")
    for table, columns in SEARCH_COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_column(column)
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)
