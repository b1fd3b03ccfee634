"""The inbox API: human agents log in, work the handoff queue and talk to customers live.

`install(app)` adds the routes, the error shape and what they need (built in the app's
lifespan). Each state change is a conditional update in `tools.inbox`, so it is race-safe;
this module adds what follows from it: the conversation's mode, the message the customer sees,
the audit record and the live events (`inbox` channel for agents, the conversation's channel
for the customer's widget).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import (APIRouter, Cookie, Depends, FastAPI, Header, Query, Request,
                     Response, status)
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sse_starlette.sse import AppStatus, EventSourceResponse

from agent.language import detect
from api_errors import ApiError, caller_language, responses, too_many_requests
from conversation_access import StreamDep
from agent.service import Assistant, UnknownConversation
from tools.agents import USERNAME_PATTERN, AgentAccount, AgentStore, SessionTokens
from tools.backend import now
from tools.conversations import Mode, TranscriptMessage
from tools.wire import UnicodeText, UtcDateTime
from tools.events import INBOX, Event, conversation_channel, follow
from tools.inbox import Conflict, Forbidden, InboxItem, InboxStore, Note, NotFound
from tools.rate_limits import wait_phrase
from tools.models import AuditRecord, Handoff, HandoffPacket, HandoffStatus

SKILL_PATTERN = r"^[a-z][a-z0-9_-]{1,31}$"
# The console's session: the same signed token, in an HttpOnly, SameSite=Strict cookie.
SESSION_COOKIE = "cx_agent_session"


def _unauthorized(*detail: str) -> ApiError:
    return ApiError(status.HTTP_401_UNAUTHORIZED, "not authenticated", *detail,
                    headers={"WWW-Authenticate": "Bearer"})


# A transcript message id as an SSE client sends it back (fits a signed 64-bit integer).
_EVENT_ID = re.compile(r"[0-9]{1,18}")


# --- what goes over the wire -------------------------------------------------------------

class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: UnicodeText = Field(min_length=1, max_length=64)
    password: UnicodeText = Field(min_length=1, max_length=256)
    cookie: bool = Field(False, description=(
        "Start a browser session instead: the token goes into an HttpOnly, SameSite=Strict "
        "cookie and is left out of the body (the agent console does this)"))


class LoginOut(BaseModel):
    token: str | None = Field(description="None when the session is a cookie")
    token_type: Literal["bearer"] = "bearer"
    expires_at: UtcDateTime
    agent: AgentAccount


class TextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: UnicodeText = Field(min_length=1, max_length=4000)


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skill: str | None = Field(None, pattern=SKILL_PATTERN,
                              description="Back to the queue for this team")
    agent_username: str | None = Field(None, pattern=USERNAME_PATTERN,
                                       description="Straight to this agent")

    @model_validator(mode="after")
    def _something(self) -> "TransferIn":
        if not self.skill and not self.agent_username:
            raise ValueError("give a skill, an agent_username or both")
        return self


class InboxList(BaseModel):
    items: list[InboxItem]


class ConversationView(BaseModel):
    id: str
    mode: Mode
    language: str | None
    channel: str
    verified: bool


class InboxDetail(BaseModel):
    handoff: InboxItem
    packet: HandoffPacket | None
    conversation: ConversationView
    transcript: list[TranscriptMessage]
    customer: dict[str, Any] | None
    orders: list[dict[str, Any]]
    notes: list[Note] = Field(description="Internal: never shown to the customer")


class ActionOut(BaseModel):
    handoff: InboxItem
    mode: Mode
    message: TranscriptMessage | None = Field(None, description="What the customer was sent")


class NoteOut(BaseModel):
    handoff: InboxItem
    note: Note


# --- the desk: what the routes share, built in the app's lifespan -------------------------

@dataclass
class Desk:
    assistant: Assistant
    agents: AgentStore
    inbox: InboxStore
    tokens: SessionTokens

    async def audit(self, agent: AgentAccount | str, action: str, *, handoff: Handoff | None = None,
                    allowed: bool = True, reason: str = "", **details: Any) -> None:
        username = agent.username if isinstance(agent, AgentAccount) else agent
        await self.assistant.deps.backend.record_audit(AuditRecord(
            at=now(), conversation_id=handoff.conversation_id if handoff else None,
            actor=f"agent:{username}"[:64], action=action, allowed=allowed, reason=reason,
            details=details | ({"handoff_id": handoff.id} if handoff else {}),
        ))

    async def tell(self, h: Handoff, key: str,
                   agent: AgentAccount | None = None) -> TranscriptMessage:
        """A system message to the customer in the conversation's language."""
        conv = await self.assistant.store.get(h.conversation_id)
        lang = conv.language if conv and conv.language in ("ar", "en") else h.language
        values = _brand_names(self.assistant, lang) | {"agent": agent.name(lang) if agent else ""}
        replies = self.assistant.deps.replies
        text = replies.text(key, lang, **values)
        payload = {"template": key, "handoff_id": h.id}
        if agent:
            payload |= {"agent_id": agent.id, "agent_name": agent.name(lang)}
        return await self.assistant.post(h.conversation_id, "system", text, language=lang,
                                         payload=payload)

    async def queue_event(self, type: str, h: Handoff, agent: AgentAccount, **extra: Any) -> None:
        await self.assistant.bus.publish(INBOX, type, {
            "handoff": self.inbox.item(h, lang=agent.ui_language).model_dump(mode="json"),
            "conversation_id": h.conversation_id, "by": agent.username, **extra,
        })

    async def mode(self, h: Handoff, mode: Mode, *, fresh_start: bool = False) -> None:
        await self.assistant.set_mode(h.conversation_id, mode, fresh_start=fresh_start)
        await self.assistant.publish(h.conversation_id, "mode", {"mode": mode})


