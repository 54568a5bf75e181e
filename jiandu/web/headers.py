"""Security headers on every response: no framing (clickjacking), no script but our own files,
no referrer leaving the site (a tracking link is a secret in the URL), no content sniffing.

Styles may be inline (the notices and boards carry a <style>, charts style attributes); scripts
may not: the one script is /static/countdown.js. Swagger UI at /api/docs (its files served from
here, fastapi-offline) starts from an inline script: that page alone may run one; it shows
nothing a customer wrote.
"""

from __future__ import annotations

_COMMON = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
PAGE_POLICY = f"{_COMMON}; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
DOCS_POLICY = f"{_COMMON}; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
DOCS_PATHS = ("/api/docs", "/api/docs/oauth2-redirect")

_FIXED = [(b"x-frame-options", b"DENY"), (b"referrer-policy", b"same-origin"), (b"x-content-type-options", b"nosniff")]


class SecurityHeaders:
    """Pure ASGI: the headers go on every response, error answers of the middlewares inside included."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        policy = (DOCS_POLICY if scope["path"] in DOCS_PATHS else PAGE_POLICY).encode()

        async def with_headers(message):
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in [*_FIXED, (b"content-security-policy", policy)] if n not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)
