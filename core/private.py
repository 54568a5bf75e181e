"""Files that may hold secrets or personal data (the SQLite database, outbox messages with
tracking links, notices, the session key): folders owner-only (0700), files owner-only (0600),
whatever the process's umask."""

from __future__ import annotations

import os
from pathlib import Path


def private_dir(path: Path) -> Path:
    """``path`` and every missing parent created 0700 (an existing folder is left as it is)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
            os.chmod(folder, 0o700)  # mkdir's mode is narrowed by the umask, never widened
        except FileExistsError:  # another process made it first
            pass
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by the owner only (an older, wider file is narrowed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        os.fchmod(f.fileno(), 0o600)
        f.write(data)


def touch_private(path: Path) -> None:
    """Create ``path`` empty and owner-only unless it exists (SQLite then fills it, and makes its
    -wal and -shm files with the same mode)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
