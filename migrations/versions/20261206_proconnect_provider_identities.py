"""provider identities and join requests (sign-in with ProConnect / OpenID Connect)

Revision ID: 5c0e1d7a9b21
Revises: 20261206_rgpd
Create Date: 2026-12-06 12:00:00

"""
from alembic import op
import sqlalchemy as sa

import expertpool.models.base


revision = '5c0e1d7a9b21'
down_revision = "20261206_rgpd"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('provider_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', expertpool.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used', expertpool.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_provider_identities_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_identities')),
    sa.UniqueConstraint('issuer', 'subject', name='uq_provider_identities_issuer_subject')
    )
    with op.batch_alter_table('provider_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_identities_user_id'), ['user_id'], unique=False)

    op.create_table('join_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('siret', sa.String(length=14), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', expertpool.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', expertpool.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'approved', 'refused')", name=op.f('ck_join_requests_status_known')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_join_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_join_requests_member_id_members')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_join_requests_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_join_requests'))
    )
    with op.batch_alter_table('join_requests', schema=None) as batch_op:
        batch_op.create_index('ix_join_requests_member_id_status', ['member_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('join_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_join_requests_member_id_status')

    op.drop_table('join_requests')
    with op.batch_alter_table('provider_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_identities_user_id'))

    op.drop_table('provider_identities')
