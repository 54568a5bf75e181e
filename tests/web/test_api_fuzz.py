"""Schemathesis against the API's own OpenAPI schema: whatever it sends, never a 5xx.

Every operation is called with generated valid and invalid data, with a valid bearer token of
the president's office (who may do everything) and seeded complaints, so that deep paths run.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

pytestmark = pytest.mark.db
EXAMPLES = 30


def test_no_operation_answers_5xx(app, runtime):
    import schemathesis

    from core.accounts import AccountService

    token = AccountService(runtime.db).issue_token("zhouhua", "fuzz")
    headers = {"Authorization": f"Bearer {token}"}
    svc = runtime.complaints()
    for _ in range(3):
        svc.create(window="inv-1", source="customer", category="attitude", text="种子投诉")
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Every operation of the app's schema is fuzzed, the incident procedure's three among them.
    routed = {f"{method.upper()} {path}" for path, ops in app.openapi()["paths"].items() for method in ops}
    assert "POST /api/complaints/{complaint_id}/incident/steps/{step}" in routed and len(routed) == 11
    assert {operation.label for operation in operations} == routed
    tried: dict[str, int] = {}
    for operation in operations:
        _fuzz(operation, headers, tried)
    assert len(tried) == len(routed) and sum(tried.values()) >= len(routed) * 5


def _fuzz(operation, headers: dict, tried: dict[str, int]) -> None:
    label = operation.label

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def call(case):
        response = case.call(headers=headers)
        tried[label] = tried.get(label, 0) + 1
        assert response.status_code < 500, f"{label}: {response.status_code} {response.text[:300]}"

    call()
