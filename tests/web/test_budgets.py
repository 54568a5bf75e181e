"""The public faces' budgets per address: the intake form and the API's intake answer 429 past them."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import file_complaint, post_form

pytestmark = pytest.mark.db


def _flood_message(text: str) -> str:
    return re.search(r'role="alert">([^<]*)<', text).group(1)


def test_the_intake_form_has_a_budget_per_address(app_with, runtime):
    from fastapi.testclient import TestClient

    app = app_with(intake_rate_limit="3/hour")
    with TestClient(app) as customer:
        for n in range(3):
            file_complaint(customer, text=f"第 {n + 1} 次投诉")
        refused = post_form(customer, "/w/inv-1", "/w/inv-1", {"category": "attitude", "text": "第 4 次投诉"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    message = _flood_message(refused.text)
    assert message.startswith("提交过于频繁，请 60 分钟后再试") and "too many complaints" in message
    assert len(runtime.complaints().list()) == 3
    with TestClient(app, client=("198.51.100.7", 40000)) as another:
        file_complaint(another)
    assert len(runtime.complaints().list()) == 4


def test_the_api_intake_has_a_budget_per_address(app_with, runtime):
    from fastapi.testclient import TestClient

    token = runtime.accounts().issue_token("wuqing", "hotline")
    body = {"window": "inv-1", "category": "attitude", "text": "电话投诉"}
    with TestClient(app_with(api_intake_rate_limit="2/minute"),
                    headers={"Authorization": f"Bearer {token}"}) as hotline:
        statuses = [hotline.post("/api/complaints", json=body).status_code for _ in range(3)]
        refused = hotline.post("/api/complaints", json=body)
    assert statuses == [201, 201, 429]
    assert refused.status_code == 429 and refused.json()["detail"].startswith("提交过于频繁")
    assert int(refused.headers["Retry-After"]) > 0
    assert len(runtime.complaints().list()) == 2


def test_a_budget_that_is_no_rate_stops_the_start_with_its_setting_named(runtime):
    from core.errors import InvalidInput
    from jiandu.web.budgets import Budgets

    with pytest.raises(InvalidInput, match="JIANDU_INTAKE_RATE_LIMIT: 'often'"):
        Budgets(runtime.settings.model_copy(update={"intake_rate_limit": "often"}))
    with pytest.raises(InvalidInput, match="JIANDU_TRUSTED_PROXIES"):
        Budgets(runtime.settings.model_copy(update={"trusted_proxies": "10.0.0.1, proxy.lan"}))
