"""Case counters of the bad-input fuzzing, printed as one summary line per target at the end.

Each fuzz target calls ``tally(target, outcome)`` once per hypothesis example. Under xdist the
workers hand their counts to the controller (``workeroutput``), which prints the totals. The
hooks are registered by tests/conftest.py: the controller loads that one, not tests/fuzz's.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict

COUNTS: dict[str, Counter] = defaultdict(Counter)
_FROM_WORKERS: dict[str, Counter] = defaultdict(Counter)


def tally(target: str, outcome: str) -> None:
    COUNTS[target][outcome] += 1


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller prints
        workeroutput["jiandu_fuzz_counts"] = json.dumps({t: dict(c) for t, c in COUNTS.items()})


def pytest_testnodedown(node, error):
    data = getattr(node, "workeroutput", {}).get("jiandu_fuzz_counts")
    for target, outcomes in json.loads(data or "{}").items():
        _FROM_WORKERS[target].update(outcomes)


def pytest_terminal_summary(terminalreporter):
    totals: dict[str, Counter] = defaultdict(Counter)
    for source in (COUNTS, _FROM_WORKERS):
        for target, outcomes in source.items():
            totals[target].update(outcomes)
    if not totals:
        return
    terminalreporter.write_sep("-", "bad-input fuzzing: cases tried per target")
    for target in sorted(totals):
        outcomes = totals[target]
        detail = ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items()))
        terminalreporter.write_line(f"fuzz {target}: {sum(outcomes.values())} cases ({detail})")