def _brand_names(assistant: Assistant, lang: str) -> dict[str, str]:
    """The brand's and the assistant's names from the voice policy in force (it can be
    reloaded while the server runs); generic wording if the policy has none."""
    brand = getattr(getattr(assistant.deps.policies, "voice", None), "brand", None)
    try:
        return {"brand": getattr(brand.name, lang), "assistant": getattr(brand.assistant_name, lang)}
    except AttributeError:
        generic = {"en": ("customer care", "our virtual assistant"),
                   "ar": ("خدمة العملاء", "المساعد الافتراضي")}[lang]
        return {"brand": generic[0], "assistant": generic[1]}


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Runs inside the app's own lifespan, after the assistant is open.
    assistant: Assistant = app.state.assistant
    settings = assistant.deps.settings
    app.state.desk = Desk(
        assistant=assistant,
        agents=AgentStore(assistant.store.engine),
        inbox=InboxStore(assistant.store.engine, lambda: assistant.deps.policies.staffing),
        tokens=SessionTokens(settings),
    )
    yield


router = APIRouter(lifespan=_lifespan)
# What acting on a handoff may answer besides 200: not signed in, not allowed, no such
# handoff, someone else holds it (or it is closed), bad input.
_HANDOFF_ERRORS = responses(401, 403, 404, 409, 422)
_bearer = HTTPBearer(auto_error=False)


def _desk(request: Request) -> Desk:
    return request.app.state.desk


DeskDep = Annotated[Desk, Depends(_desk)]


async def session_agent(desk: Desk, raw: str) -> AgentAccount:
    """The account a session token names; 401 if it is invalid, expired or ended."""
    try:
        agent_id, fingerprint = desk.tokens.read(raw)
    except ValueError as exc:
        raise _unauthorized(str(exc)) from None
    agent = await desk.agents.from_session(agent_id, fingerprint)
    if agent is None:
        raise _unauthorized("the session has ended (account disabled or password changed): "
                            "log in again")
    return agent


def _cross_site(request: Request) -> bool:
    """A state-changing request from another origin. SameSite=Strict already keeps the cookie
    off those in current browsers; this is the belt to its braces."""
    origin = request.headers.get("origin")
    if request.method in ("GET", "HEAD", "OPTIONS") or not origin:
        return False
    # The host only: behind a TLS proxy the scheme seen here may differ from the browser's.
    return urlsplit(origin).netloc != request.headers.get("host", "")


