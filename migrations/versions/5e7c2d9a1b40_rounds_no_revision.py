"""Rounds: no revision (the workers' copies of questionnaires are gone)

Revision ID: 5e7c2d9a1b40
Revises: 143783e0c09b
Create Date: 2026-12-07 05:55:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5e7c2d9a1b40"
down_revision = "143783e0c09b"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ALTER TABLE ... DROP COLUMN (SQLite has it since 3.35), as 48fbd3226c6c does:
    # no batch copy of the table that pages, questions and responses refer to.
    op.drop_column("survey_round", "revision")


def downgrade():
    op.add_column(
        "survey_round",
        sa.Column("revision", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
