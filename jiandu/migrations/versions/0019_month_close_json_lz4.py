"""the month close: its large JSON columns compressed with lz4 on PostgreSQL

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 04:10:00.000000

month_close.facts holds a month's facts as scored (a hundred megabytes at a million complaints),
result and previous_result its figures. PostgreSQL compresses such values with pglz by default:
22 MB of facts took 0.20-0.25 s to store, with lz4 0.05-0.07 s (the close's one INSERT of its row
was a tenth of a 200,000-complaint close). Only values written from now on are compressed with
lz4; those stored before stay readable as they are. A server built without lz4 keeps pglz.
SQLite: nothing to do.
"""

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

COLUMNS = ('facts', 'result', 'previous_result')


def _lz4_available(bind) -> bool:
    return bool(bind.execute(sa.text(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")).scalar())


def _set(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql' or not _lz4_available(bind):
        return
    for column in COLUMNS:
        op.execute(f'ALTER TABLE month_close ALTER COLUMN {column} SET COMPRESSION {method}')


def upgrade() -> None:
    _set('lz4')


def downgrade() -> None:
    _set('default')
