"""What a supervisor watches: the queue right now, and how one local day went.

Everything is computed from the stored records (conversations' messages, handoffs, the audit
log, CSAT answers) for one calendar day in the company's time zone (the staffing policy's,
Asia/Riyadh for the demo brand). The definitions, exactly:

- **Conversation of the day**: a conversation whose *first customer message* was sent that
  day (a widget opened without a word from the customer is not a contact).
- **Escalated**: such a conversation went to people before the day ended: a handoff was
  queued, or nobody was available and a callback ticket was opened instead (audit action
  `handoff_unavailable`): either way the assistant did not handle it alone.
- **Containment rate** = conversations of the day not escalated / conversations of the day.
  **Escalation rate** = escalated / conversations of the day (the two add up to 1).
- **Escalation reasons**: every escalation *event* of the day (handoffs created that day plus
  callback tickets), counted by the escalation rule that decided it (`rule_id`;
  `unspecified` when none did, e.g. identity verification locked).
- **CSAT**: the answers given that day (score 1..5): the mean, and the share of 4 and 5
  ("satisfied"), as the CX primer defines it; also the mean by who resolved the conversation
  (`assistant` or `human`, as the widget records it). No `csat` table means no answers.
- **First-contact resolution (FCR)**: of the handoffs *resolved* by a person that day (a
  hand back to the assistant is not a resolution), the share that (a) were resolved by the
  first team they reached, with no transfer, and (b) were not followed by another handoff of
  the same conversation within 24 hours of the resolution (the customer did not need a person
  again). Until 24 hours after the day's end the figure is provisional.
- **First response time**: for the handoffs created that day, the minutes from the handoff
  (the moment the customer started waiting for a person) to the first message a person wrote
  to them (the "has joined" notice does not count); the median over those answered, with the
  number still unanswered.
- **Hourly**: conversations of the day by the local hour of their first customer message, and
  handoffs by the local hour they were created.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import column, func, inspect, select, table
from sqlalchemy.ext.asyncio import AsyncEngine

from policies.staffing import StaffingPolicy
from tools import db
from tools.wire import as_utc

REOPEN_WINDOW = timedelta(hours=24)
UNSPECIFIED = "unspecified"

# The widget's satisfaction answers; its table may not exist yet (then: no answers).
_csat = table("csat", column("conversation_id"), column("score"), column("resolved_by"),
              column("created_at"))


class Rate(BaseModel):
    value: float | None = Field(description="numerator / denominator; None when nothing to count")
    numerator: int
    denominator: int


class ReasonCount(BaseModel):
    rule_id: str
    count: int


class Csat(BaseModel):
    responses: int
    average: float | None
    satisfied_share: float | None = Field(description="Share of scores 4 and 5")
    distribution: dict[int, int] = Field(description="How many answers gave each score 1..5")
    by_resolved_by: dict[str, float | None] = Field(
        default_factory=dict, description="The mean by who resolved it: assistant or human")


class FirstContactResolution(BaseModel):
    rate: Rate
    transferred: int = Field(description="Resolved, but only after a transfer")
    reopened: int = Field(description="Resolved, then handed off again within 24 hours")
    provisional: bool = Field(description="The 24-hour reopening window is not over yet")


class FirstResponse(BaseModel):
    median_minutes: float | None
    answered: int
    unanswered: int
    minutes: list[float] = Field(default_factory=list,
                                 description="Each answered handoff's minutes, shortest first")


class HourBucket(BaseModel):
    hour: int = Field(ge=0, le=23, description="Local hour")
    conversations: int
    handoffs: int


class LiveCounts(BaseModel):
    at: datetime
    open: int = Field(description="Queued or claimed")
    waiting: int = Field(description="Queued: nobody has picked them up")
    claimed: int
    breaching: int = Field(description="Queued past their SLA deadline")


class DayMetrics(BaseModel):
    day: date
    timezone: str
    start: datetime
    end: datetime
    conversations: int
    escalated: int
    callbacks: int = Field(description="Escalations that became callback tickets")
    containment: Rate
    escalation: Rate
    reasons: list[ReasonCount]
    csat: Csat
    fcr: FirstContactResolution
    first_response: FirstResponse
    hourly: list[HourBucket]




def _rate(numerator: int, denominator: int) -> Rate:
    value = round(numerator / denominator, 4) if denominator else None
    return Rate(value=value, numerator=numerator, denominator=denominator)


def day_window(day: date, staffing: StaffingPolicy) -> tuple[datetime, datetime]:
    """[local midnight, next local midnight) as UTC instants (DST-safe for any zone)."""
    zone = staffing.zone
    start = datetime.combine(day, datetime.min.time(), zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def today(staffing: StaffingPolicy, at: datetime | None = None) -> date:
    return (at or datetime.now(UTC)).astimezone(staffing.zone).date()


async def live_counts(engine: AsyncEngine, staffing: StaffingPolicy,
                      at: datetime | None = None) -> LiveCounts:
    at = at or datetime.now(UTC)
    h = db.handoffs.c
    query = select(h.status, h.priority, h.created_at).where(h.status.in_(("queued", "claimed")))
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    waiting = [r for r in rows if r.status == "queued"]
    breaching = sum(
        1 for r in waiting
        if as_utc(r.created_at) + timedelta(minutes=staffing.sla_minutes[r.priority]) < at)
    return LiveCounts(at=at, open=len(rows), waiting=len(waiting),
                      claimed=len(rows) - len(waiting), breaching=breaching)


async def day_metrics(engine: AsyncEngine, staffing: StaffingPolicy, day: date,
                      at: datetime | None = None) -> DayMetrics:
    at = at or datetime.now(UTC)
    start, end = day_window(day, staffing)
    async with engine.connect() as conn:
        firsts = await _first_customer_messages(conn, start, end)
        escalations = await _escalations(conn, set(firsts), start, end)
        created = await _handoffs_created(conn, start, end)
        fcr = await _fcr(conn, start, end, at)
        first_response = await _first_response(conn, created)
        csat = await _csat_of(conn, start, end)

    escalated = {cid for cid, when, _, _ in escalations if cid in firsts and when < end}
    in_day = [(rule, kind) for _, when, rule, kind in escalations if start <= when < end]
    reasons = Counter(rule for rule, _ in in_day)
    hourly = [HourBucket(hour=hour, conversations=0, handoffs=0) for hour in range(24)]
    for when in firsts.values():
        hourly[when.astimezone(staffing.zone).hour].conversations += 1
    for h in created:
        hourly[h["created_at"].astimezone(staffing.zone).hour].handoffs += 1
    total = len(firsts)
    return DayMetrics(
        day=day, timezone=staffing.timezone, start=start, end=end,
        conversations=total, escalated=len(escalated),
        callbacks=sum(1 for _, kind in in_day if kind == "callback"),
        containment=_rate(total - len(escalated), total),
        escalation=_rate(len(escalated), total),
        reasons=[ReasonCount(rule_id=r, count=n)
                 for r, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))],
        csat=csat, fcr=fcr, first_response=first_response, hourly=hourly,
    )


async def _first_customer_messages(conn: Any, start: datetime, end: datetime
                                   ) -> dict[str, datetime]:
    """Conversation id -> its first customer message, for those whose first was in the day."""
    m = db.messages.c
    first = func.min(m.created_at)
    query = (select(m.conversation_id, first.label("first"))
             .where(m.role == "customer").group_by(m.conversation_id)
             .having(first >= start).having(first < end))
    return {r.conversation_id: as_utc(r.first) for r in (await conn.execute(query)).all()}


async def _escalations(conn: Any, conversations: set[str], start: datetime, end: datetime
                       ) -> list[tuple[str, datetime, str, str]]:
    """(conversation, when, rule, kind) for handoffs and callback tickets that belong to the
    day's conversations or happened during the day (kind: handoff | callback)."""
    h, a = db.handoffs.c, db.audit_log.c
    out: list[tuple[str, datetime, str, str]] = []
    ids = list(conversations)
    in_day_or_ours = (h.created_at >= start) & (h.created_at < end)
    if ids:
        in_day_or_ours = in_day_or_ours | h.conversation_id.in_(ids)
    rows = (await conn.execute(
        select(h.conversation_id, h.created_at, h.rule_id).where(in_day_or_ours))).all()
    out += [(r.conversation_id, as_utc(r.created_at), r.rule_id or UNSPECIFIED, "handoff")
            for r in rows]
    cond = (a.at >= start) & (a.at < end)
    if ids:
        cond = cond | a.conversation_id.in_(ids)
    rows = (await conn.execute(
        select(a.conversation_id, a.at, a.details)
        .where(a.action == "handoff_unavailable", a.allowed.is_(True), cond))).all()
    out += [(r.conversation_id, as_utc(r.at), (r.details or {}).get("rule_id") or UNSPECIFIED,
             "callback") for r in rows]
    return out