async def _current_agent(
    desk: DeskDep,
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    token: Annotated[str | None,
                     Query(description="For EventSource, which cannot send headers")] = None,
    session: Annotated[str | None, Cookie(alias=SESSION_COOKIE, include_in_schema=False)] = None,
) -> AgentAccount:
    raw = creds.credentials if creds else token
    if not raw and session:
        if _cross_site(request):
            raise ApiError(status.HTTP_403_FORBIDDEN, "forbidden",
                           "a session cookie is not accepted from another origin")
        raw = session
    if not raw:
        raise _unauthorized("send Authorization: Bearer <token> (or ?token= on event streams); "
                            "POST /v1/agent/login gives one")
    return await session_agent(desk, raw)


AgentDep = Annotated[AgentAccount, Depends(_current_agent)]


def _supervisor(agent: AgentDep) -> AgentAccount:
    if not agent.supervises:
        raise ApiError(status.HTTP_403_FORBIDDEN, "forbidden",
                       f"this needs a supervisor or admin; {agent.username} is an {agent.role}")
    return agent


SupervisorDep = Annotated[AgentAccount, Depends(_supervisor)]


async def _handoff(desk: Desk, handoff_id: str) -> Handoff:
    try:
        return await desk.inbox.get(handoff_id)
    except NotFound:
        raise ApiError(status.HTTP_404_NOT_FOUND, "handoff not found",
                       f"no handoff {handoff_id}") from None


async def _refused(desk: Desk, agent: AgentAccount, action: str, handoff_id: str,
                   exc: Exception) -> ApiError:
    """Audit a refused action (on the handoff's conversation) and make it the HTTP error."""
    code, error = {
        Conflict: (status.HTTP_409_CONFLICT, "conflict"),
        Forbidden: (status.HTTP_403_FORBIDDEN, "forbidden"),
        NotFound: (status.HTTP_404_NOT_FOUND, "handoff not found"),
    }[type(exc)]
    message = str(exc) if not isinstance(exc, NotFound) else f"no handoff {handoff_id}"
    try:
        h = await desk.inbox.get(handoff_id)
    except NotFound:
        h = None
    await desk.audit(agent, action, handoff=h, allowed=False, reason=message,
                     **({} if h else {"handoff_id": handoff_id}))
    return ApiError(code, error, message)


# --- agents --------------------------------------------------------------------------------

@router.post("/v1/agent/login", tags=["inbox"], responses=responses(401, 422, 429))
async def login(body: LoginIn, desk: DeskDep, request: Request, response: Response) -> LoginOut:
    """A session token for the inbox API (`Authorization: Bearer <token>`), or with
    `"cookie": true` a browser session (HttpOnly, SameSite=Strict cookie)."""
    # Failed sign-ins are counted per address and per account; while either is full even
    # the right password is refused, so guessing cannot simply continue more slowly.
    limits = desk.assistant.deps.rate_limits
    client = request.client.host if request.client else None
    account = f"agent:{body.username.lower()}"
    for verdict in (await limits.check("login_client", client),
                    await limits.check("login_account", account)):
        if not verdict.allowed:
            await desk.audit(body.username, "inbox.login", allowed=False,
                             reason="too many failed sign-ins: paused")
            lang = caller_language(request)
            raise too_many_requests(verdict.retry_after, desk.assistant.deps.replies.label(
                "rate_limited", lang).format(wait=wait_phrase(verdict.retry_after, lang)))
    found = await desk.agents.authenticate(body.username, body.password)
    if found is None:
        await limits.hit("login_client", client)
        await limits.hit("login_account", account)
        await desk.audit(body.username, "inbox.login", allowed=False,
                         reason="wrong username or password, or account disabled")
        raise _unauthorized("wrong username or password")
    agent, fingerprint = found
    token, expires = desk.tokens.mint(agent, fingerprint)
    await desk.audit(agent, "inbox.login", reason="logged in" + (" (cookie)" if body.cookie else ""))
    if body.cookie:
        settings = desk.assistant.deps.settings
        response.set_cookie(
            SESSION_COOKIE, token, max_age=int(settings.agent_session_hours * 3600), path="/",
            httponly=True, samesite="strict",
            secure=request.url.scheme == "https" or settings.environment == "production",
        )
        return LoginOut(token=None, expires_at=expires, agent=agent)
    return LoginOut(token=token, expires_at=expires, agent=agent)


