"""outbox targets without secrets: sent messages keep only their channel's scheme and host

Rows are written with a channel name since this version (notifications/recipients.py); a row
written before held its Apprise URL, passwords and tokens included. Sent rows never need it
again: it is cut to scheme://host/… here. Rows still to be sent keep it until they are sent.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 09:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

outbox = sa.table("outbox_message", sa.column("id", sa.Integer), sa.column("target", sa.Text),
                  sa.column("status", sa.String))


def upgrade() -> None:
    from notifications.channels import redact

    conn = op.get_bind()
    rows = conn.execute(sa.select(outbox.c.id, outbox.c.target)
                        .where(outbox.c.status == "sent", outbox.c.target.like("%://%"))).all()
    for chunk in range(0, len(rows), 1000):
        batch = [{"row_id": i, "redacted": redact(t)} for i, t in rows[chunk:chunk + 1000]]
        conn.execute(outbox.update().where(outbox.c.id == sa.bindparam("row_id"))
                     .values(target=sa.bindparam("redacted")), batch)


def downgrade() -> None:
    pass  # a secret cut away is not put back
