"""policy versions saved in the console: the policy in force, the month it applies from, who and when

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 12:30:00.000000
"""

from alembic import op
import sqlalchemy as sa

import core.db


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('policy_version',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('applies_from', sa.String(length=7), nullable=True),
    sa.Column('saved_by', sa.String(length=64), nullable=True),
    sa.Column('saved_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('based_on', sa.String(length=20), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_version'))
    )


def downgrade() -> None:
    op.drop_table('policy_version')