@router.post("/v1/agent/logout", tags=["inbox"], status_code=status.HTTP_204_NO_CONTENT)
async def logout(desk: DeskDep, request: Request) -> Response:
    """End the browser session: the cookie is cleared (with or without a valid session).
    Bearer tokens are not stored anywhere, so they simply expire."""
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        try:
            await desk.audit(await session_agent(desk, raw), "inbox.logout", reason="logged out")
        except ApiError:
            pass  # an expired or ended session: nothing to record, the cookie still goes
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/v1/agent/me", tags=["inbox"], responses=responses(401, 422))
async def me(agent: AgentDep) -> AgentAccount:
    return agent


@router.get("/v1/agents", tags=["inbox"], responses=responses(401, 422))
async def list_agents(_: SupervisorDep, desk: DeskDep) -> list[AgentAccount]:
    """Everyone who can take a transfer (supervisors and admins)."""
    return await desk.agents.list()


# --- the queue ------------------------------------------------------------------------------

@router.get("/v1/inbox", tags=["inbox"], responses=responses(401, 403, 422))
async def list_inbox(
    agent: AgentDep, desk: DeskDep,
    status_: Annotated[list[HandoffStatus] | None, Query(alias="status")] = None,
    language: Literal["ar", "en"] | None = None,
    skill: Annotated[str | None, Query(pattern=SKILL_PATTERN)] = None,
    mine: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    lang: Annotated[Literal["ar", "en"] | None,
                    Query(description="The summaries' language (default: the agent's UI)")] = None,
) -> InboxList:
    """Queued and claimed handoffs (or `status=`), most urgent first, then nearest SLA."""
    return InboxList(items=await desk.inbox.list(
        statuses=status_, language=language, skill=skill,
        assigned_to=agent.username if mine else None, limit=limit,
        lang=lang or agent.ui_language,
    ))


@router.get("/v1/inbox/events", tags=["inbox"], responses=responses(401, 403, 422, stream=True))
async def inbox_events(
    agent: AgentDep, desk: DeskDep,
    conversation_id: Annotated[str | None,
                               Query(description="Also follow this conversation")] = None,
) -> EventSourceResponse:
    """Queue changes (handoff, claimed, transferred, resolved, returned, note) and customers'
    messages to people, as server-sent events; with `conversation_id`, every message of that
    conversation too. Event ids are the bus's; reload the list after a reconnect."""
    if conversation_id and await desk.assistant.store.get(conversation_id) is None:
        raise UnknownConversation(conversation_id)
    channels = [INBOX] + ([conversation_channel(conversation_id)] if conversation_id else [])
    stopping = _stop_watch()

    async def events() -> AsyncIterator[dict[str, str]]:
        async with follow(desk.assistant.bus, channels) as feed:
            yield _sse("ready", {"agent": agent.username, "following": conversation_id})
            async for ev in _drain(feed, stopping):
                followed = ev.channel != INBOX
                if followed and ev.type != "message":
                    continue  # queue changes come from the inbox channel
                if (not followed and ev.type == "message"
                        and ev.data.get("conversation_id") == conversation_id):
                    continue  # the same message arrives on the followed channel
                data = ev.data | ({"conversation_id": conversation_id} if followed else {})
                yield _sse(ev.type, data, ev.id)

    return EventSourceResponse(events(), ping=desk.assistant.deps.settings.sse_ping_s)