async def _handoffs_created(conn: Any, start: datetime, end: datetime) -> list[dict[str, Any]]:
    h = db.handoffs.c
    rows = (await conn.execute(
        select(h.id, h.conversation_id, h.created_at)
        .where(h.created_at >= start, h.created_at < end))).mappings().all()
    return [dict(r) | {"created_at": as_utc(r["created_at"])} for r in rows]


async def _fcr(conn: Any, start: datetime, end: datetime, at: datetime
               ) -> FirstContactResolution:
    h, a = db.handoffs.c, db.audit_log.c
    resolved = (await conn.execute(
        select(h.id, h.conversation_id, h.resolved_at)
        .where(h.status == "resolved", h.resolved_at >= start, h.resolved_at < end))).all()
    transferred: set[str] = set()
    reopened: set[str] = set()
    if resolved:
        ids = {r.conversation_id for r in resolved}
        moves = (await conn.execute(
            select(a.details).where(a.action == "inbox.transfer", a.allowed.is_(True),
                                    a.conversation_id.in_(ids)))).scalars().all()
        transferred = {(d or {}).get("handoff_id") for d in moves}
        later = (await conn.execute(
            select(h.conversation_id, h.created_at).where(h.conversation_id.in_(ids)))).all()
        for r in resolved:
            done = as_utc(r.resolved_at)
            if any(l.conversation_id == r.conversation_id
                   and done < as_utc(l.created_at) <= done + REOPEN_WINDOW for l in later):
                reopened.add(r.id)
    first = [r for r in resolved if r.id not in transferred and r.id not in reopened]
    return FirstContactResolution(
        rate=_rate(len(first), len(resolved)),
        transferred=sum(1 for r in resolved if r.id in transferred),
        reopened=len(reopened), provisional=at < end + REOPEN_WINDOW,
    )


