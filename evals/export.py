"""Transcripts out of the product's own store (`cx eval export`) and in from CSV (`cx eval import`).

**Export** reads the SQL store (SQLite or PostgreSQL, the same tables the product writes):
conversations and their messages, the audit log (tool calls, escalation decisions, handoffs,
callback tickets, what people did on a handoff), handoffs, tickets and CSAT answers (when the
`csat` table exists). A conversation belongs to the window when its *first customer message*
was sent in it (as in tools/metrics.py); a widget opened without a word is not a contact.

By default personal data is redacted: every text (messages, reasons, tool arguments) goes
through `policies.privacy.redact` with the privacy policy's labels, and customer ids become
pseudonyms (`cust_` + 16 hex of an HMAC-SHA256 with a secret key), the same for a customer in
every export made with the same key, so repeat contacts still link up. Conversation ids become
`conv_` pseudonyms the same way: a shared file names no live conversation. Before a message is
redacted the personal data in it is recorded as marks (`pii`: kind and whether it is the
conversation's own customer's), so privacy can still be scored on a redacted file.
`redact=False` keeps everything readable (and lists the customer's own contacts).

Internal notes of agents never leave the store: they are not part of a transcript.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import column, func, inspect, select, table
from sqlalchemy.ext.asyncio import AsyncEngine

from agent.language import detect
from evals.transcript import (
    AgentTurn,
    AssistantTurn,
    Citation,
    Customer,
    CustomerTurn,
    HandoffRecord,
    Labels,
    LineProblem,
    Outcome,
    PiiMark,
    SystemTurn,
    TicketRecord,
    Transcript,
    describe_error,
    as_utc,
)
from policies.privacy import PrivacyPolicy, find_pii, redact
from tools import db
from tools.contact import normalize_email, normalize_phone

# Audited actions that are tool calls (tools/actions.py) and what people do on a handoff.
TOOL_ACTIONS = frozenset({
    "find_customer", "verify_identity", "get_order", "list_orders", "track_shipment",
    "cancel_order", "start_return", "request_refund", "create_ticket", "request_human",
})
AGENT_ACTIONS = {"inbox.claim": "claim", "inbox.transfer": "transfer",
                 "inbox.resolve": "resolve", "inbox.handback": "handback"}
AWAITING_CONFIRMATION = "awaiting customer confirmation"
# Of an assistant reply's data, what QA needs (the rest is the order as shown, with addresses).
_REPLY_DATA = ("order_id", "status", "amount", "total", "limit", "handoff_id", "ticket_id",
               "confidence", "priority", "expected_delivery", "callback_by", "wait_minutes")
_CHUNK = 500

_csat = table("csat", column("conversation_id"), column("score"), column("created_at"))


def pseudonymizer(key: str | bytes) -> Callable[..., str]:
    """A stable pseudonym for a customer id (or, with `kind="conv"`, a conversation id): the
    same key gives the same pseudonym, and the two kinds never share one."""
    secret = key.encode("utf-8") if isinstance(key, str) else key

    def pseudonym(value: str, kind: str = "cust") -> str:
        message = value if kind == "cust" else f"{kind}:{value}"
        digest = hmac.new(secret, message.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"{kind}_{digest[:16]}"

    return pseudonym


@dataclass
class _Privacy:
    """How one export treats personal data (redact=False: everything kept as stored)."""

    policy: PrivacyPolicy
    redact: bool
    pseudonym: Callable[..., str]

    def text(self, value: str) -> str:
        return redact(value, self.policy) if self.redact else value

    def customer(self, customer_id: str | None) -> str | None:
        if customer_id is None:
            return None
        return self.pseudonym(customer_id) if self.redact else customer_id

    def conversation(self, conversation_id: str) -> str:
        # An id in a shared file must not lead back to the live conversation.
        return self.pseudonym(conversation_id, "conv") if self.redact else conversation_id

    def actor(self, actor: str) -> str:
        if actor.startswith("customer:"):
            return "customer:" + (self.customer(actor.split(":", 1)[1]) or "")
        return actor

    def details(self, value: Any, key: str | None = None) -> Any:
        """Nested details with customer ids pseudonymised and free text redacted."""
        if isinstance(value, dict):
            return {k: self.details(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.details(v, key) for v in value]
        if isinstance(value, str):
            if key in ("customer_id", "order_owner"):
                return self.customer(value)
            if key == "conversation_id":
                return self.conversation(value)
            return self.text(value)
        return value


def pii_marks(text: str, own: set[str], policy: PrivacyPolicy | None) -> list[PiiMark]:
    """The personal data in `text`: kind, and whether it is in `own` (canonical forms of the
    conversation's customer's email and phone and what they typed themselves)."""
    marks = []
    for start, end, kind in find_pii(text, policy):
        value = canonical_contact(text[start:end], kind)
        marks.append(PiiMark(kind=kind, own=value in own))
    return marks


def canonical_contact(value: str, kind: str) -> str:
    if kind == "email":
        return normalize_email(value)
    if kind == "phone":
        return normalize_phone(value) or value
    return "".join(ch for ch in value if ch.isalnum()).upper()


def own_values(contacts: Iterable[str], customer_texts: Iterable[str],
               policy: PrivacyPolicy | None) -> set[str]:
    """Canonical personal data that belongs to the conversation's own customer."""
    own: set[str] = set()
    for c in contacts:
        own.add(normalize_phone(c) or normalize_email(c))
    for text in customer_texts:
        for start, end, kind in find_pii(text, policy):
            own.add(canonical_contact(text[start:end], kind))
    return own