@router.get("/v1/inbox/{handoff_id}", tags=["inbox"], responses=responses(401, 403, 404, 422))
async def open_handoff(handoff_id: str, agent: AgentDep, desk: DeskDep) -> InboxDetail:
    """The packet, the transcript, the customer and their recent orders, and internal notes."""
    h = await _handoff(desk, handoff_id)
    conv, transcript = await desk.assistant.transcript(h.conversation_id)
    customer_id = h.customer_id or conv.customer_id
    backend = desk.assistant.deps.backend
    customer = await backend.get_customer(customer_id) if customer_id else None
    orders = await backend.list_orders(customer_id, limit=5) if customer_id else []
    await desk.audit(agent, "inbox.open", handoff=h, reason="opened the handoff",
                     customer_id=customer_id)
    return InboxDetail(
        handoff=desk.inbox.item(h, lang=agent.ui_language),
        packet=h.packet,
        conversation=ConversationView(id=conv.id, mode=conv.mode, language=conv.language,
                                      channel=conv.channel, verified=conv.customer_id is not None),
        transcript=transcript,
        customer=customer.model_dump(mode="json") if customer else None,
        orders=[o.model_dump(mode="json") for o in orders],
        notes=await desk.inbox.notes(h.id),
    )


@router.post("/v1/inbox/{handoff_id}/claim", tags=["inbox"], responses=_HANDOFF_ERRORS)
async def claim(handoff_id: str, agent: AgentDep, desk: DeskDep) -> ActionOut:
    """Take a queued handoff: the conversation becomes yours and the assistant goes quiet."""
    try:
        h = await desk.inbox.claim(handoff_id, agent)
    except (Conflict, NotFound) as exc:
        raise await _refused(desk, agent, "inbox.claim", handoff_id, exc) from None
    await desk.mode(h, "human")
    message = await desk.tell(h, "inbox.agent_joined", agent)
    await desk.audit(agent, "inbox.claim", handoff=h, reason="claimed")
    await desk.queue_event("claimed", h, agent)
    return ActionOut(handoff=desk.inbox.item(h, lang=agent.ui_language), mode="human", message=message)


@router.post("/v1/inbox/{handoff_id}/reply", tags=["inbox"], responses=_HANDOFF_ERRORS)
async def reply(handoff_id: str, body: TextIn, agent: AgentDep, desk: DeskDep) -> ActionOut:
    """Write to the customer (only the agent who claimed the handoff)."""
    text = body.text.strip()
    if not text:
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, "invalid request",
                       "text: must not be empty")
    h = await _handoff(desk, handoff_id)
    if h.status != "claimed" or h.assigned_to != agent.username:
        why = (f"handoff {h.id} is {h.status}" if h.status != "claimed"
               else f"handoff {h.id} is claimed by {h.assigned_to}; only they can reply")
        if h.status == "queued":
            why += ": claim it first"
        raise await _refused(desk, agent, "inbox.reply", h.id, Conflict(why))
    conv = await desk.assistant.store.get(h.conversation_id)
    lang = detect(text) or (conv.language if conv else None) or h.language
    message = await desk.assistant.post(
        h.conversation_id, "agent", text, language=lang,
        payload={"agent_id": agent.id, "agent_name": agent.name(lang), "handoff_id": h.id},
    )
    await desk.audit(agent, "inbox.reply", handoff=h, reason="replied to the customer",
                     message_id=message.id, chars=len(text))
    return ActionOut(handoff=desk.inbox.item(h, lang=agent.ui_language), mode=conv.mode if conv else "human",
                     message=message)


@router.post("/v1/inbox/{handoff_id}/note", tags=["inbox"], responses=_HANDOFF_ERRORS)
async def note(handoff_id: str, body: TextIn, agent: AgentDep, desk: DeskDep) -> NoteOut:
    """An internal note for colleagues (never shown to the customer). Allowed on closed
    handoffs too, for follow-ups and reviews."""
    text = body.text.strip()
    if not text:
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, "invalid request",
                       "text: must not be empty")
    h = await _handoff(desk, handoff_id)
    stored = await desk.inbox.add_note(h, agent.username, text)
    await desk.audit(agent, "inbox.note", handoff=h, reason="added an internal note",
                     note_id=stored.id)
    await desk.queue_event("note", h, agent, note=stored.model_dump(mode="json"))
    return NoteOut(handoff=desk.inbox.item(h, lang=agent.ui_language), note=stored)


