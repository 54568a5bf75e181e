"""the month close: a digest of each person's lines in a draft's ledger

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 02:00:00.000000

ledger_person: per month and person, a digest of that person's ledger_line rows in the draft.
A re-close after a change rewrites the lines of only the people whose digest changed instead of
every line of the month (scoring/close.py). A draft from before this table has no digests: its
next close writes the whole ledger, as before, and the digests with it.
"""

from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ledger_person',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('digest', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('month', 'person_id', name=op.f('pk_ledger_person'))
    )


def downgrade() -> None:
    op.drop_table('ledger_person')
