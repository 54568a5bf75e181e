"""Every response carries X-Frame-Options, a Content-Security-Policy and a Referrer-Policy."""

from __future__ import annotations

import pytest

from tests.web.conftest import file_complaint, login

pytestmark = pytest.mark.db


def _policy(reply) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in reply.headers["content-security-policy"].split(";")}


def test_every_kind_of_response_carries_the_headers(client):
    token = file_complaint(client)
    login(client, "chenjian")
    replies = {"intake": client.get("/w/inv-1"), "tracking": client.get(f"/t/{token}"), "console": client.get("/"),
               "board": client.get("/boards/inv-1"), "static": client.get("/static/app.css"),
               "api": client.get("/api/org"), "schema": client.get("/api/openapi.json"),
               "not found": client.get("/nowhere"), "too large": client.post("/login", content=b"x" * (7 << 20)),
               "qr": client.get("/w/inv-1/qr.svg"), "health": client.get("/healthz")}
    for name, reply in replies.items():
        assert reply.headers.get("x-frame-options") == "DENY", name
        assert reply.headers.get("referrer-policy") == "same-origin", name
        assert reply.headers.get("x-content-type-options") == "nosniff", name
        policy = _policy(reply)
        assert policy["frame-ancestors"] == "frame-ancestors 'none'", name
        assert policy["script-src"] == "script-src 'self'", name  # no inline script runs on our pages
        assert policy["object-src"] == "object-src 'none'", name


def test_the_api_docs_may_run_swagger_ui(client):
    reply = client.get("/api/docs")
    assert reply.status_code == 200 and reply.headers["x-frame-options"] == "DENY"
    # Swagger UI starts from an inline script; its files come from the app (no other host)
    assert _policy(reply)["script-src"] == "script-src 'self' 'unsafe-inline'"
    assert "http" not in reply.headers["content-security-policy"]