async def _in_chunks(conn, query_of: Callable[[list[str]], Any], ids: list[str]) -> list[Any]:
    rows: list[Any] = []
    for i in range(0, len(ids), _CHUNK):
        rows += (await conn.execute(query_of(ids[i:i + _CHUNK]))).mappings().all()
    return rows


async def export_store(
    engine: AsyncEngine,
    since: datetime,
    until: datetime | None,
    privacy: PrivacyPolicy,
    *,
    redact_pii: bool = True,
    pseudonym: Callable[[str], str] | None = None,
) -> list[Transcript]:
    """Conversations whose first customer message is in [since, until), oldest first."""
    p = _Privacy(privacy, redact_pii, pseudonym or pseudonymizer(b"cx-eval"))
    m, a, h, t, c = (db.messages.c, db.audit_log.c, db.handoffs.c, db.tickets.c,
                     db.conversations.c)
    first = func.min(m.created_at)
    window = (select(m.conversation_id, first.label("first")).where(m.role == "customer")
              .group_by(m.conversation_id).having(first >= since))
    if until is not None:
        window = window.having(first < until)
    async with engine.connect() as conn:
        firsts = {r.conversation_id: as_utc(r.first) for r in (await conn.execute(window)).all()}
        ids = sorted(firsts, key=lambda i: (firsts[i], i))
        if not ids:
            return []
        convs = {r["id"]: r for r in await _in_chunks(
            conn, lambda ch: select(db.conversations).where(c.id.in_(ch)), ids)}
        messages = await _in_chunks(
            conn, lambda ch: select(db.messages).where(m.conversation_id.in_(ch))
            .order_by(m.id), ids)
        audits = await _in_chunks(
            conn, lambda ch: select(db.audit_log).where(a.conversation_id.in_(ch))
            .order_by(a.id), ids)
        handoffs = await _in_chunks(
            conn, lambda ch: select(db.handoffs).where(h.conversation_id.in_(ch))
            .order_by(h.created_at), ids)
        tickets = await _in_chunks(
            conn, lambda ch: select(db.tickets).where(t.conversation_id.in_(ch))
            .order_by(t.created_at), ids)
        csat: dict[str, int] = {}
        if await conn.run_sync(lambda sync: inspect(sync).has_table("csat")):
            for r in await _in_chunks(
                    conn, lambda ch: select(_csat.c.conversation_id, _csat.c.score)
                    .where(_csat.c.conversation_id.in_(ch)), ids):
                csat[r["conversation_id"]] = int(r["score"])
        customer_ids = sorted({r["customer_id"] for r in convs.values() if r["customer_id"]})
        customers = {r["id"]: r for r in await _in_chunks(
            conn, lambda ch: select(db.customers.c.id, db.customers.c.tier,
                                    db.customers.c.email, db.customers.c.phone)
            .where(db.customers.c.id.in_(ch)), customer_ids)} if customer_ids else {}
        order_ids = sorted({(r["details"] or {}).get("order_id") for r in audits
                            if isinstance((r["details"] or {}).get("order_id"), str)})
        owners = {r["id"]: r["customer_id"] for r in await _in_chunks(
            conn, lambda ch: select(db.orders.c.id, db.orders.c.customer_id)
            .where(db.orders.c.id.in_(ch)), order_ids)} if order_ids else {}

    by_conv: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for kind, rows in (("messages", messages), ("audits", audits), ("handoffs", handoffs),
                       ("tickets", tickets)):
        for r in rows:
            by_conv[r["conversation_id"]][kind].append(r)
    out = []
    for cid in ids:
        conv = convs.get(cid)
        if conv is None:
            continue
        parts = by_conv[cid]
        out.append(_transcript(conv, parts["messages"], parts["audits"], parts["handoffs"],
                               parts["tickets"], csat.get(cid), customers, owners, p))
    return out


