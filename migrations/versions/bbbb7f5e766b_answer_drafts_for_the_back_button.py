"""Answer drafts for the Back button

Revision ID: bbbb7f5e766b
Revises: 5e7c2d9a1b40
Create Date: 2026-12-07 05:53:07.049382

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bbbb7f5e766b'
down_revision = '5e7c2d9a1b40'
branch_labels = None
depends_on = None


def upgrade():
    # Keyed by a hash of the form token's nonce; WITHOUT ROWID, like the other anonymous tables.
    op.create_table('answer_draft',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.Text(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=True),
    sa.Column('code', sa.String(length=8), nullable=True),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_answer_draft_round_id_survey_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_answer_draft')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('answer_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_draft_created_on'), ['created_on'], unique=False)



def downgrade():
    with op.batch_alter_table('answer_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_draft_created_on'))

    op.drop_table('answer_draft')