@router.post("/v1/inbox/{handoff_id}/transfer", tags=["inbox"], responses=_HANDOFF_ERRORS)
async def transfer(handoff_id: str, body: TransferIn, agent: AgentDep, desk: DeskDep) -> ActionOut:
    """Back to the queue for another team (`skill`) or to a colleague (`agent_username`).
    Agents transfer their own claimed handoffs; supervisors any open one."""
    target = None
    if body.agent_username:
        target = await desk.agents.get(body.agent_username)
        if target is None or not target.active:
            raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, "invalid request",
                           f"agent_username: no active agent named {body.agent_username}")
    try:
        h = await desk.inbox.transfer(handoff_id, agent, skill=body.skill, to=target)
    except (Conflict, Forbidden, NotFound) as exc:
        raise await _refused(desk, agent, "inbox.transfer", handoff_id, exc) from None
    mode: Mode = "human" if target else "waiting_human"
    await desk.mode(h, mode)
    message = await desk.tell(h, "inbox.agent_joined" if target else "inbox.transferred", target)
    await desk.audit(agent, "inbox.transfer", handoff=h, reason="transferred",
                     to_agent=target.username if target else None, skill=h.skill)
    await desk.queue_event("transferred", h, agent, to=target.username if target else None)
    return ActionOut(handoff=desk.inbox.item(h, lang=agent.ui_language), mode=mode, message=message)


async def _close(handoff_id: str, agent: AgentAccount, desk: Desk,
                 outcome: Literal["resolved", "returned"]) -> ActionOut:
    action = "inbox.resolve" if outcome == "resolved" else "inbox.handback"
    try:
        h = await desk.inbox.close(handoff_id, agent, outcome)
    except (Conflict, Forbidden, NotFound) as exc:
        raise await _refused(desk, agent, action, handoff_id, exc) from None
    mode: Mode = "closed" if outcome == "resolved" else "assistant"
    # A fresh start: what the person dealt with must not escalate the next message again.
    await desk.mode(h, mode, fresh_start=True)
    message = await desk.tell(h, "inbox.resolved" if outcome == "resolved" else "inbox.handback")
    solved: list[str] = []
    if outcome == "resolved":
        # The person dealt with the issue: its tickets are closed with the conversation.
        solved = await desk.assistant.deps.backend.solve_tickets(h.conversation_id)
    await desk.audit(agent, action, handoff=h, reason=outcome,
                     **({"tickets_solved": solved} if solved else {}))
    await desk.queue_event(outcome, h, agent)
    return ActionOut(handoff=desk.inbox.item(h, lang=agent.ui_language), mode=mode, message=message)


@router.post("/v1/inbox/{handoff_id}/resolve", tags=["inbox"], responses=_HANDOFF_ERRORS)
async def resolve(handoff_id: str, agent: AgentDep, desk: DeskDep) -> ActionOut:
    """Done: the customer is told and the conversation is closed (a new message reopens it
    with the assistant)."""
    return await _close(handoff_id, agent, desk, "resolved")


@router.post("/v1/inbox/{handoff_id}/handback", tags=["inbox"], responses=_HANDOFF_ERRORS)
async def handback(handoff_id: str, agent: AgentDep, desk: DeskDep) -> ActionOut:
    """Give the conversation back to the assistant; the customer is told."""
    return await _close(handoff_id, agent, desk, "returned")


# --- the customer's live stream ----------------------------------------------------------------

@router.get("/v1/conversations/{conversation_id}/events", tags=["conversations"],
            responses=responses(401, 404, 422, stream=True))