def _transcript(conv, messages, audits, handoffs, tickets, csat, customers, owners,
                p: _Privacy) -> Transcript:
    customer = customers.get(conv["customer_id"]) if conv["customer_id"] else None
    contacts = [customer["email"], customer["phone"]] if customer else []
    own = own_values(contacts, [r["text"] for r in messages if r["role"] == "customer"],
                     p.policy)
    timeline: list[tuple[datetime, int, int, Any]] = []
    for r in messages:
        rank = 0 if r["role"] == "customer" else 2
        timeline.append((as_utc(r["created_at"]), rank, r["id"], _message_turn(r, own, p)))
    transfers: dict[str, int] = defaultdict(int)
    for r in audits:
        if r["action"] == "inbox.transfer" and r["allowed"]:
            transfers[(r["details"] or {}).get("handoff_id")] += 1
        turn = _audit_turn(r, owners, p)
        if turn is not None:
            timeline.append((as_utc(r["at"]), 1, r["id"], turn))
    timeline.sort(key=lambda x: (x[0], x[1], x[2]))
    tier = customer["tier"] if customer else None
    return Transcript(
        id=p.conversation(conv["id"]),
        channel=conv["channel"],
        language=conv["locale"] if conv["locale"] in ("ar", "en") else conv["language"],
        customer=Customer(ref=p.customer(conv["customer_id"]), tier=tier,
                          contacts=[] if p.redact else contacts)
        if conv["customer_id"] else None,
        started_at=as_utc(conv["created_at"]),
        source="export",
        redacted=p.redact,
        turns=[turn for *_, turn in timeline],
        outcome=Outcome(
            mode=conv["mode"],
            handoffs=[HandoffRecord(
                id=r["id"], status=r["status"], priority=r["priority"], skill=r["skill"],
                rule_id=r["rule_id"], created_at=_maybe_utc(r["created_at"]),
                claimed_at=_maybe_utc(r["claimed_at"]), resolved_at=_maybe_utc(r["resolved_at"]),
                transfers=transfers.get(r["id"], 0)) for r in handoffs],
            tickets=[TicketRecord(
                id=r["id"], priority=r["priority"], status=r["status"],
                created_at=_maybe_utc(r["created_at"]), callback_by=_maybe_utc(r["callback_by"]))
                for r in tickets],
        ),
        labels=Labels(csat=csat) if csat is not None else None,
    )


def _maybe_utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def _message_turn(r, own: set[str], p: _Privacy):
    at = as_utc(r["created_at"])
    raw = r["text"]
    lang = r["language"] if r["language"] in ("ar", "en") else detect(raw)
    payload = r["payload"] or {}
    role = r["role"]
    if role == "customer":
        return CustomerTurn(role="customer", at=at, text=p.text(raw), language=lang)
    if role == "assistant":
        data = payload.get("data") or {}
        return AssistantTurn(
            role="assistant", at=at, text=p.text(raw), language=lang,
            kind=payload.get("kind"), template=data.get("template"),
            citations=[Citation(id=c.get("id") or c.get("source") or "?", title=c.get("title"),
                                source=c.get("source"), anchor=c.get("anchor"))
                       for c in payload.get("citations") or []],
            data={k: data[k] for k in _REPLY_DATA if k in data},
            pii=pii_marks(raw, own, p.policy),
        )
    if role == "agent":
        return AgentTurn(role="agent", at=at, text=p.text(raw), language=lang,
                         agent=payload.get("agent_name"), pii=pii_marks(raw, own, p.policy))
    return SystemTurn(role="system", at=at, event="notice", text=p.text(raw),
                      details={k: payload[k] for k in ("template", "handoff_id") if k in payload})


def _audit_turn(r, owners: dict[str, str], p: _Privacy) -> SystemTurn | None:
    action, details = r["action"], dict(r["details"] or {})
    at = as_utc(r["at"])
    base: dict[str, Any] = dict(role="system", at=at, actor=p.actor(r["actor"]))
    if action in TOOL_ACTIONS:
        order_id = details.get("order_id")
        if isinstance(order_id, str) and order_id in owners:
            details["order_owner"] = owners[order_id]
        if not r["allowed"] and r["reason"] == AWAITING_CONFIRMATION:
            return SystemTurn(**base, event="confirmation_request", name=action,
                              reason=r["reason"], details=p.details(details))
        return SystemTurn(**base, event="tool_call", name=action, allowed=r["allowed"],
                          reason=p.text(r["reason"]), details=p.details(details))
    if action == "confirmed":
        return SystemTurn(**base, event="confirmed", name=details.get("tool"),
                          reason=p.text(r["reason"]), details=p.details(
                              {k: details[k] for k in ("order_id",) if details.get(k)}))
    if action == "escalate":
        return SystemTurn(**base, event="escalation", rule_id=details.get("rule_id"),
                          allowed=r["allowed"], reason=p.text(r["reason"]),
                          details=p.details(details))
    if action in ("handoff", "handoff_unavailable"):
        return SystemTurn(**base, event=action, rule_id=details.get("rule_id"),
                          reason=p.text(r["reason"]), details=p.details(details))
    if action in AGENT_ACTIONS and r["allowed"]:
        keep = {k: details[k] for k in ("handoff_id", "to_agent", "skill") if k in details}
        return SystemTurn(**base, event="agent_action", name=AGENT_ACTIONS[action],
                          reason=p.text(r["reason"]), details=keep)
    return None  # logins, opened handoffs, internal notes, policy reloads: not the transcript


