"""Staff accounts: argon2 password hashes, failed-login throttling and API bearer tokens.

A person of the directory logs in with his id; roles are never stored here, they come from
the directory at every request. Plain service: one transaction per use, no web framework.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, Database, UTCDateTime
from core.errors import Forbidden, InvalidInput
from core.org import Person, active_person
from core.settings import ARGON2_PROFILES
from core.timeutil import utcnow

MIN_PASSWORD = 8


class Account(Base):
    __tablename__ = "account"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(Text)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Sessions carry the epoch they began in; logging out or a new password bumps it, and every
    # session of the account ends at once (a copied cookie included).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ApiToken(Base):
    """A bearer token for an integration, acting as one person; only its SHA-256 is kept."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


@dataclass(frozen=True)
class Throttle:
    """After ``max_failures`` wrong passwords in a row the account waits ``lock_seconds``."""

    max_failures: int = 5
    lock_seconds: int = 300


class PasswordHashing:
    """argon2 at one named profile (JIANDU_ARGON2_PROFILE; tests run at CHEAPEST). A check of a
    missing account verifies a dummy hash of the same profile: every path costs one verify."""

    def __init__(self, profile: str = ARGON2_PROFILES[0]):
        from argon2 import PasswordHasher, profiles  # imported by the commands that hash only

        if profile not in ARGON2_PROFILES:
            raise InvalidInput(f"JIANDU_ARGON2_PROFILE: '{profile}' is not one of {', '.join(ARGON2_PROFILES)}")
        self.profile = profile
        self._hasher = PasswordHasher.from_parameters(getattr(profiles, profile))
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, hashed: str, password: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return self._hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False

    def verify_dummy(self, password: str) -> None:
        """The cost of a real check, for an id without an account (no timing difference)."""
        if self._dummy is None:
            self._dummy = self.hash("not-a-password")
        self.verify(self._dummy, password)


@cache
def hashing_for(profile: str = ARGON2_PROFILES[0]) -> PasswordHashing:
    """One per profile and process: the dummy hash is made once."""
    return PasswordHashing(profile)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountService:
    def __init__(self, db: Database, throttle: Throttle = Throttle(), now=utcnow,
                 hashing: PasswordHashing | None = None):
        self.db, self.throttle, self.now = db, throttle, now
        self._hashing = hashing

    @property
    def hashing(self) -> PasswordHashing:
        """Built on first use: reading sessions and tokens never imports argon2."""
        if self._hashing is None:
            self._hashing = hashing_for()
        return self._hashing

    def set_password(self, person_id: str, password: str) -> None:
        if len(password) < MIN_PASSWORD:
            raise InvalidInput(f"password: at least {MIN_PASSWORD} characters 密码至少 {MIN_PASSWORD} 位")
        hashed = self.hashing.hash(password)
        with self.db.transaction() as s:
            active_person(s, person_id, "PERSON")
            acc = s.get(Account, person_id)
            if acc is None:
                acc = Account(person_id=person_id)
                s.add(acc)
            acc.password_hash, acc.failed_logins, acc.locked_until = hashed, 0, None
            acc.changed_at = self.now()
            acc.session_epoch = (acc.session_epoch or 0) + 1  # a new password ends every session

    def set_demo_passwords(self, person_ids: list[str], password: str) -> None:
        """Demo mode: one hash (argon2 is slow on purpose), one transaction, for every id given."""
        if not person_ids:
            return
        hashed, now = self.hashing.hash(password), self.now()
        with self.db.transaction() as s:
            s.add_all(Account(person_id=pid, password_hash=hashed, failed_logins=0, changed_at=now, session_epoch=0)
                      for pid in person_ids)

    def has_password(self, person_id: str) -> bool:
        with self.db.reading() as s:
            return s.get(Account, person_id) is not None

    def login(self, person_id: str, password: str) -> str:
        """The person's id when the password is right; otherwise Forbidden, counted and throttled.

        One answer for an unknown id, a wrong password and a locked account, and the same argon2
        work for each: neither the words nor the time tell which ids exist.
        """
        wrong = Forbidden(f"用户名或密码错误（连续错 {self.throttle.max_failures} 次锁定 "
                          f"{self.throttle.lock_seconds // 60} 分钟）/ wrong user or password "
                          f"({self.throttle.max_failures} wrong tries lock the account for "
                          f"{self.throttle.lock_seconds // 60} minutes)")
        if not person_id or len(person_id) > 64 or any(ord(ch) < 32 for ch in person_id + password):
            self.hashing.verify_dummy(password)
            raise wrong
        now = self.now()
        with self.db.reading() as s:
            acc = s.get(Account, person_id)
            person = s.get(Person, person_id)
            usable = acc is not None and person is not None and person.active
            locked = usable and acc.locked_until is not None and acc.locked_until > now
            hashed = acc.password_hash if usable else None
        if not usable:
            self.hashing.verify_dummy(password)
            raise wrong
        right = self.hashing.verify(hashed, password)  # a locked account pays the check too
        if locked:
            raise wrong
        if not right:
            self._count_failure(person_id, now)
            raise wrong
        with self.db.transaction() as s:
            s.execute(update(Account).where(Account.person_id == person_id)
                      .values(failed_logins=0, locked_until=None))
        return person_id

    def _count_failure(self, person_id: str, now: datetime) -> None:
        """One atomic increment: parallel guesses cannot overwrite each other's count."""
        with self.db.transaction() as s:
            count = s.execute(update(Account).where(Account.person_id == person_id)
                              .values(failed_logins=Account.failed_logins + 1)
                              .returning(Account.failed_logins)).scalar()
            if count is not None and count >= self.throttle.max_failures:
                s.execute(update(Account).where(Account.person_id == person_id)
                          .values(failed_logins=0, locked_until=now + timedelta(seconds=self.throttle.lock_seconds)))

    def end_sessions(self, person_id: str) -> None:
        """Logout: every session of this account ends (they carry the old epoch)."""
        with self.db.transaction() as s:
            s.execute(update(Account).where(Account.person_id == person_id)
                      .values(session_epoch=Account.session_epoch + 1))

    def session_epoch(self, person_id: str) -> int | None:
        with self.db.reading() as s:
            return s.scalar(select(Account.session_epoch).where(Account.person_id == person_id))


    # ---- API tokens ------------------------------------------------------------------------

    def issue_token(self, person_id: str, label: str) -> str:
        token = secrets.token_urlsafe(32)  # 256 bits
        if len(label) > 200:  # api_token.label is String(200)
            raise InvalidInput("--label: longer than 200 characters 超过200个字符")
        with self.db.transaction() as s:
            active_person(s, person_id, "PERSON")
            s.add(ApiToken(person_id=person_id, token_sha256=token_digest(token), label=label or person_id,
                           created_at=self.now()))
        return token

    def revoke_tokens(self, person_id: str) -> int:
        with self.db.transaction() as s:
            rows = list(s.scalars(select(ApiToken).where(ApiToken.person_id == person_id,
                                                         ApiToken.revoked.is_(False))))
            for row in rows:
                row.revoked = True
            return len(rows)
