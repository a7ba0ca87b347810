"""E-mail changes confirmed by the new address's owner

Revision ID: b7e4c2d91a05
Revises: 3f1c2b7a9d10
Create Date: 2026-12-07 00:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e4c2d91a05'
down_revision = '3f1c2b7a9d10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('email_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('new_email', sa.String(length=254), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('expires_at > created_at', name=op.f('ck_email_change_expires_after_creation')),
    sa.CheckConstraint('new_email = lower(new_email)', name=op.f('ck_email_change_lowercased')),
    sa.CheckConstraint('length(token_hash) = 64', name=op.f('ck_email_change_sha256_hex')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_email_change_requested_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_email_change_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_change')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_email_change_token_hash')),
    sa.UniqueConstraint('user_id', name=op.f('uq_email_change_user_id'))
    )


def downgrade():
    op.drop_table('email_change')
