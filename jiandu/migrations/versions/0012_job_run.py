"""job runs: when the clock watch last ran (for /metrics)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:00:00
"""

from alembic import op
import sqlalchemy as sa
import core.db


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_run',
                    sa.Column('name', sa.String(length=40), nullable=False),
                    sa.Column('ran_at', core.db.UTCDateTime(timezone=True), nullable=False),
                    sa.Column('as_of', core.db.UTCDateTime(timezone=True), nullable=False),
                    sa.Column('items', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_run')))


def downgrade() -> None:
    op.drop_table('job_run')