# --- CSV import ------------------------------------------------------------------------------

CSV_COLUMNS = ("conversation_id", "timestamp", "role", "text")
_ROLE_ALIASES = {"user": "customer", "client": "customer", "bot": "assistant",
                 "ai": "assistant", "human": "agent", "human_agent": "agent"}


def import_csv(path: Path, privacy: PrivacyPolicy | None = None
               ) -> tuple[list[Transcript], list[LineProblem]]:
    """Conversations from a CSV with columns conversation_id,timestamp,role,text and
    optionally language,channel (one row per message, any order). Bad rows are reported with
    their line number and skipped. With `privacy`, texts are redacted (marks kept)."""
    problems: list[LineProblem] = []
    rows: dict[str, list[tuple[datetime, int, dict[str, str]]]] = defaultdict(list)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = [(x or "").strip().lower() for x in reader.fieldnames or []]
        missing = [x for x in CSV_COLUMNS if x not in cols]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)}; the header must "
                             f"be {','.join(CSV_COLUMNS)}[,language,channel], found {cols}")
        reader.fieldnames = cols
        order = 0
        for row in reader:
            line = reader.line_num
            row = {k: (v or "").strip() for k, v in row.items() if k}
            cid, text = row.get("conversation_id"), row.get("text")
            role = row.get("role", "").lower()
            role = _ROLE_ALIASES.get(role, role)
            stamp = row.get("timestamp", "").replace("Z", "+00:00")
            try:
                when = as_utc(datetime.fromisoformat(stamp))
            except ValueError:
                problems.append(LineProblem(line=line, reason=f"timestamp: not an ISO date-time "
                                                              f"({row.get('timestamp')!r})"))
                continue
            if not cid:
                problems.append(LineProblem(line=line, reason="conversation_id: empty"))
            elif role not in ("customer", "assistant", "agent", "system"):
                problems.append(LineProblem(line=line, reason=f"role: unknown role {role!r} "
                                                              "(expected customer, assistant, "
                                                              "agent, system)"))
            elif not text:
                problems.append(LineProblem(line=line, reason="text: empty"))
            elif row.get("language") and row["language"] not in ("ar", "en"):
                problems.append(LineProblem(line=line, reason=f"language: {row['language']!r} "
                                                              "is not ar or en"))
            else:
                order += 1
                rows[cid].append((when, order, row | {"role": role, "line": str(line)}))
    out = []
    for cid, items in rows.items():
        items.sort(key=lambda x: (x[0], x[1]))
        customer_texts = [r["text"] for _, _, r in items if r["role"] == "customer"]
        own = own_values([], customer_texts, privacy)
        redact_ = (lambda s: redact(s, privacy)) if privacy else (lambda s: s)
        turns: list[Any] = []
        for when, _, r in items:
            lang = r.get("language") or detect(r["text"])
            text = redact_(r["text"])
            if r["role"] == "customer":
                turns.append(CustomerTurn(role="customer", at=when, text=text, language=lang))
            elif r["role"] == "assistant":
                turns.append(AssistantTurn(role="assistant", at=when, text=text, language=lang,
                                           pii=pii_marks(r["text"], own, privacy)
                                           if privacy else None))
            elif r["role"] == "agent":
                turns.append(AgentTurn(role="agent", at=when, text=text, language=lang,
                                       pii=pii_marks(r["text"], own, privacy)
                                       if privacy else None))
            else:
                turns.append(SystemTurn(role="system", at=when, event="notice", text=text))
        channel = next((r["channel"] for _, _, r in items if r.get("channel")), "web")
        first_lang = next((t.language for t in turns
                           if isinstance(t, CustomerTurn) and t.language), None)
        try:
            out.append(Transcript(id=cid, channel=channel, language=first_lang,
                                  started_at=items[0][0], source=f"import:{path.name}",
                                  redacted=privacy is not None, turns=turns))
        except ValidationError as exc:
            problems.append(LineProblem(line=int(items[0][2]["line"]),
                                        reason=f"conversation {cid}: {describe_error(exc)}"))
    problems.sort(key=lambda x: x.line)
    return out, problems
