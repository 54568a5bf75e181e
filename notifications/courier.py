"""Delivery right after the commit that wrote messages, on a thread of the committing process.

Best effort: the outbox stays the guarantee. Whatever the courier does not deliver (the process
ends first, a try fails, quiet hours hold a message) the ``dispatch-outbox`` sweep delivers on its
next pass. The commit itself only sets a flag (``mark_written``) and wakes the thread: a web
request never waits for a mail server.

    commit ──after_commit──▶ kick() ──▶ courier thread: dispatch(now) ──▶ sent (or left for the sweep)
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

WRITTEN = "outbox_written"
log = logging.getLogger("jiandu.courier")
# Passes start at least this far apart: the first kick after a quiet spell is delivered at once,
# and under a stream of commits (a busy intake) one pass delivers what many of them wrote.
PACE_SECONDS = 0.05


def mark_written(s: Session) -> None:
    """Told by the outbox: this transaction wrote messages (the courier delivers after its commit)."""
    s.info[WRITTEN] = True


class Courier:
    """One delivery thread per process, started on the first kick, woken by every later one;
    kicks during a delivery coalesce into one more pass, started ``pace`` seconds after the last."""

    def __init__(self, deliver: Callable[[], object], drain_at_exit: float = 10.0, pace: float = PACE_SECONDS):
        self._deliver = deliver
        self._pace = pace
        self._wake = threading.Condition()
        self._pending = self._busy = False
        self._thread: threading.Thread | None = None
        # A command or a flow run ends soon after its commit: give the thread a moment to finish.
        atexit.register(self.drain, drain_at_exit)

    def watch(self, sessions: sessionmaker) -> None:
        """Kick after every commit of these sessions that wrote messages."""
        def committed(s: Session) -> None:
            if s.info.pop(WRITTEN, False):
                self.kick()

        def rolled_back(s: Session) -> None:
            s.info.pop(WRITTEN, None)

        event.listen(sessions, "after_commit", committed)
        event.listen(sessions, "after_rollback", rolled_back)

    @property
    def started(self) -> bool:
        return self._thread is not None

    def kick(self) -> None:
        with self._wake:
            self._pending = True
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="jiandu-courier", daemon=True)
                self._thread.start()
            self._wake.notify()

    def drain(self, timeout: float) -> bool:
        """Wait until nothing is pending or being delivered; False if ``timeout`` ran out first."""
        with self._wake:
            return self._wake.wait_for(lambda: not (self._pending or self._busy), timeout)

    def _run(self) -> None:
        last = -self._pace
        while True:
            with self._wake:
                self._wake.wait_for(lambda: self._pending)
            time.sleep(max(0.0, last + self._pace - time.monotonic()))  # the kicks meanwhile join this pass
            with self._wake:
                self._pending, self._busy = False, True
            last = time.monotonic()
            try:
                self._deliver()
            except Exception:  # noqa: BLE001 - the sweep retries; the thread must live on
                log.exception("delivery after commit failed; the dispatch sweep will deliver")
            finally:
                with self._wake:
                    self._busy = False
                    self._wake.notify_all()
