"""the month close: one ledger index (month, person), what a draft's ledger was made from

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 13:00:00.000000

ledger_line had an index on month and one on person_id; every query names the month (a month's
lines, a person's lines of the published months), so one index on (month, person_id) serves
them all and a close maintains one index instead of two (the lines of a new month go at its end).
month_close.ledger_of: the facts digest, policy version and scoring code the draft's ledger
rows were made from; a re-close that would make the same rows keeps them (scoring/close.py).
"""

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ledger_line', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_line_person_id')
        batch_op.drop_index('ix_ledger_line_month')
        batch_op.create_index('ix_ledger_line_month_person', ['month', 'person_id'], unique=False)
    with op.batch_alter_table('month_close', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ledger_of', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('month_close', schema=None) as batch_op:
        batch_op.drop_column('ledger_of')
    with op.batch_alter_table('ledger_line', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_line_month_person')
        batch_op.create_index('ix_ledger_line_month', ['month'], unique=False)
        batch_op.create_index('ix_ledger_line_person_id', ['person_id'], unique=False)
