"""The API under /api (OpenAPI at /api/openapi.json): complaints, months, the organisation.

Integrations send `Authorization: Bearer <token>` (`jiandu user token PERSON`); the token acts as
that person, with his roles. Errors come from the one mapping in app.py.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from core.errors import Forbidden
from jiandu.web.budgets import spend_budget
from jiandu.web.security import NotLoggedIn, Staff, staff_for_token
from states.machine import EVENTS, STATES
from states.models import CATEGORIES, SOURCES

router = APIRouter(prefix="/api", tags=["jiandu"])
bearer = HTTPBearer(auto_error=False, description="jiandu user token PERSON")

ComplaintId = Annotated[int, Path(ge=1, le=2**31 - 1, description="投诉编号 / complaint number")]
Month = Annotated[str, Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM (Asia/Shanghai)")]
Event = Literal[EVENTS]
State = Literal[STATES]


# A filter of the list (control characters: the app's one input check, jiandu/web/params.py).
Filter = Annotated[str | None, Query(max_length=64)]


class ComplaintIn(BaseModel):
    window: str = Field(min_length=1, max_length=64, description="窗口编码 / window code")
    category: Literal[tuple(CATEGORIES)]
    text: str = Field(min_length=1, max_length=2000)
    source: Literal[tuple(SOURCES)] = "customer"
    against: str | None = Field(default=None, max_length=64)
    contact: str | None = Field(default=None, max_length=200)


class AdvanceIn(BaseModel):
    event: Event
    note: str | None = Field(default=None, description="at most JIANDU_NOTE_MAX_CHARS (2000) characters")
    against: str | None = Field(default=None, max_length=64)
    version: int | None = Field(default=None, ge=0, le=2**31 - 1,
                                description="the version you saw; a newer one answers 409")


class IncidentIn(BaseModel):
    note: str | None = Field(default=None, description="at most JIANDU_NOTE_MAX_CHARS (2000) characters")


Step = Annotated[str, Path(pattern=r"^[a-z_]{1,30}$", description="步骤 / a step of policy [incident]")]


def api_staff(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Staff:
    staff = staff_for_token(request.app.state.runtime.db, credentials.credentials) if credentials else None
    if staff is None:
        raise NotLoggedIn()
    request.state.staff = staff
    return staff


def api_team(staff: Staff = Depends(api_staff)) -> Staff:
    if not staff.is_team:
        raise Forbidden("仅监督小组成员 / only the supervision team")
    return staff


def _runtime(request: Request):
    return request.app.state.runtime


@router.post("/complaints", status_code=201, summary="受理投诉 / file a complaint",
             dependencies=[Depends(spend_budget("api"))],
             responses={429: {"description": "this address's budget is spent (JIANDU_API_INTAKE_RATE_LIMIT); "
                                             "Retry-After says when to try again"}})
async def create_complaint(body: ComplaintIn, request: Request,
                           credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> dict:
    """Any token files a customer's complaint; naming the accused or another source is the team's."""
    return await run_in_threadpool(_file_complaint, request, credentials, body)


def _file_complaint(request: Request, credentials: HTTPAuthorizationCredentials | None, body: ComplaintIn) -> dict:
    """Who asks, then the complaint, on one thread of the pool (not a hop per dependency)."""
    staff = api_staff(request, credentials)
    return _runtime(request).complaints().create(**body.model_dump(), by_team=staff.is_team)


@router.get("/complaints", summary="投诉列表 / list complaints")
def list_complaints(request: Request, staff: Staff = Depends(api_team),
                    state: State | None = None,
                    unit: Filter = None,
                    window: Filter = None,
                    month: Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = None,
                    owner: Filter = None,
                    overdue: bool = False,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
                    after: Annotated[int | None, Query(ge=0, le=2**31 - 1,
                                                       description="ids above this: the next page")] = None,
                    ) -> list[dict]:
    """Oldest first, at most ``limit``; the next page starts ``after`` the last id received."""
    return _runtime(request).complaints().list(state=state, overdue=overdue, unit=unit, window=window,
                                               month=month, owner=owner, limit=limit, after=after)


@router.get("/complaints/{complaint_id}", summary="投诉详情 / one complaint")
def get_complaint(complaint_id: ComplaintId, request: Request, staff: Staff = Depends(api_team)) -> dict:
    return _runtime(request).complaints().get(complaint_id)


@router.post("/complaints/{complaint_id}/advance", summary="推进状态 / advance a complaint",
             responses={409: {"description": "refused: names the state and the allowed events"}})
def advance_complaint(complaint_id: ComplaintId, body: AdvanceIn, request: Request,
                      staff: Staff = Depends(api_team)) -> dict:
    return _runtime(request).complaints().advance(complaint_id, body.event, staff.id, body.note,
                                                  against=body.against, expected_version=body.version)


@router.post("/complaints/{complaint_id}/incident", status_code=201, summary="上报质量事故 / report a quality incident",
             responses={409: {"description": "refused: already reported, closed, or not yours"}})
def open_incident(complaint_id: ComplaintId, request: Request, body: IncidentIn | None = None,
                  staff: Staff = Depends(api_team)) -> dict:
    """The owner or a higher rung: one rung up (below the chairman) and the steps start."""
    from states.incident import IncidentService

    return IncidentService(_runtime(request).complaints()).open(complaint_id, staff.id, body.note if body else None)


@router.get("/complaints/{complaint_id}/incident", summary="质量事故程序 / the incident procedure")
def get_incident(complaint_id: ComplaintId, request: Request, staff: Staff = Depends(api_team)) -> dict:
    """Its steps with deadlines and who did them; ``status`` null: not reported."""
    from states.incident import IncidentService

    return IncidentService(_runtime(request).complaints()).show(complaint_id)


@router.post("/complaints/{complaint_id}/incident/steps/{step}", summary="完成一步 / complete a step",
             responses={409: {"description": "refused: not the next step, no open procedure, or not yours"}})
def complete_incident_step(complaint_id: ComplaintId, step: Step, request: Request, body: IncidentIn | None = None,
                           staff: Staff = Depends(api_team)) -> dict:
    """Steps in order; the last closes the procedure, and the complaint may then be resolved."""
    from states.incident import IncidentService

    return IncidentService(_runtime(request).complaints()).complete(complaint_id, step, staff.id,
                                                                    body.note if body else None)


@router.get("/months/{month}", summary="月度结果 / a month's result")
def get_month(month: Month, request: Request, staff: Staff = Depends(api_team)) -> dict:
    return _runtime(request).months().show(month)


@router.post("/months/{month}/close", summary="关账（草稿）/ close a month (draft)")
def close_month(month: Month, request: Request, staff: Staff = Depends(api_team)) -> dict:
    return _runtime(request).months().close(month, staff.id)


@router.post("/months/{month}/publish", summary="公布 / publish a month")
def publish_month(month: Month, request: Request, staff: Staff = Depends(api_team)) -> dict:
    return _runtime(request).months().publish(month, staff.id)


@router.get("/org", summary="组织架构 / the organisation")
def get_org(request: Request, staff: Staff = Depends(api_team)) -> dict:
    from core.orgservice import org_snapshot

    return org_snapshot(_runtime(request).db)
