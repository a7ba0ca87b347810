"""Results snapshot: a response waits until a publication counts it; a round remembers the
date its results were last published.

Responses stored before this revision were already counted in the tallies, so they are
published; rounds that have responses get today's date as their publication date.

Revision ID: 48fbd3226c6c
Revises: b7e4c2d91a05
Create Date: 2026-12-07 02:10:57.504295

"""
from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '48fbd3226c6c'
down_revision = 'b7e4c2d91a05'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch copy): the response table is WITHOUT ROWID on SQLite, and a
    # batch copy would not keep that.
    op.add_column(
        'response',
        sa.Column('published', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    )
    op.add_column('survey_round', sa.Column('results_published_on', sa.Date(), nullable=True))
    op.execute(sa.text('UPDATE response SET published = true'))
    op.execute(
        sa.text(
            'UPDATE survey_round SET results_published_on = :today'
            ' WHERE id IN (SELECT round_id FROM response)'
        ).bindparams(sa.bindparam('today', date.today(), type_=sa.Date()))
    )


def downgrade():
    op.drop_column('survey_round', 'results_published_on')
    op.drop_column('response', 'published')
