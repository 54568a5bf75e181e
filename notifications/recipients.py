"""Who is reached where: channels per person, per role, or the default (settings)."""

from __future__ import annotations

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


def complainant_targets(contact: str | None, settings: Settings) -> list[str]:
    """An e-mail contact through the configured mail URL; anything else on file."""
    if not contact:
        return []
    if "@" in contact and settings.complainant_email_url:
        return [settings.complainant_email_url.replace("{contact}", quote(contact, safe="@"))]
    return [FILE]
