"""One-time nonces of the public forms: the database's key, not the browser's cookie, makes a
doubled post act once (two concurrent posts carry the same cookie and neither sees the other).

Each page shows a new nonce in its form; the action takes it inside its own transaction. The
second taker hits the primary key (on PostgreSQL it waits for the first to commit), its
transaction is rolled back whole, and it answers what the first one did.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from states.models import FormNonce

INTAKE, ESCALATE = "intake", "escalate"
_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


class AlreadyDone(Exception):
    """This form was acted on before: its nonce is taken."""


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def checked_nonce(nonce: str | None) -> str | None:
    """None for a form without one (nothing to guard); a malformed one is refused by name."""
    if not nonce:
        return None
    if not _SHAPE.fullmatch(nonce):
        raise InvalidInput("nonce: not this site's form 表单无效，请刷新页面后重新提交")
    return nonce


def take_nonce(s: Session, purpose: str, nonce: str, complaint_id: int, at: datetime) -> None:
    """Inside the caller's transaction; AlreadyDone when another post took it first."""
    s.add(FormNonce(purpose=purpose, nonce=nonce, complaint_id=complaint_id, at=at))
    try:
        s.flush()
    except IntegrityError:
        raise AlreadyDone() from None


def complaint_of(s: Session, purpose: str, nonce: str) -> int | None:
    return s.scalar(select(FormNonce.complaint_id).where(FormNonce.purpose == purpose, FormNonce.nonce == nonce))