async def _first_response(conn: Any, created: list[dict[str, Any]]) -> FirstResponse:
    if not created:
        return FirstResponse(median_minutes=None, answered=0, unanswered=0)
    m = db.messages.c
    by_conversation: dict[str, list[Any]] = {}
    rows = (await conn.execute(
        select(m.conversation_id, m.payload, m.created_at)
        .where(m.role == "agent", m.conversation_id.in_({h["conversation_id"] for h in created}))
        .order_by(m.id))).all()
    for r in rows:
        by_conversation.setdefault(r.conversation_id, []).append(r)
    minutes = []
    for h in created:
        replies = [as_utc(r.created_at) for r in by_conversation.get(h["conversation_id"], [])
                   if (r.payload or {}).get("handoff_id") == h["id"]]
        if replies:
            minutes.append((min(replies) - h["created_at"]).total_seconds() / 60)
    return FirstResponse(
        median_minutes=round(statistics.median(minutes), 1) if minutes else None,
        answered=len(minutes), unanswered=len(created) - len(minutes),
        minutes=sorted(round(m, 1) for m in minutes))


async def _csat_of(conn: Any, start: datetime, end: datetime) -> Csat:
    if not await conn.run_sync(lambda sync: inspect(sync).has_table("csat")):
        return Csat(responses=0, average=None, satisfied_share=None,
                    distribution={s: 0 for s in range(1, 6)})
    rows = (await conn.execute(
        select(_csat.c.score, _csat.c.resolved_by)
        .where(_csat.c.created_at >= start, _csat.c.created_at < end))).all()
    scores = [int(r.score) for r in rows]
    counts = Counter(scores)
    by: dict[str, list[int]] = {"assistant": [], "human": []}
    for r in rows:
        by.setdefault(r.resolved_by or UNSPECIFIED, []).append(int(r.score))
    return Csat(
        responses=len(scores),
        average=round(statistics.fmean(scores), 2) if scores else None,
        satisfied_share=round((counts[4] + counts[5]) / len(scores), 4) if scores else None,
        distribution={s: counts[s] for s in range(1, 6)},
        by_resolved_by={k: round(statistics.fmean(v), 2) if v else None for k, v in by.items()},
    )
