"""Who may open a conversation over HTTP: the client that holds its secret.

`POST /v1/conversations` answers with the conversation's id and a secret (32 random bytes).
Only the secret's SHA-256 is stored. Every later call about the conversation sends
`Authorization: Bearer <secret>`; the id alone opens nothing, so an id seen in a log, an
export or a shared screenshot gives no one the transcript or the customer's verified session.
A browser's EventSource cannot send headers, so the live stream also takes `?token=`: a
signed token for that one conversation, minted with the secret and valid for a few minutes
(it only has to be fresh when the stream connects)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Annotated

from fastapi import Depends, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from agent.service import Assistant, UnknownConversation
from api_errors import ApiError
from settings import Settings
from tools.conversations import Conversation

_STREAM_SALT = "cx-conversation-stream"

conversation_secret = HTTPBearer(
    auto_error=False, scheme_name="ConversationSecret",
    description="The `secret` returned by POST /v1/conversations")


def new_secret() -> tuple[str, str]:
    """A fresh secret for the client and the hash the store keeps."""
    secret = secrets.token_urlsafe(32)
    return secret, hash_secret(secret)


def hash_secret(secret: str) -> str:
    # The secret is 256 random bits: a plain hash cannot be brute-forced, no slow KDF needed.
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _stream_tokens(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.identity_secret.get_secret_value(), salt=_STREAM_SALT)


def mint_stream_token(settings: Settings, conversation_id: str) -> str:
    return _stream_tokens(settings).dumps({"c": conversation_id})


def _unauthorized(*detail: str) -> ApiError:
    return ApiError(status.HTTP_401_UNAUTHORIZED, "not authenticated", *detail,
                    headers={"WWW-Authenticate": "Bearer"})


_NO_SECRET = ("send the conversation's secret as `Authorization: Bearer <secret>` "
              "(POST /v1/conversations returns it)")


async def _conversation(request: Request, conversation_id: str) -> Conversation:
    assistant: Assistant = request.app.state.assistant
    conv = await assistant.store.get(conversation_id)
    if conv is None:
        raise UnknownConversation(conversation_id)
    return conv


async def _check_secret(request: Request, conversation_id: str, secret: str) -> None:
    assistant: Assistant = request.app.state.assistant
    stored = await assistant.store.secret_hash(conversation_id)
    # Compared even when nothing is stored, so the answer takes the same time either way.
    if not secrets.compare_digest(hash_secret(secret), stored or "-" * 64) or stored is None:
        raise _unauthorized("the secret does not open this conversation")


async def conversation_access(
    conversation_id: str, request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(conversation_secret)],
) -> Conversation:
    """The conversation, if the caller holds its secret: 401 without one, 404 if unknown."""
    if creds is None:
        raise _unauthorized(_NO_SECRET)
    conv = await _conversation(request, conversation_id)
    await _check_secret(request, conversation_id, creds.credentials)
    return conv


async def stream_access(
    conversation_id: str, request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(conversation_secret)],
    token: Annotated[str | None, Query(
        max_length=512, description="A stream token from POST .../stream-token, for clients "
                                    "that cannot send headers (EventSource)")] = None,
) -> Conversation:
    """Like `conversation_access`, or with a fresh stream token for this conversation."""
    if creds is not None or token is None:
        return await conversation_access(conversation_id, request, creds)
    settings: Settings = request.app.state.settings
    try:
        claims = _stream_tokens(settings).loads(token, max_age=settings.stream_token_ttl_s)
    except SignatureExpired:
        raise _unauthorized("the stream token has expired: ask for a new one") from None
    except BadSignature:
        raise _unauthorized("the stream token is not valid") from None
    if not isinstance(claims, dict) or claims.get("c") != conversation_id:
        raise _unauthorized("the stream token is for another conversation")
    return await _conversation(request, conversation_id)


ConversationDep = Annotated[Conversation, Depends(conversation_access)]
StreamDep = Annotated[Conversation, Depends(stream_access)]
