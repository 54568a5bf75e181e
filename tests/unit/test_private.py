"""Owner-only folders and files whatever the umask (core/private.py)."""

from __future__ import annotations

import os
import stat

from core.private import private_dir, touch_private, write_private


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_every_missing_folder_is_0700_and_files_0600_under_a_wide_umask(tmp_path):
    old = os.umask(0o022)
    try:
        folder = private_dir(tmp_path / "var" / "prefect" / "home")
        assert [mode(p) for p in (tmp_path / "var", tmp_path / "var" / "prefect", folder)] == [0o700] * 3
        (tmp_path / "wide.txt").write_text("old")
        assert mode(tmp_path / "wide.txt") == 0o644
        write_private(tmp_path / "wide.txt", b"new")  # an older, wider file is narrowed
        touch_private(folder / "jiandu.db")
        touch_private(folder / "jiandu.db")  # exists: left as it is
        assert (mode(tmp_path / "wide.txt"), (tmp_path / "wide.txt").read_bytes()) == (0o600, b"new")
        assert mode(folder / "jiandu.db") == 0o600
    finally:
        os.umask(old)
