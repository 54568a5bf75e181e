"""One Settings object, read from the environment (prefix ``JIANDU_``).

Built in the entry points, never at import time, so tests and commands can
point the same code at SQLite or PostgreSQL by setting one variable.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / 'var' / 'jiandu.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JIANDU_", extra="ignore")

    # SQLite file under ./var by default; production: postgresql+psycopg://user@host/db
    database_url: str = ""
    policy_path: Path = PROJECT_ROOT / "config" / "policy.toml"
    sample_org_path: Path = PROJECT_ROOT / "config" / "org.sample.yaml"
    # The business time zone: months, display, and times given without an offset.
    timezone: str = "Asia/Shanghai"

    def resolved_database_url(self) -> str:
        return self.database_url or _default_database_url()


def get_settings() -> Settings:
    return Settings()
