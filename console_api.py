"""The agent console: its pages (plain HTML, CSS and ES modules under `web/console/`, no build
step) and the two endpoints only it needs, the supervisor's metrics and the queue's options.

Pages are gated on the server from the session cookie that `POST /v1/agent/login` with
`"cookie": true` sets (see inbox_api): no session sends the browser to the login page, and the
supervisor page answers 403 to an agent. The data still comes from the inbox API, which
checks the same session on every call.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from api_errors import responses
from inbox_api import SESSION_COOKIE, AgentDep, ApiError, DeskDep, SupervisorDep, session_agent
from tools.agents import AgentAccount
from tools.metrics import DayMetrics, LiveCounts, day_metrics, live_counts, today

WEB = Path(__file__).resolve().parent / "web" / "console"
PRIORITIES = ["urgent", "high", "normal", "low"]

# Pages load only their own files; customers' words are put in with textContent, never HTML.
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class SupervisorMetrics(DayMetrics):
    live: LiveCounts


class ConsoleOptions(BaseModel):
    skills: list[str]
    priorities: list[str]
    sla_minutes: dict[str, int]
    timezone: str


router = APIRouter()
_FIRST_DAY, _LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)


@router.get("/v1/supervisor/metrics", tags=["supervisor"], responses=responses(401, 403, 422))
async def supervisor_metrics(
    _: SupervisorDep, desk: DeskDep,
    day: Annotated[date | None, Query(description="YYYY-MM-DD, local to the staffing policy's "
                                                  "time zone; default today")] = None,
) -> SupervisorMetrics:
    """The queue now (open, waiting, breaching SLA) and one day's containment, escalation
    rate and reasons, CSAT, first-contact resolution and first response time (definitions in
    `tools/metrics.py` and the README)."""
    if day is not None and not _FIRST_DAY <= day <= _LAST_DAY:
        # Local midnight of year 1 or 9999 overflows in UTC; nothing here predates 2000.
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, "invalid request",
                       f"day: must be between {_FIRST_DAY} and {_LAST_DAY}")
    staffing = desk.assistant.deps.policies.staffing
    engine = desk.assistant.store.engine
    metrics = await day_metrics(engine, staffing, day or today(staffing))
    return SupervisorMetrics(**metrics.model_dump(), live=await live_counts(engine, staffing))


@router.get("/v1/console/options", tags=["inbox"], responses=responses(401, 422))
async def console_options(_: AgentDep, desk: DeskDep) -> ConsoleOptions:
    """What the console's filters and transfer form offer: every team (skill) the escalation
    policy routes to or an agent has, the priorities and their SLA minutes."""
    policies = desk.assistant.deps.policies
    skills = {"general"} | {r.skill for r in policies.escalation.rules}
    skills |= {s for a in await desk.agents.list() if a.active for s in a.skills}
    return ConsoleOptions(skills=sorted(skills), priorities=PRIORITIES,
                          sla_minutes=dict(policies.staffing.sla_minutes),
                          timezone=policies.staffing.timezone)


# --- pages ----------------------------------------------------------------------------------

async def _session(request: Request) -> AgentAccount | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        return await session_agent(request.app.state.desk, raw)
    except ApiError:
        return None


def _page(name: str, lang: str, status_code: int = status.HTTP_200_OK) -> HTMLResponse:
    html = (WEB / name).read_text("utf-8")
    html = html.replace("__LANG__", lang).replace("__DIR__", "rtl" if lang == "ar" else "ltr")
    return HTMLResponse(html, status_code=status_code, headers=_PAGE_HEADERS)


def _to_login(path: str) -> RedirectResponse:
    return RedirectResponse(f"/console/login?next={quote(path)}", status.HTTP_303_SEE_OTHER)


def _safe_next(value: str | None) -> str:
    # Only back into the console: never an open redirect.
    if value and value.startswith("/console") and not value.startswith("/console//"):
        return value
    return "/console/"


@router.get("/console", include_in_schema=False)
async def console_root() -> Response:
    return RedirectResponse("/console/", status.HTTP_308_PERMANENT_REDIRECT)


@router.get("/console/", include_in_schema=False)
async def console_page(request: Request) -> Response:
    agent = await _session(request)
    if agent is None:
        return _to_login("/console/")
    return _page("index.html", agent.ui_language)


@router.get("/console/login", include_in_schema=False)
async def login_page(request: Request, next: str | None = None) -> Response:
    if await _session(request) is not None:
        return RedirectResponse(_safe_next(next), status.HTTP_303_SEE_OTHER)
    lang = "en" if request.headers.get("accept-language", "").lower().startswith("en") else "ar"
    return _page("login.html", lang)


@router.get("/console/supervisor", include_in_schema=False)
async def supervisor_page(request: Request) -> Response:
    agent = await _session(request)
    if agent is None:
        return _to_login("/console/supervisor")
    if not agent.supervises:
        return _page("forbidden.html", agent.ui_language, status.HTTP_403_FORBIDDEN)
    return _page("supervisor.html", agent.ui_language)


def install(app: FastAPI) -> None:
    """Add the console's pages, assets and endpoints (after `inbox_api.install`)."""
    app.include_router(router)
    app.mount("/console/assets", StaticFiles(directory=WEB / "assets"), name="console-assets")
