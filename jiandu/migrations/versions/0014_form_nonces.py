"""form nonces: the public forms act once

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 09:10:00.000000
"""

from alembic import op
import sqlalchemy as sa
import core.db


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('form_nonce',
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_form_nonce_complaint_id_complaint')),
    sa.PrimaryKeyConstraint('purpose', 'nonce', name=op.f('pk_form_nonce'))
    )
    with op.batch_alter_table('form_nonce', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_nonce_complaint_id'), ['complaint_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('form_nonce', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_nonce_complaint_id'))
    op.drop_table('form_nonce')
