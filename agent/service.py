"""The assistant as a service: conversations in, replies out, everything persisted.

Used by the HTTP API and by `cx chat`. `open_assistant` builds every resource once (engine,
checkpointer, index, classifier) and closes them on exit.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, Literal

import aiosqlite
from langchain_core.messages import AIMessageChunk
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph.state import CompiledStateGraph
from pydantic import BaseModel, Field

from agent.brains.offline import OfflineBrain
from agent.deps import Deps
from agent.graph import build_graph
from agent.understanding import Understanding
from agent.replies import ReplyBook
from agent.state import Reply, fresh_turn
from knowledge.embeddings import E5Embeddings, OpenAIEmbeddings
from knowledge.index import KnowledgeIndex, open_collection
from policies.engine import Policies
from policies.privacy import may_hold_code, redact_code_in_context, redact_secrets
from settings import Settings
from tools.actions import Toolbox
from tools.backend import SqlCommerceBackend
from tools.conversations import (
    Conversation, ConversationStore, Mode, Role, TranscriptMessage,
)
from tools.db import create_schema, make_engine
from tools.rate_limits import RateLimits
from tools.throttle import VerificationThrottle
from tools.events import INBOX, EventBus, LocalEventBus, conversation_channel

log = logging.getLogger(__name__)


@dataclasses.dataclass
class _LockEntry:
    lock: asyncio.Lock = dataclasses.field(default_factory=asyncio.Lock)
    users: int = 0


class MessageIdReused(ValueError):
    """A client message id already used for a different message in this conversation."""


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class UnknownConversation(LookupError):
    pass


class HandoffStatus(BaseModel):
    id: str | None
    status: str
    priority: str | None = None


class TurnResult(BaseModel):
    conversation_id: str
    mode: Literal["assistant", "waiting_human", "human", "closed"]
    language: Literal["ar", "en"]
    replies: list[dict[str, Any]]
    handoff: HandoffStatus | None = None
    intent: str | None = None
    frustration: str | None = None


class StreamEvent(BaseModel):
    event: Literal["delta", "message", "done", "error"]
    data: dict[str, Any] = Field(default_factory=dict)


def make_embeddings(settings: Settings):
    if settings.embedding_backend == "openai":
        if settings.openai_api_key is None:
            raise ValueError("CX_EMBEDDING_BACKEND=openai needs OPENAI_API_KEY")
        return OpenAIEmbeddings(
            settings.openai_embedding_model,
            settings.openai_api_key.get_secret_value(),
            settings.openai_base_url,
        )
    return E5Embeddings()


def open_knowledge(settings: Settings) -> KnowledgeIndex:
    embed = make_embeddings(settings)
    if settings.chroma_mode == "http":
        where = {"host": settings.chroma_host, "port": settings.chroma_port}
    else:
        where = {"path": settings.chroma_path}
    collection = open_collection(embed, name=settings.chroma_collection, **where)
    fields = open_collection(embed, name=f"{settings.chroma_collection}-fields", **where)
    # The fixed cosine range and the shipped calibration are e5's; other embedding models
    # are normalised per query instead.
    index = KnowledgeIndex(collection=collection, embed=embed, fields=fields,
                           dense_norm="range" if isinstance(embed, E5Embeddings) else "minmax")
    index.load()
    return index


def open_understanding(settings: Settings, embedder=None) -> Understanding:
    """The intent catalogue, classifier (trained or loaded from cache) and product names.

    `embedder` (the knowledge index's, so one model serves both) gives the classifier its
    sentence-vector view unless CX_INTENT_VECTORS=off.
    """
    if settings.intent_vectors == "off":
        embedder = None
    elif embedder is None:
        embedder = make_embeddings(settings)
    fast = 1.01 if settings.intent_vectors == "always" else settings.intent_fast_confidence
    return Understanding.load(settings.catalogue_dir, settings.model_cache_dir,
                              settings.products_file, embedder, fast)


def make_brain(settings: Settings):
    if settings.use_llm:
        from agent.brains.llm import LlmBrain

        return LlmBrain(settings, settings.policies_dir / "voice.yaml")
    return OfflineBrain()


class Assistant:
    def __init__(
        self, deps: Deps, graph: CompiledStateGraph, store: ConversationStore,
        bus: EventBus | None = None,
    ) -> None:
        self.deps = deps
        self.graph = graph
        self.store = store
        self.bus: EventBus = bus or LocalEventBus()
        self._locks: dict[str, _LockEntry] = {}

    async def set_mode(self, conversation_id: str, mode: Mode, *, fresh_start: bool = False) -> None:
        """Change who owns the conversation (the inbox calls this on claim, resolve, hand back).

        `fresh_start` begins a new assistant episode: the streaks that escalated before (misses,
        requests for a person, frustration turns) no longer count, so a resolved conversation is
        not handed off again for what the human already dealt with."""
        async with self._lock(conversation_id):
            await self.store.set_mode(conversation_id, mode)
            config = self._config(conversation_id)
            snapshot = await self.graph.aget_state(config)
            if not snapshot.values:
                return
            values: dict[str, Any] = {"mode": mode}
            if fresh_start:
                values |= {
                    "handoff": None, "pending": None, "active_flow": None, "failures": 0,
                    "human_requests": 0, "low_retrieval": 0, "no_progress": 0,
                    "episode_start": len(snapshot.values.get("trajectory") or []),
                    # Repetition is judged within the episode too.
                    "customer_texts": [],
                }
            await self.graph.aupdate_state(config, values, as_node="finalize")

    async def publish(self, conversation_id: str, type: str, data: dict[str, Any],
                      *, inbox: bool = False) -> None:
        await self.bus.publish(conversation_channel(conversation_id), type, data)
        if inbox:
            await self.bus.publish(INBOX, type, data | {"conversation_id": conversation_id})

    async def post(
        self, conversation_id: str, role: Role, text: str, *, language: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> TranscriptMessage:
        """A message from a person or the system (the inbox): stored, then sent live."""
        msg = await self.store.append(conversation_id, role, text, language, payload)
        await self.publish(conversation_id, "message", msg.model_dump(mode="json"))
        return msg

    async def start(
        self, channel: str = "web", locale: str | None = None, customer_id: str | None = None,
        secret_hash: str | None = None,
    ) -> Conversation:
        return await self.store.create(f"cv_{uuid.uuid4().hex}", channel, locale, customer_id,
                                       secret_hash)

    async def transcript(self, conversation_id: str) -> tuple[Conversation, list[TranscriptMessage]]:
        conv = await self.store.get(conversation_id)
        if conv is None:
            raise UnknownConversation(conversation_id)
        return conv, await self.store.transcript(conversation_id)

    def policy_versions(self) -> dict[str, str]:
        """The version of every policy file in force."""
        return self.deps.policies.versions() | {"replies": self.deps.replies.version}

    async def reload_policies(self) -> dict[str, str]:
        """Read the policy folder again and serve it from the next turn; return its versions.

        Every file is validated first (actions, escalation, staffing, voice, privacy, replies).
        On any problem the policies in force stay in force and PolicyError lists every problem
        of every file. Turns under way finish with the policies they started with (deps are
        passed per turn). Both outcomes are audited (actor "admin", action "policy_reload")."""

        from policies.loader import PolicyError
        from tools.backend import now
        from tools.models import AuditRecord

        folder = self.deps.settings.policies_dir
        # One reload at a time, so an older folder read never replaces a newer one.
        async with self.__dict__.setdefault("_policy_reload_lock", asyncio.Lock()):
            before = self.policy_versions()
            problems: list[str] = []
            try:
                policies = await asyncio.to_thread(Policies.load, folder)
            except PolicyError as exc:
                problems += exc.problems
            try:
                replies = await asyncio.to_thread(ReplyBook.load, folder / "replies.yaml")
            except PolicyError as exc:
                problems += exc.problems
            if not problems:
                self.deps = dataclasses.replace(
                    self.deps, policies=policies,
                    toolbox=Toolbox(self.deps.backend, policies.actions, self.deps.toolbox.throttle),
                    replies=replies,
                )
            after = self.policy_versions()
            await self.deps.backend.record_audit(AuditRecord(
                at=now(), conversation_id=None, actor="admin", action="policy_reload",
                allowed=not problems,
                reason=f"refused: {len(problems)} problem(s); the policies in force were kept"
                if problems else "policies reloaded",
                details={"folder": str(folder), "versions": after, "previous": before}
                | ({"problems": problems} if problems else {}),
            ))
        if problems:
            raise PolicyError(problems)
        return after

    @asynccontextmanager
    async def _lock(self, conversation_id: str) -> AsyncIterator[None]:
        """One turn at a time per conversation. The entry lives only while someone holds or
        waits for it, so the table stays as small as the turns in flight (a flood of
        messages to made-up ids would otherwise grow it for good)."""
        entry = self._locks.get(conversation_id)
        if entry is None:
            entry = self._locks[conversation_id] = _LockEntry()
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                self._locks.pop(conversation_id, None)

    async def _begin(
        self, conversation_id: str, text: str, locale: str | None, client: str | None = None,
        *, message_id: str | None = None, stored: bool = False,
    ) -> tuple[Conversation, dict[str, Any]]:
        conv = await self.store.get(conversation_id)
        if conv is None:
            raise UnknownConversation(conversation_id)
        # The customer's words are stored before anything can fail; a pasted card number or
        # one-time code never is (privacy.yaml, never_ask).
        raw, text = text, redact_secrets(text)
        if may_hold_code(text):
            # Only a message with a bare 4-8 digit number needs the one before it.
            earlier = await self.store.last_customer_text(conversation_id)
            text = redact_code_in_context(text, [earlier] if earlier else []) or text
        if not stored:
            msg = await self.store.append(
                conversation_id, "customer", text,
                receipt=(message_id, _text_hash(raw)) if message_id is not None else None)
            await self.publish(conversation_id, "message", msg.model_dump(mode="json"),
                               inbox=conv.mode in ("waiting_human", "human"))
        turn = fresh_turn(text) | {
            "conversation_id": conversation_id,
            "channel": conv.channel,
            "mode": conv.mode,
            "customer_id": conv.customer_id,
            "page_language": conv.locale if conv.locale in ("ar", "en") else None,
            "locale_override": locale,
            "client": client,
        }
        return conv, turn

    async def _finish(self, conv: Conversation, out: dict[str, Any]) -> TurnResult:
        replies: list[Reply] = out.get("replies") or []
        stored = await self.store.record_replies(
            conv.id,
            [(r["text"], r["lang"], dict(r)) for r in replies],
            mode=out.get("mode", conv.mode),
            language=out.get("language"),
            customer_id=out.get("customer_id") or conv.customer_id,
        )
        handoff = out.get("handoff")
        mode = out.get("mode", conv.mode)
        sense = out.get("sense") or {}
        for msg in stored:  # as stored, so live streams carry the transcript ids
            await self.publish(conv.id, "message", msg.model_dump(mode="json"))
        if handoff and mode == "waiting_human" and conv.mode != "waiting_human":
            await self.publish(conv.id, "handoff", handoff, inbox=True)
        return TurnResult(
            conversation_id=conv.id,
            mode=mode,
            language=out.get("language", self.deps.settings.default_language),
            replies=[dict(r) for r in replies],
            handoff=HandoffStatus(id=handoff["id"], status=handoff["status"],
                                  priority=handoff["priority"])
            if handoff and mode == "waiting_human" else None,
            intent=sense.get("intent"),
            frustration=(sense.get("frustration") or {}).get("level"),
        )

    async def _failed(self, conv: Conversation, exc: Exception) -> TurnResult:
        log.exception("turn failed for %s", conv.id, exc_info=exc)
        # The customer never saw what a failed turn may have prepared, so a later "yes"
        # must not confirm it.
        try:
            await self.graph.aupdate_state(
                self._config(conv.id), {"pending": None, "tool_calls": []}, as_node="finalize"
            )
        except Exception:  # no checkpoint yet: nothing to clear
            log.debug("no state to clear for %s", conv.id)
        lang = conv.language if conv.language in ("ar", "en") else self.deps.settings.default_language
        reply = self.deps.replies.reply("tool_error", lang, kind="error")
        return await self._finish(conv, {"replies": [reply], "language": lang, "mode": conv.mode})

    async def forget(self, conversation_id: str) -> None:
        """Drop the conversation's checkpoints (its dialogue state): retention, deletion."""
        await self.graph.checkpointer.adelete_thread(conversation_id)

    def _config(self, conversation_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": conversation_id}}

    async def turn(
        self, conversation_id: str, text: str, locale: str | None = None,
        client: str | None = None, message_id: str | None = None,
    ) -> TurnResult:
        """One customer message; `locale` is the page's language switch, if it was used;
        `client` names the caller (its address) for limits that span conversations;
        `message_id` is the client's id for the message: a retry returns the first result."""
        async with self._lock(conversation_id):
            seen = await self._seen(conversation_id, message_id, text)
            if isinstance(seen, TurnResult):
                return seen
            conv, turn = await self._begin(conversation_id, text, locale, client,
                                           message_id=message_id, stored=seen)
            try:
                out = await self.graph.ainvoke(
                    turn, self._config(conversation_id), context=self.deps, durability="exit"
                )
            except Exception as exc:  # the customer still gets an honest reply
                result = await self._failed(conv, exc)
            else:
                result = await self._finish(conv, out)
            return await self._settle(conversation_id, message_id, result)

    async def _seen(self, conversation_id: str, message_id: str | None,
                    text: str) -> TurnResult | bool:
        """For a client's message id: the first result when this is a retry; True when the
        message is stored but its turn never finished (run it, without storing it again);
        False for a new message."""
        if message_id is None:
            return False
        receipt = await self.store.receipt(conversation_id, message_id)
        if receipt is None:
            return False
        if receipt.text_hash != _text_hash(text):
            raise MessageIdReused(message_id)
        if receipt.result is not None:
            return TurnResult.model_validate(receipt.result)
        return True

    async def check_message_id(self, conversation_id: str, message_id: str | None,
                               text: str) -> None:
        """Raise MessageIdReused before a stream starts (afterwards the status is sent)."""
        await self._seen(conversation_id, message_id, text)

    async def _settle(self, conversation_id: str, message_id: str | None,
                      result: TurnResult) -> TurnResult:
        if message_id is not None:
            await self.store.settle_receipt(conversation_id, message_id,
                                            result.model_dump(mode="json"))
        return result

    async def stream(
        self, conversation_id: str, text: str, locale: str | None = None,
        client: str | None = None, message_id: str | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """Token deltas while an LLM writes, then each final message, then done."""
        async with self._lock(conversation_id):
            seen = await self._seen(conversation_id, message_id, text)
            if isinstance(seen, TurnResult):  # a retry: the first answer again, no new turn
                for reply in seen.replies:
                    yield StreamEvent(event="message", data=reply)
                yield StreamEvent(event="done", data=seen.model_dump(exclude={"replies"}))
                return
            conv, turn = await self._begin(conversation_id, text, locale, client,
                                           message_id=message_id, stored=seen)
            try:
                async for _, chunk in self.graph.astream(
                    turn, self._config(conversation_id), context=self.deps,
                    stream_mode=["messages"], durability="exit",
                ):
                    message, meta = chunk
                    if (
                        isinstance(message, AIMessageChunk)
                        and meta.get("langgraph_node") == "respond"
                        and isinstance(message.content, str)
                        and message.content
                    ):
                        yield StreamEvent(event="delta", data={"text": message.content})
                state = await self.graph.aget_state(self._config(conversation_id))
                result = await self._finish(conv, state.values)
            except Exception as exc:
                result = await self._failed(conv, exc)
            result = await self._settle(conversation_id, message_id, result)
            for reply in result.replies:
                yield StreamEvent(event="message", data=reply)
            yield StreamEvent(event="done", data=result.model_dump(exclude={"replies"}))


@asynccontextmanager
async def open_assistant(settings: Settings) -> AsyncIterator[Assistant]:
    async with AsyncExitStack() as stack:
        engine = make_engine(settings.db_url)
        stack.push_async_callback(engine.dispose)
        await create_schema(engine)
        settings.checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(settings.checkpoint_path))
        stack.push_async_callback(conn.close)
        # WAL + synchronous=NORMAL: no corruption on power loss, one fsync per checkpoint.
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        saver = AsyncSqliteSaver(conn)
        backend = SqlCommerceBackend(engine)
        policies = Policies.load(settings.policies_dir)
        knowledge = await asyncio.to_thread(open_knowledge, settings)
        understanding = await asyncio.to_thread(open_understanding, settings, knowledge.embed)
        deps = Deps(
            settings=settings,
            backend=backend,
            toolbox=Toolbox(backend, policies.actions, VerificationThrottle(
                engine, settings.identity_secret.get_secret_value())),
            knowledge=knowledge,
            understanding=understanding,
            policies=policies,
            replies=ReplyBook.load(settings.policies_dir / "replies.yaml"),
            brain=make_brain(settings),
            rate_limits=RateLimits(settings),
        )
        yield Assistant(deps, build_graph(saver), ConversationStore(engine))
