"""A page as a PDF, printed by headless Chromium (Debian's ``chromium``): the month notice's download.

Chromium prints the very HTML the browser shows, with its print CSS (``@page`` A4, margins,
no toolbar), so the download and a reader's own *Print* are one rendering. The CJK font the
server has (Debian ``fonts-wqy-microhei``) is embedded as a subset (``/FontFile2``): the PDF reads
the same on a machine without it. The page is our own escaped HTML, written to a private
temporary folder (autoescaped: no markup of a reason runs); Chromium opens it with every host
name unresolvable and a throw-away profile (scripts stay on: with them off, headless Chromium
prints nothing). At most two prints run at once per process.

Imported by the web route only (``jiandu/web/public.py``): the command line never loads it.
Without Chromium the route answers 503 with one line saying so (``PdfUnavailable``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from core.errors import Unavailable
from core.private import private_dir, write_private

log = logging.getLogger(__name__)

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_SECONDS = 90
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND",
)
MISSING = ("暂不能生成 PDF：服务器未安装 Chromium（Debian: apt-get install chromium fonts-wqy-microhei，"
           "或设置 JIANDU_CHROMIUM），请用浏览器打印本页 / PDF unavailable: Chromium is not installed on the "
           "server (apt-get install chromium fonts-wqy-microhei, or set JIANDU_CHROMIUM); print the page "
           "from the browser instead")

_printing = threading.BoundedSemaphore(2)  # a Chromium is ~150 MB: never one per request
_caching = threading.Lock()


class PdfUnavailable(Unavailable):
    """No Chromium, or it failed: the one line a person reads (HTTP 503)."""


def find_chromium(configured: str = "") -> str | None:
    """The configured executable (JIANDU_CHROMIUM) if it is one, else the first on PATH."""
    if configured:
        return configured if os.access(configured, os.X_OK) and Path(configured).is_file() else None
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


def html_to_pdf(html: str, chromium: str = "", timeout: float = TIMEOUT_SECONDS) -> bytes:
    """The page printed on A4 (its own @page rules) as PDF bytes; PdfUnavailable if it cannot be."""
    exe = find_chromium(chromium)
    if exe is None:
        raise PdfUnavailable(MISSING)
    with _printing, tempfile.TemporaryDirectory(prefix="jiandu-pdf-") as tmp:
        folder = Path(tmp)
        page, out = folder / "page.html", folder / "page.pdf"
        page.write_text(html, encoding="utf-8")
        command = [exe, *FLAGS, f"--user-data-dir={folder / 'profile'}", f"--print-to-pdf={out}", page.as_uri()]
        env = {**os.environ, "HOME": tmp}  # nothing of Chromium's lands in the service's home
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, env=env, check=False,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise PdfUnavailable(f"生成 PDF 超时（{int(timeout)} 秒），请稍后再试或用浏览器打印 / the PDF took "
                                 f"longer than {int(timeout)} s: try again later or print from the browser") from None
        except OSError as exc:
            raise PdfUnavailable(f"无法启动 Chromium / Chromium cannot start: {exc.strerror or exc}") from None
        data = out.read_bytes() if out.exists() else b""
        if done.returncode != 0 or not data.startswith(b"%PDF-"):
            log.warning("chromium --print-to-pdf exited %s: %s", done.returncode,
                        done.stderr.decode("utf-8", "replace")[-2000:])
            raise PdfUnavailable(f"生成 PDF 失败（Chromium 退出码 {done.returncode}），请用浏览器打印 / the PDF "
                                 f"could not be made (Chromium exited {done.returncode}): print from the browser")
        return data


def cached_pdf(html: str, folder: Path, stem: str, chromium: str = "") -> bytes:
    """The PDF of ``html``, kept as ``folder/stem-<digest>.pdf``: a published notice never changes,
    so Chromium prints it once (again only when the page does: a name in the organisation changed)."""
    digest = hashlib.sha256(html.encode("utf-8")).hexdigest()[:16]
    path = folder / f"{stem}-{digest}.pdf"
    with _caching:  # two first readers at once print it once
        if path.is_file():
            return path.read_bytes()
        data = html_to_pdf(html, chromium)
        private_dir(folder)
        for old in folder.glob(f"{stem}-*.pdf"):
            old.unlink(missing_ok=True)
        write_private(path, data)
        return data
