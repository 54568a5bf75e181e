"""organisation history: who loaded, what changed per item

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 12:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('org_change',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('load_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['load_id'], ['org_load.id'], name=op.f('fk_org_change_load_id_org_load')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_change'))
    )
    with op.batch_alter_table('org_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_change_load_id'), ['load_id'], unique=False)
    with op.batch_alter_table('org_load', schema=None) as batch_op:
        batch_op.add_column(sa.Column('by_id', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('org_load', schema=None) as batch_op:
        batch_op.drop_column('by_id')
    with op.batch_alter_table('org_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_change_load_id'))
    op.drop_table('org_change')
