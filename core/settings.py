"""One Settings object, read from the environment (prefix ``JIANDU_``).

Built in the entry points, never at import time, so tests and commands can
point the same code at SQLite or PostgreSQL by setting one variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.defaults import default_file

# The longest note a person writes, on every face (JIANDU_NOTE_MAX_CHARS overrides it).
NOTE_MAX_CHARS = 2000

# argon2's named cost profiles (argon2.profiles); the first is the library's default and production's.
Argon2Profile = Literal["RFC_9106_LOW_MEMORY", "RFC_9106_HIGH_MEMORY", "CHEAPEST"]
ARGON2_PROFILES: tuple[str, ...] = get_args(Argon2Profile)


def _default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / 'var' / 'jiandu.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JIANDU_", extra="ignore")

    # SQLite file under ./var by default; production: postgresql+psycopg://user@host/db
    database_url: str = ""
    # The shipped defaults (config/ of the checkout, or inside the installed package).
    policy_path: Path = default_file("policy.toml")
    calendar_path: Path = default_file("calendar.toml")  # the "business" calendar, read once per process
    sample_org_path: Path = default_file("org.sample.yaml")
    # No time-zone setting: the business zone is Asia/Shanghai by the regulation (a month is a
    # calendar month there, rules.md §4), fixed in core.timeutil, prefect.yaml's crons and the
    # calendar file; a setting could only disagree with the months already closed.

    # ---- notifications ----
    # Apprise URLs by recipient: a person id, "role:<role>" or "*" (everyone else).
    # "file" is the embedded channel: one file per message under outbox_dir.
    # JIANDU_CHANNELS='{"role:president_office": ["mailto://…"], "*": ["file"]}'
    channels: dict[str, list[str]] = {"*": ["file"]}
    # How complainants are reached: an Apprise URL template with {contact}, used
    # when the contact looks like an e-mail address; otherwise the file channel.
    complainant_email_url: str = ""
    # Links in messages to complainants (tracking page, satisfaction rating) and QR codes.
    # Unset: the served web's own address (web_host:web_port), so `--web-port` moves the links too.
    public_url: str = ""
    outbox_dir: Path = Path("var") / "outbox"
    outbox_max_attempts: int = 6
    outbox_backoff_seconds: int = 30   # doubles with every failed try
    outbox_lease_seconds: int = 300    # a claimed message not settled by then is claimed again
    # Deliver right after the commit that wrote messages, on a thread of that process (the web,
    # a command, a flow run); the dispatch-outbox sweep delivers the rest. False: the sweep only.
    deliver_on_commit: bool = True
    # Month notices (HTML, spreadsheet) are written here, one folder per month.
    notice_dir: Path = Path("var") / "notices"
    # The Chromium that prints a notice's PDF download (notifications/pdf.py). Empty: the first of
    # chromium, chromium-browser, google-chrome on PATH; none there: the download answers 503.
    chromium: str = ""
    # Show staff names masked (张*) on published notices.
    mask_names: bool = False
    # Non-urgent messages wait out the quiet hours (Asia/Shanghai); "" disables them.
    quiet_hours: str = "22:00-07:00"

    # ---- web (jiandu serve) ----
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    # Signs the session cookie. Empty: a random key kept in var/secret_key (made on first use).
    secret_key: str = ""
    # Only over HTTPS in production (set true behind TLS).
    secure_cookies: bool = False
    # Demo mode (`make run`): accounts for the sample people, listed on the login page.
    demo: bool = False
    demo_password: str = "jiandu-demo"
    # Wrong passwords in a row before an account waits login_lock_seconds.
    login_max_failures: int = 5
    login_lock_seconds: int = 300
    # argon2's cost, one of the library's named profiles: RFC_9106_LOW_MEMORY (its default: 3
    # passes over 64 MiB), RFC_9106_HIGH_MEMORY, or CHEAPEST (tests only). New hashes take it;
    # a stored hash is checked at the cost it was made with.
    argon2_profile: Argon2Profile = ARGON2_PROFILES[0]
    # Budgets per client address, in the `limits` notation ("20/15minutes"), docs/web.md:
    login_rate_limit: str = "20/15minutes"    # failed log-ins (any id): against password spraying
    intake_rate_limit: str = "30/10minutes"   # posts of a window's intake form (POST /w/<window>)
    api_intake_rate_limit: str = "60/minute"  # POST /api/complaints
    # Where the budgets count: memory:// (each process its own) or a `limits` storage URI shared by
    # every web process (redis://host:6379, with `pip install 'limits[redis]'`).
    rate_limit_storage: str = "memory://"
    # The reverse proxies whose X-Forwarded-For names the client: addresses or networks, comma-separated.
    trusted_proxies: str = ""
    # GET /metrics answers a scraper sending "Authorization: Bearer <this>"; empty: /metrics is off.
    metrics_token: str = ""

    # ---- what people write ----
    # A note of a change, a praise or an adjustment, a rating's comment, an appeal's reason or
    # decision: at most this many characters, on the console, the CLI, the API and the public pages.
    note_max_chars: int = NOTE_MAX_CHARS

    @model_validator(mode="after")
    def _links_follow_the_served_port(self) -> Settings:
        if not self.public_url:
            host = "127.0.0.1" if self.web_host in ("0.0.0.0", "::", "") else self.web_host
            self.public_url = f"http://{host}:{self.web_port}"
        return self

    def resolved_database_url(self) -> str:
        return self.database_url or _default_database_url()


def get_settings() -> Settings:
    return Settings()