async def conversation_events(
    conversation_id: str, request: Request, _: StreamDep,
    after: Annotated[int | None, Query(ge=0, le=2**63 - 1,
                                       description="Last transcript message id seen")] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> EventSourceResponse:
    """What the customer's widget shows, live: `state` first (mode, language), then each
    `message` (customer, assistant, agent, system) with the transcript message id as the event
    id, `mode` changes and `handoff` notices. Reconnecting with `Last-Event-ID` (or `?after=`)
    first replays the messages after that id, so nothing is lost or shown twice."""
    assistant: Assistant = request.app.state.assistant
    start = after
    if last_event_id is not None and last_event_id.strip():
        # ASCII digits only: str.isdigit() also takes "²" and "١٢", which int() then
        # rejects or reads as another id; and the id must fit the database's integer.
        if not _EVENT_ID.fullmatch(last_event_id.strip()):
            raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, "invalid request",
                           "Last-Event-ID: must be a transcript message id")
        start = int(last_event_id)
    if start is None:  # read before subscribing: anything newer is replayed, never skipped
        start = await assistant.store.last_message_id(conversation_id)
    stopping = _stop_watch()

    async def events() -> AsyncIterator[dict[str, str]]:
        store = assistant.store
        async with follow(assistant.bus, [conversation_channel(conversation_id)]) as feed:
            conv = await store.get(conversation_id)
            yield _sse("state", {"conversation_id": conversation_id, "mode": conv.mode,
                                 "language": conv.language})
            last = start
            pending = False  # replay at the cue (the start), then on every message event
            async for ev in _drain(feed, stopping, cue_first=True):
                if ev is None or ev.type == "message":
                    pending = True
                elif ev.type == "mode":
                    yield _sse("mode", {"mode": ev.data.get("mode")})
                elif ev.type == "handoff":  # the customer sees the reference, not the summary
                    yield _sse("handoff", {"handoff_id": ev.data.get("id"),
                                           "status": ev.data.get("status"),
                                           "mode": "waiting_human"})
                if pending:
                    # From the transcript, not the event: the bus may drop events for a slow
                    # reader, the transcript never does.
                    for msg in await store.transcript_after(conversation_id, last):
                        yield _sse("message", msg.model_dump(mode="json"), msg.id)
                        last = msg.id
                    pending = False

    return EventSourceResponse(events(), ping=assistant.deps.settings.sse_ping_s)


def _sse(event: str, data: dict[str, Any], id: int | None = None) -> dict[str, str]:
    out = {"event": event, "data": json.dumps(data, ensure_ascii=False, default=str)}
    if id is not None:
        out["id"] = str(id)
    return out


async def _drain(feed: asyncio.Queue[Event], stopping: Callable[[], bool], *,
                 cue_first: bool = False) -> AsyncIterator[Event | None]:
    """Events from the feed until the server stops (checked twice a second). With
    `cue_first`, None comes first: the caller's cue to replay what it may have missed."""
    if cue_first:
        yield None
    while not stopping():
        try:
            yield await asyncio.wait_for(feed.get(), timeout=0.5)
        except TimeoutError:
            continue


def _stop_watch() -> Callable[[], bool]:
    """Whether the server is shutting down, so open streams end and shutdown is not held up.

    sse-starlette notices uvicorn's signals in the main thread, but a server stopped by
    setting `should_exit` (tests, embedding) never reaches the app: uvicorn waits for open
    responses before it runs the lifespan's shutdown. So also look for the uvicorn server
    driving this event loop (its main task is `Server.serve`) and watch its flag."""
    try:
        from uvicorn import Server
    except ImportError:  # another ASGI server: sse-starlette's own watch only
        Server = None  # noqa: N806
    server = None
    for task in asyncio.all_tasks() if Server is not None else ():
        frame = getattr(task.get_coro(), "cr_frame", None)
        candidate = frame.f_locals.get("self") if frame is not None else None
        if isinstance(candidate, Server):  # not its lifespan, which has a should_exit too
            server = candidate
            break

    def stopping() -> bool:
        return AppStatus.should_exit or bool(server is not None and server.should_exit)

    return stopping


def install(app: FastAPI) -> None:
    """Add the inbox API to the app (its routes and their lifespan)."""
    app.include_router(router)
