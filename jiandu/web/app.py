"""The web application: `create_app()` builds it from a Runtime (settings, database, policy).

    /            the supervisor console (login)      /api/...   the API (bearer tokens, OpenAPI)
    /w/<window>  a window's public intake form       /t/<token> the complainant's tracking page
    /boards      commitment boards                   /notices   published month notices
    /healthz     liveness  ·  /readyz readiness (the database)  ·  /metrics Prometheus (a token)
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from core.errors import JianduError, Refused
from jiandu.web.budgets import Budgets
from jiandu.web.headers import SecurityHeaders
from jiandu.web.params import printable_fields
from jiandu.web.security import NotLoggedIn, secret_key
from workflows.runtime import Runtime

STATIC = Path(__file__).resolve().parent / "static"
# The largest request: an arrival photo (5 MB) and its form. Refused before anything is read.
MAX_BODY_BYTES = 6 * 1024 * 1024
SESSION_HOURS = 12


def create_app(runtime: Runtime | None = None) -> FastAPI:
    runtime = runtime or Runtime.from_env()
    # Swagger UI's script and style served from the package, not a CDN: the docs work on an intranet.
    app = FastAPIOffline(title="Jiandu 监督 API", version="1", docs_url="/api/docs", redoc_url=None,
                         openapi_url="/api/openapi.json", static_url="/api/docs-static",
                         dependencies=[Depends(printable_fields)],
                         description="投诉、月度关账与组织架构 / complaints, month closes and the organisation. "
                                     "Authorization: Bearer <token> (jiandu user token PERSON).")
    app.state.runtime = runtime
    app.state.budgets = Budgets(runtime.settings)
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    app.add_middleware(SessionMiddleware, secret_key=secret_key(runtime.settings), session_cookie="jiandu_session",
                       max_age=SESSION_HOURS * 3600, same_site="lax", https_only=runtime.settings.secure_cookies)
    app.add_middleware(SecurityHeaders)  # the outermost: every answer gets the headers
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    from jiandu.web import api, appeals, console, me, metrics, months, org, policy, public

    app.include_router(api.router)
    app.include_router(metrics.router)
    app.include_router(me.router)
    app.include_router(appeals.router)
    app.include_router(public.router)
    app.include_router(console.router)
    app.include_router(months.router)
    app.include_router(org.router)
    app.include_router(policy.router)
    _error_handlers(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        """Liveness, for a service manager: the process answers (no database round trip)."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        """Readiness, for a load balancer: the database answers and has this code's schema."""
        return _readiness(runtime)

    if runtime.settings.demo:
        from jiandu.web.demo_accounts import ensure_demo_accounts

        ensure_demo_accounts(runtime)
    return app


def _readiness(runtime: Runtime) -> JSONResponse:
    from sqlalchemy.exc import SQLAlchemyError

    from jiandu.migrate import schema_revision

    try:
        current, head = schema_revision(runtime.db)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return JSONResponse({"status": "unavailable", "detail": f"数据库不可用 / database unavailable: {reason}"},
                            status_code=503)
    if current != head:
        return JSONResponse({"status": "unavailable", "schema": current, "expected": head,
                             "detail": f"数据库结构不是最新 / schema {current} is not {head}: run jiandu init"},
                            status_code=503)
    return JSONResponse({"status": "ready", "schema": current})


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_handlers(app: FastAPI) -> None:
    """The one place where refusals become HTTP: 404 unknown, 409 refused or conflict (with the
    allowed events), 422 a named field, 403 not for this role; pages get the same in HTML."""

    @app.exception_handler(JianduError)
    async def refused(request: Request, exc: JianduError):
        body = {"detail": str(exc)}
        if isinstance(exc, Refused):
            body.update(state=exc.state, allowed=exc.allowed)
        if getattr(exc, "field", None):
            body["field"] = exc.field
        return _answer(request, exc.http_status, body)

    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, exc: NotLoggedIn):
        if _is_api(request):
            return JSONResponse({"detail": "需要令牌 / a bearer token is required"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {"loc": ("body",), "msg": "invalid"}
        field = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
        return _answer(request, 422, {"detail": f"{field or 'body'}: {first.get('msg')} 字段无效",
                                      "field": field or "body"})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        detail = "页面不存在 / not found" if exc.status_code == 404 else str(exc.detail)
        return _answer(request, exc.status_code, {"detail": detail}, headers=getattr(exc, "headers", None))


def _answer(request: Request, status: int, body: dict, headers=None) -> Response:
    if _is_api(request):
        return JSONResponse(body, status_code=status, headers=headers)
    from jiandu.web.pages import page

    reply = page(request, "error.html.j2", status_code=status, status=status, message=body["detail"],
                 allowed=body.get("allowed") or [])
    reply.headers.update(headers or {})
    return reply


class BodyLimit:
    """413 for a request whose declared or streamed body is larger than ``limit``: a form is
    never read whole into memory or onto disk before the size is known."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            return await _too_large(send)
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge()
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _too_large(send)


class _TooLarge(Exception):
    pass


async def _too_large(send) -> None:
    body = b'{"detail": "request too large (6 MB at most)"}'
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
