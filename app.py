"""The HTTP face of the assistant (FastAPI). Resources live in the lifespan, not at import."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Request, status
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette.sse import EventSourceResponse

import api_errors
import privacy_api
from admin_access import AdminDep
import console_api
import inbox_api
import widget_api
from agent.service import (Assistant, MessageIdReused, TurnResult, UnknownConversation,
                           open_assistant)
from knowledge.ingest import IngestResult, ingest_folder
from settings import Settings
from tools.rate_limits import wait_phrase
from tools.wire import UnicodeText
from api_errors import caller_language, error_response, responses, too_many_requests
from conversation_access import ConversationDep, mint_stream_token, new_secret

log = logging.getLogger("cx")

_IDENTITY_SALT = "cx-customer-identity"


class ConversationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal["web", "whatsapp", "api"] = "web"
    locale: Literal["ar", "en"] | None = Field(None, description="The page's language, if known")
    customer_token: UnicodeText | None = Field(
        None, description="Signed identity of a logged-in customer, minted by the host site"
    )


class ConversationCreated(BaseModel):
    id: str
    secret: str = Field(description="The conversation's credential: send it as "
                                    "`Authorization: Bearer <secret>` on every later call "
                                    "about this conversation. It is shown only here.")
    mode: str
    language: str | None
    verified: bool


MESSAGE_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: UnicodeText = Field(description="What the customer wrote")
    locale: Literal["ar", "en"] | None = Field(
        None, description="The page's language switch: reply in this language from now on"
    )
    client_message_id: str | None = Field(
        None, pattern=MESSAGE_ID_PATTERN,
        description="The client's id for this message (or the Idempotency-Key header): a retry "
                    "with the same id returns the first answer and stores nothing twice",
    )


class StreamToken(BaseModel):
    token: str = Field(description="Pass as `?token=` to GET .../events")
    expires_in: int = Field(description="Seconds left to open the stream with it")


class TranscriptOut(BaseModel):
    id: str
    channel: str
    mode: str
    language: str | None
    verified: bool
    messages: list[dict[str, Any]]


def identity_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.identity_secret.get_secret_value(), salt=_IDENTITY_SALT)


def mint_customer_token(settings: Settings, customer_id: str) -> str:
    """What a host site does for a logged-in customer (see README, "Signed identity")."""
    return identity_serializer(settings).dumps({"customer_id": customer_id})


class UnsafeDeployment(RuntimeError):
    """Production start-up refused: the message says what to change."""


async def _check_deployment(settings: Settings, assistant: Assistant) -> None:
    """Production refuses to start with demo logins; development says what it would refuse."""
    from tools.agents import published_demo_logins

    if settings.environment == "production":
        found = await published_demo_logins(assistant.store.engine)
        if found:
            raise UnsafeDeployment(
                f"refusing to start in production: the demo agent account(s) {', '.join(found)} "
                f"still sign in with the password published in the README; change it with "
                f"`cx agent passwd NAME` or disable it with `cx agent disable NAME`")
        return
    for weakness in settings.weaknesses():
        log.warning("development setting, refused in production: %s", weakness)


def _assistant(request: Request) -> Assistant:
    return request.app.state.assistant


AssistantDep = Annotated[Assistant, Depends(_assistant)]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_assistant(settings) as assistant:
            await _check_deployment(settings, assistant)
            app.state.assistant = assistant
            app.state.settings = settings
            app.state.ingest_lock = asyncio.Lock()
            purging = (asyncio.create_task(privacy_api.purge_periodically(
                assistant, settings.purge_interval_hours))
                if settings.purge_interval_hours else None)
            try:
                yield
            finally:
                if purging is not None:
                    purging.cancel()

    app = FastAPI(
        title="Rawaf customer-service assistant",
        version="0.1.0",
        description="Bilingual (Arabic/English) agentic customer-service API.",
        lifespan=lifespan,
    )

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["*"],
        )

    api_errors.install(app)

    @app.exception_handler(MessageIdReused)
    async def _reused(_: Request, exc: MessageIdReused) -> JSONResponse:
        return error_response(
            status.HTTP_409_CONFLICT, "message id reused",
            f"client_message_id {exc} was already used for another message in this "
            f"conversation; send a new id for a new message")

    @app.exception_handler(UnknownConversation)
    async def _unknown(_: Request, exc: UnknownConversation) -> JSONResponse:
        return error_response(status.HTTP_404_NOT_FOUND, "conversation not found", str(exc))

    @app.get("/healthz")
    async def healthz(assistant: AssistantDep) -> dict[str, Any]:
        return {
            "status": "ok",
            "brain": assistant.deps.brain.name,
            "knowledge_chunks": len(assistant.deps.knowledge),
        }

    async def _limit(request: Request, assistant: Assistant, limit: str,
                     lang: str | None) -> None:
        # Behind a proxy this is the proxy's address unless uvicorn trusts its forwarded
        # headers (FORWARDED_ALLOW_IPS, see README "Actions").
        client = request.client.host if request.client else None
        verdict = await assistant.deps.rate_limits.hit(limit, client)  # type: ignore[union-attr]
        if not verdict.allowed:
            said = caller_language(request, lang)
            raise too_many_requests(verdict.retry_after, assistant.deps.replies.label(
                "rate_limited", said).format(wait=wait_phrase(verdict.retry_after, said)))

    @app.post("/v1/conversations", status_code=status.HTTP_201_CREATED,
              responses=responses(401, 422, 429))
    async def create_conversation(
        body: ConversationCreate, request: Request, assistant: AssistantDep
    ) -> ConversationCreated:
        await _limit(request, assistant, "conversations", body.locale)
        customer_id = None
        if body.customer_token:
            try:
                claims = identity_serializer(settings).loads(
                    body.customer_token, max_age=settings.identity_max_age_s
                )
            except SignatureExpired:
                raise HTTPException(
                    status.HTTP_401_UNAUTHORIZED, "customer_token has expired"
                ) from None
            except BadSignature:
                raise HTTPException(
                    status.HTTP_401_UNAUTHORIZED, "customer_token is not valid"
                ) from None
            customer_id = claims.get("customer_id") if isinstance(claims, dict) else None
            if (not isinstance(customer_id, str) or not customer_id
                    or await assistant.deps.backend.get_customer(customer_id) is None):
                raise HTTPException(status.HTTP_401_UNAUTHORIZED, "customer_token names no customer")
        secret, secret_hash = new_secret()
        conv = await assistant.start(body.channel, body.locale, customer_id, secret_hash)
        return ConversationCreated(
            id=conv.id, secret=secret, mode=conv.mode, language=conv.language,
            verified=customer_id is not None,
        )

    @app.post("/v1/conversations/{conversation_id}/messages", response_model=TurnResult,
              responses=responses(401, 404, 409, 413, 422, 429))
    async def post_message(
        conversation_id: str, body: MessageIn, request: Request, assistant: AssistantDep,
        conv: ConversationDep,
        idempotency_key: Annotated[str | None, Header(
            alias="Idempotency-Key", pattern=MESSAGE_ID_PATTERN,
            description="Same as `client_message_id` in the body")] = None,
    ):
        if idempotency_key and body.client_message_id and idempotency_key != body.client_message_id:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                "Idempotency-Key and client_message_id differ")
        message_id = body.client_message_id or idempotency_key
        await _limit(request, assistant, "messages", body.locale or conv.language)
        text = body.text.strip()
        if not text:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "text must not be empty")
        if len(text) > settings.max_message_chars:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE,
                f"text is {len(text)} characters; the limit is {settings.max_message_chars}",
            )
        client = request.client.host if request.client else None
        if "text/event-stream" in request.headers.get("accept", ""):
            # Checked before the stream starts: afterwards the status is already 200.
            await assistant.check_message_id(conversation_id, message_id, text)

            async def events() -> AsyncIterator[dict[str, str]]:
                async for ev in assistant.stream(conversation_id, text, body.locale, client,
                                                 message_id):
                    yield {"event": ev.event, "data": json.dumps(ev.data, ensure_ascii=False)}

            return EventSourceResponse(events())
        return await assistant.turn(conversation_id, text, body.locale, client, message_id)

    @app.post("/v1/conversations/{conversation_id}/stream-token",
              responses=responses(401, 404, 422))
    async def stream_token(conv: ConversationDep) -> StreamToken:
        """A short-lived token that opens this conversation's live stream (`?token=` on
        GET .../events), for clients such as EventSource that cannot send the secret."""
        return StreamToken(token=mint_stream_token(settings, conv.id),
                           expires_in=settings.stream_token_ttl_s)

    @app.get("/v1/conversations/{conversation_id}", responses=responses(401, 404, 422))
    async def get_conversation(conv: ConversationDep, assistant: AssistantDep) -> TranscriptOut:
        conv, messages = await assistant.transcript(conv.id)
        return TranscriptOut(
            id=conv.id,
            channel=conv.channel,
            mode=conv.mode,
            language=conv.language,
            verified=conv.customer_id is not None,
            messages=[m.model_dump(mode="json") for m in messages],
        )

    @app.get("/v1/admin/knowledge", tags=["admin"], responses=responses(401, 503))
    async def knowledge_stats(_: AdminDep, assistant: AssistantDep) -> dict[str, Any]:
        """What the knowledge index holds."""
        return assistant.deps.knowledge.stats() | {"folder": str(settings.knowledge_dir)}

    @app.post("/v1/admin/knowledge/ingest", tags=["admin"], responses=responses(401, 409, 503))
    async def knowledge_ingest(_: AdminDep, request: Request, assistant: AssistantDep) -> IngestResult:
        """Re-ingest the configured knowledge folder (CX_KNOWLEDGE_DIR) and serve the result.

        Only changed files are re-embedded; unreadable files are listed in `problems`."""
        lock: asyncio.Lock = request.app.state.ingest_lock
        if lock.locked():
            raise HTTPException(status.HTTP_409_CONFLICT, "an ingestion is already running")
        async with lock:
            return await asyncio.to_thread(
                ingest_folder, assistant.deps.knowledge, settings.knowledge_dir,
                settings.model_cache_dir, settings.chunk_tokens,
            )

    @app.post("/v1/admin/knowledge/reload", tags=["admin"], responses=responses(401, 503))
    async def knowledge_reload(_: AdminDep, assistant: AssistantDep) -> dict[str, Any]:
        """Serve what `cx kb ingest` wrote to the index since this server started."""
        await asyncio.to_thread(assistant.deps.knowledge.load)
        return assistant.deps.knowledge.stats()

    @app.post("/v1/admin/policies/reload", tags=["admin"],
              responses=responses(401, 422, 503))
    async def policies_reload(_: AdminDep, assistant: AssistantDep) -> dict[str, Any]:
        """Validate the policy folder (CX_POLICIES_DIR) and serve it from the next turn.

        On any problem nothing changes: 422 lists every problem (file, line, field) and
        `versions` shows the policies still in force."""
        from policies.loader import PolicyError

        try:
            versions = await assistant.reload_policies()
        except PolicyError as exc:
            return JSONResponse(
                status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
                content={"error": "invalid policy", "detail": exc.problems,
                         "versions": assistant.policy_versions()},
            )
        return {"versions": versions}

    inbox_api.install(app)  # human agents: login, the handoff queue, live events
    widget_api.install(app)  # customers: the chat widget, the demo page, CSAT
    console_api.install(app)  # the agent console's pages (/console/) and metrics
    privacy_api.install(app)  # retention purge and customers' data requests (admin)
    return app
