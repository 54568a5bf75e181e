"""Who is asking: the signed session (pages), bearer tokens (API), CSRF on every form.

Roles are read from the directory at every request, never kept in the cookie: a person who
leaves the directory loses access at once.
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from sqlalchemy import bindparam, select

from core.errors import Forbidden
from core.glossary import ROLES
from core.ladder import TEAM_ROLES
from core.org import Person, rung_of_roles, with_units_headed
from core.private import private_dir

ROLE_LABELS = ROLES  # the glossary's words (core/glossary.py)


class NotLoggedIn(Exception):
    """A page for staff, asked without a session: pages redirect to the login, the API says 401."""


@dataclass(frozen=True)
class Staff:
    id: str
    name: str
    roles: frozenset[str]
    rung: int
    heads: frozenset[str]

    @property
    def is_team(self) -> bool:
        return bool(self.roles & TEAM_ROLES)  # who may open the console

    @property
    def is_office(self) -> bool:
        return "president_office" in self.roles


_STAFF = with_units_headed("id", "name", "roles").where(Person.__table__.c.active)
_STAFF_BY_ID = _STAFF.where(Person.__table__.c.id == bindparam("id"))


def _staff_from(rows) -> Staff | None:
    if not rows:
        return None
    pid, name, roles, _ = rows[0]
    return Staff(id=pid, name=name, roles=frozenset(roles or []), rung=rung_of_roles(roles),
                 heads=frozenset(row.head_of for row in rows if row.head_of is not None))


def staff_of(db, person_id: str | None) -> Staff | None:
    """The person as the console knows him, read in one statement; None if not (or no more) active."""
    if not person_id:
        return None
    with db.core_reading() as conn:
        return _staff_from(conn.execute(_STAFF_BY_ID, {"id": person_id}).all())


def staff_for_token(db, token: str) -> Staff | None:
    """The person an API token acts as (not revoked, the person active), in one statement."""
    from core.accounts import ApiToken, token_digest

    t = ApiToken.__table__
    owner = select(t.c.person_id).where(t.c.token_sha256 == token_digest(token), t.c.revoked.is_(False))
    statement = _STAFF.where(Person.__table__.c.id == owner.scalar_subquery())
    with db.core_reading() as conn:
        return _staff_from(conn.execute(statement).all())


_UNSET = object()


def current_staff(request: Request) -> Staff | None:
    """The logged-in person, read once per request (API routes set it from the bearer token)."""
    staff = getattr(request.state, "staff", _UNSET)
    if staff is _UNSET:
        person = request.session.get("person") if "session" in request.scope else None
        if person and not _session_valid(request, person):
            request.session.clear()
            person = None
        staff = request.state.staff = staff_of(request.app.state.runtime.db, person)
    return staff


SESSION_SECONDS = 12 * 3600


def start_session(request: Request, person: str) -> None:
    """A new session at login (no fixation), stamped with the account's epoch and the time."""
    from core.accounts import AccountService

    request.session.clear()
    request.session.update(person=person, epoch=AccountService(request.app.state.runtime.db).session_epoch(person),
                           issued=int(time.time()))


def _session_valid(request: Request, person: str) -> bool:
    """Ended by logout or a new password (the epoch moved on), or older than 12 hours in all."""
    from core.accounts import AccountService

    if int(time.time()) - int(request.session.get("issued") or 0) > SESSION_SECONDS:
        return False
    return AccountService(request.app.state.runtime.db).session_epoch(person) == request.session.get("epoch")


def require_staff(request: Request) -> Staff:
    staff = current_staff(request)
    if staff is None:
        raise NotLoggedIn()
    return staff


def require_team(request: Request) -> Staff:
    staff = require_staff(request)
    if not staff.is_team:
        raise Forbidden("仅监督小组成员可用 / only the supervision team may open the console")
    return staff


# ---- CSRF: a per-session secret in a hidden field of every form ---------------------------

def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_valid(request: Request, form) -> bool:
    """The form carries the session's token (an expired session has none: no form passes)."""
    sent = form.get("csrf") or request.headers.get("x-csrf-token") or ""
    token = request.session.get("csrf") or ""
    return bool(token) and hmac.compare_digest(str(sent), token)


async def check_csrf(request: Request) -> None:
    """Every POST from a page carries the session's token; a forged form has none."""
    if not csrf_valid(request, await request.form()):
        raise Forbidden("表单已过期或来源无效，请刷新后重试 / the form expired or did not come from this site: "
                        "reload and try again")


# ---- the signing key -------------------------------------------------------------------------

def secret_key(settings) -> str:
    """JIANDU_SECRET_KEY, else one made once under var/ (created owner-only, never overwritten:
    two processes starting together read the same key)."""
    if settings.secret_key:
        return settings.secret_key
    path = (Path("var") / "secret_key").resolve()
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    for _ in range(50):  # the other process may still be writing it
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.01)
    raise RuntimeError(f"{path}: empty secret key file")
