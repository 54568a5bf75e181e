"""The embedded Prefect server tells its UI its own port (not Prefect's default 4200)."""

from __future__ import annotations

import json
import urllib.request

import pytest

pytestmark = pytest.mark.xdist_group("prefect")  # the session's one Prefect server


def test_the_prefect_ui_is_told_the_port_it_is_served_on(prefect_api):
    assert not prefect_api.endswith(":4200/api")  # a free port, as `jiandu serve --port N` gives
    with urllib.request.urlopen(prefect_api.removesuffix("/api") + "/ui-settings", timeout=30) as reply:
        assert json.loads(reply.read())["api_url"] == prefect_api
