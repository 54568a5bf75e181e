"""The web fixtures for the API fuzz target (tests/web/conftest.py, imported here).

The case counters live in tests/fuzz/counts.py; their hooks are registered by tests/conftest.py,
which the xdist controller loads (it never collects tests/fuzz, so hooks here would never print).
"""

from __future__ import annotations

from tests.web.conftest import app, app_with, client, runtime  # noqa: F401 - the web fixtures, for the API target
