"""Who is reached where: channels per person, per role, or the default (settings)."""

from __future__ import annotations

import re
from urllib.parse import quote

from core.org import Person
from core.settings import Settings
from notifications.channels import FILE


def person_targets(person: Person, settings: Settings) -> list[str]:
    """The person's own channels, else those of his roles, else the default."""
    channels = settings.channels
    if person.id in channels:
        return list(channels[person.id])
    own = (person.contacts or {}).get("apprise")
    if own:
        return own.split()
    by_role = [url for role in person.roles or [] for url in channels.get(f"role:{role}", [])]
    if by_role:
        return list(dict.fromkeys(by_role))
    return list(channels.get("*", [FILE]))


# One plain address. The contact is the complainant's own text, and a mail URL's recipients are
# split on commas, spaces and semicolons: "me@a.cn,you@b.cn" would have Jiandu mail a stranger.
_ONE_ADDRESS = re.compile(r"[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def complainant_targets(contact: str | None, settings: Settings) -> list[str]:
    """An e-mail contact (one address) through the configured mail URL; anything else on file."""
    if not contact:
        return []
    if _ONE_ADDRESS.fullmatch(contact) and settings.complainant_email_url:
        return [settings.complainant_email_url.replace("{contact}", quote(contact, safe="@"))]
    return [FILE]
