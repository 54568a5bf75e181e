"""Who is reached where: channels per person, per role, or the default (settings).

An outbox row names its channel instead of holding its URL (Apprise URLs carry passwords and
tokens): ``file``, ``setting:<key>:<n>`` (the n-th URL of ``JIANDU_CHANNELS[key]``),
``contacts:<person>:<n>`` (the n-th ``apprise`` URL of the person's contacts) or
``mail:<address>`` (``JIANDU_COMPLAINANT_EMAIL_URL`` for that address). The dispatcher resolves
the name when it delivers, so the secret lives in the settings and the directory only.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from core.org import Person
from core.settings import Settings
from notifications.channels import FILE, DeliveryError


def _setting(key: str, urls: list[str]) -> list[str]:
    return [FILE if url == FILE else f"setting:{key}:{n}" for n, url in enumerate(urls)]


def person_targets(person: Person, settings: Settings) -> list[str]:
    """The person's own channels, else those of his roles, else the default."""
    channels = settings.channels
    if person.id in channels:
        return _setting(person.id, channels[person.id])
    own = (person.contacts or {}).get("apprise")
    if own:
        return [f"contacts:{person.id}:{n}" for n in range(len(own.split()))]
    by_role = [name for role in person.roles or []
               for name in _setting(f"role:{role}", channels.get(f"role:{role}", []))]
    if by_role:
        return list(dict.fromkeys(by_role))
    return _setting("*", channels.get("*", [FILE]))


# One plain address. The contact is the complainant's own text, and a mail URL's recipients are
# split on commas, spaces and semicolons: "me@a.cn,you@b.cn" would have Jiandu mail a stranger.
_ONE_ADDRESS = re.compile(r"[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def complainant_targets(contact: str | None, settings: Settings) -> list[str]:
    """An e-mail contact (one address) through the configured mail URL; anything else on file."""
    if not contact:
        return []
    if _ONE_ADDRESS.fullmatch(contact) and settings.complainant_email_url:
        return [f"mail:{contact}"]
    return [FILE]


def resolve_target(name: str, settings: Settings, contacts: dict[str, dict]) -> str:
    """The URL a channel name stands for now; ``contacts``: the people's contacts by id.
    A row written before channels were named holds its URL: it is used as it is."""
    kind, _, rest = name.partition(":")
    if name == FILE or "://" in name:
        return name
    try:
        if kind == "setting":
            key, n = rest.rsplit(":", 1)
            return settings.channels[key][int(n)]
        if kind == "contacts":
            person, n = rest.rsplit(":", 1)
            return (contacts.get(person) or {}).get("apprise", "").split()[int(n)]
        if kind == "mail" and settings.complainant_email_url:
            return settings.complainant_email_url.replace("{contact}", quote(rest, safe="@"))
    except (KeyError, IndexError, ValueError):
        pass
    raise DeliveryError(f"channel '{name}' is not configured any more 通道已不在配置中")


def people_in(names: list[str]) -> set[str]:
    """The people whose own contacts some of ``names`` refer to."""
    return {name.partition(":")[2].rsplit(":", 1)[0] for name in names if name.startswith("contacts:")}
