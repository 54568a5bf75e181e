"""Message texts: one Jinja2 template per kind, Chinese first, English second.

A template's first line is the subject, the rest the body. Plain text, so no
HTML escaping; a complainant's context never carries internal notes (the
builders below leave them out, and a test holds them to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).resolve().parent / "templates" / "messages"
# Clock warnings, escalations and incident steps are never held by quiet hours.
URGENT_KINDS = frozenset({"clock_warning", "clock_breach", "complaint_escalated", "incident_step"})
KINDS = tuple(sorted(p.name.removesuffix(".txt.j2") for p in TEMPLATES.glob("*.txt.j2")))
COMPLAINANT = "complainant"


@dataclass(frozen=True)
class Draft:
    """A message before it has channels: to whom, what, how urgent."""

    kind: str
    recipient: str  # a person id, or COMPLAINANT
    subject: str
    body: str
    urgent: bool
    complaint_id: int | None = None
    contact: str | None = None  # the complainant's address, when recipient is COMPLAINANT


@cache
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=False,
                       undefined=StrictUndefined, trim_blocks=False, keep_trailing_newline=False)


def render(kind: str, **context) -> tuple[str, str]:
    text = _env().get_template(f"{kind}.txt.j2").render(**context).strip()
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip() + "\n"


def draft(kind: str, recipient: str, *, about: int | None = None, contact: str | None = None,
          **context) -> Draft:
    """Render one message; ``about`` is the complaint it concerns, ``contact`` the complainant's."""
    if recipient == COMPLAINANT:
        context["note"] = None  # internal notes never reach a complainant
    subject, body = render(kind, **context)
    return Draft(kind, recipient, subject, body, kind in URGENT_KINDS, about, contact)
