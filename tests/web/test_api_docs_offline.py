"""/api/docs works on an intranet: Swagger UI's script and style come from the app, not a CDN."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.db


def test_the_docs_page_loads_its_assets_from_the_app_itself(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources, page.text
    for url in sources:
        assert url.startswith("/"), f"{url} is not served by the app"  # no CDN, no other host
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url
    assert "cdn." not in page.text


@pytest.mark.xdist_group("browser")
def test_swagger_ui_renders_with_every_other_host_unreachable(live_server, browser):
    context = browser.new_context()
    outside: list[str] = []

    def only_loopback(route):
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/api/docs")
        page.locator(".swagger-ui .info .title").wait_for(timeout=30_000)
        assert "Jiandu" in page.inner_text(".swagger-ui .info .title")
        assert page.locator(".opblock").count() > 5  # the operations are listed
        assert outside == []
    finally:
        context.close()
