"""Question kind date: a question may ask for a date

Revision ID: dbf9b306b551
Revises: bbbb7f5e766b
Create Date: 2026-12-07 08:46:43.388494

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'dbf9b306b551'
down_revision = 'bbbb7f5e766b'
branch_labels = None
depends_on = None

_BEFORE = (
    'likert', 'smiley', 'single_choice', 'multiple_choice', 'yes_no', 'text_short', 'text_long',
    'number', 'scale',
)
_AFTER = (*_BEFORE, 'date')


def _known_kind(kinds):
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_question_known_kind'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_question_known_kind'),
            "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")",
        )


def upgrade():
    _known_kind(_AFTER)


def downgrade():
    # Date questions (and their answers) cannot be kept in a schema that does not know them.
    op.execute("DELETE FROM question WHERE kind = 'date'")
    _known_kind(_BEFORE)
