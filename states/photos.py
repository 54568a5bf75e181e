"""Arrival photos (到场照片): checked here, stored with the `arrive` change in its transaction."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from states.models import ComplaintPhoto

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# The first bytes of each accepted format: the declared type alone is never trusted.
MAGIC = {"image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/webp": (b"RIFF",)}


def check_photo(content_type: str, data: bytes) -> None:
    if content_type not in MAGIC:
        raise InvalidInput(f"photo: type '{content_type}' is not one of {', '.join(MAGIC)} 仅支持 JPEG/PNG/WebP")
    if not data:
        raise InvalidInput("photo: empty file 照片为空")
    if len(data) > MAX_PHOTO_BYTES:
        raise InvalidInput(f"photo: larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MB 照片过大")
    if not data.startswith(MAGIC[content_type]) or (content_type == "image/webp" and data[8:12] != b"WEBP"):
        raise InvalidInput(f"photo: the file is not a {content_type} 文件内容与类型不符")


def add_photo(s: Session, complaint_id: int, event_id: int, by: str, at, content_type: str, data: bytes) -> None:
    s.add(ComplaintPhoto(complaint_id=complaint_id, event_id=event_id, content_type=content_type, data=data,
                         sha256=hashlib.sha256(data).hexdigest(), by_id=by, at=at))


def photo_list(s: Session, complaint_id: int) -> list[dict]:
    rows = s.execute(select(ComplaintPhoto.id, ComplaintPhoto.content_type, ComplaintPhoto.by_id, ComplaintPhoto.at)
                     .where(ComplaintPhoto.complaint_id == complaint_id).order_by(ComplaintPhoto.id))
    from core.timeutil import local_iso

    return [{"id": pid, "content_type": ct, "by": by, "at": local_iso(at)} for pid, ct, by, at in rows]


def photo_bytes(s: Session, complaint_id: int, photo_id: int) -> tuple[str, bytes]:
    row = s.get(ComplaintPhoto, photo_id)
    if row is None or row.complaint_id != complaint_id:
        raise NotFound(f"photo {photo_id}: not found 照片不存在")
    return row.content_type, row.data
