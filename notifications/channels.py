"""Delivery: Apprise URLs (mail, WeCom, DingTalk, Feishu, webhooks) or the embedded file channel.

Each message carries its idempotency key to the channel: the file channel
names the file after it (a second delivery rewrites the same file), HTTP and
mail channels get an ``X-Jiandu-Key`` header (and JSON webhooks an
``idempotency_key`` field) so a receiver can drop a repeat after a lost answer.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import quote

from core.private import private_dir, write_private

FILE = "file"
_KEYED_SCHEMES = ("json", "jsons", "xml", "xmls", "form", "forms", "mailto", "mailtos")


class DeliveryError(Exception):
    """The channel did not take the message; the text says why (kept as last_error)."""


def with_key(url: str, key: str) -> str:
    scheme = url.split("://", 1)[0].lower()
    if scheme not in _KEYED_SCHEMES:
        return url
    extra = f"+X-Jiandu-Key={quote(key)}"
    if scheme.startswith("json"):
        extra += f"&:idempotency_key={quote(key)}"
    return url + ("&" if "?" in url else "?") + extra


def deliver(target: str, key: str, subject: str, body: str, outbox_dir: Path) -> None:
    if target == FILE:
        _write_file(outbox_dir, key, subject, body)
        return
    import apprise  # heavy: only when something is really sent

    sender = apprise.Apprise()
    if not sender.add(with_key(target, key)):
        raise DeliveryError(f"invalid channel URL 无效的通道地址: {redact(target)}")
    with apprise.LogCapture(level=logging.WARNING) as log:
        # TEXT: the body is plain text (a complaint's own words among it). Unsaid, Apprise would
        # send it as the HTML part of a mail, a link or an <img> in it live in the reader's mail.
        ok = sender.notify(title=subject, body=body, body_format=apprise.NotifyFormat.TEXT)
        detail = " ".join(log.getvalue().split())[-300:]
    if not ok:
        raise DeliveryError(f"{redact(target)}: {detail or 'not delivered 未送达'}")


def _write_file(folder: Path, key: str, subject: str, body: str) -> None:
    private_dir(folder)  # a message holds the complainant's private tracking link
    final = folder / f"{key}.txt"
    partial = folder / f".{key}.tmp"
    write_private(partial, f"{subject}\n\n{body}".encode())
    os.replace(partial, final)  # atomic: a reader never sees half a message


def redact(url: str) -> str:
    """Scheme and host only: URLs may hold tokens and passwords."""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
    return f"{scheme}://{host}/…" if rest else url
