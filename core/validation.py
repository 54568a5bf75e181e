"""One line for refused input: a settings file's key at fault (policy, calendar), a text with
control characters, a note too long."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI checks its arguments (has_control_characters) before pydantic is loaded
    from pydantic import ValidationError

_REASONS = {"extra_forbidden": "unknown key 未知的键", "missing": "missing key 缺少的键"}


def first_problem(exc: ValidationError, where: str) -> str:
    """``where: dotted.key: reason`` for the first error pydantic reports."""
    err = exc.errors()[0]
    key = ".".join(str(part) for part in err["loc"]) or "(top)"
    return f"{where}: {key}: {_REASONS.get(err['type'], err['msg'])}"


def has_control_characters(value: str) -> bool:
    """Control characters other than line breaks and tabs (a NUL above all: PostgreSQL refuses it),
    and halves of UTF-16 pairs (JSON's "\\ud800", bytes that were not UTF-8): no database stores them
    and no reply can echo them."""
    return any((ord(ch) < 32 and ch not in "\n\r\t") or 0xD800 <= ord(ch) < 0xE000 for ch in value)


def check_printable(field: str, value: str | None) -> None:
    """Refuse a text with control characters, naming the field."""
    from core.errors import InvalidInput

    if value and has_control_characters(value):
        if has_control_characters(field):  # a JSON key is outside text too: named escaped, so a reply can carry it
            field = ascii(field)
        raise InvalidInput(f"{field}: control characters are not allowed 含有控制字符", field=field.lstrip("-"))


def check_note(field: str, value: str | None, limit: int) -> None:
    """The one check of a note a person writes: printable, at most ``limit`` characters
    (``Settings.note_max_chars``)."""
    from core.errors import InvalidInput

    check_printable(field, value)
    if value and len(value) > limit:
        raise InvalidInput(f"{field}: longer than {limit} characters 超过{limit}个字符", field=field.lstrip("-"))
