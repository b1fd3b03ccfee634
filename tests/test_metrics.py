"""The supervisor's metrics on a small hand-built day whose numbers can be checked by hand.

The day is Tuesday 10 March 2026 in Riyadh (UTC+3, no daylight saving): local midnight is
21:00 UTC the evening before. Times below are local.

| conv | first customer message | what happened |
|---|---|---|
| c1  | 09:05 | the assistant handled it |
| c2  | 09:40 | handoff h2 09:45 (explicit_human_request), agent reply 09:52, resolved 10:10 |
| c3  | 10:15 | handoff h3 10:20 (angry_customer), reply 10:35, transferred, resolved 11:00 |
| c4  | 13:00 | handoff h4 13:02 (explicit_human_request), reply 13:05, resolved 13:30; |
|     |       | handed off again (h4b, angry_customer) 14:00: still queued |
| c5  | 14:30 | nobody available: callback ticket (explicit_human_request) 14:31 |
| c6  | 23:30 the day before | handoff h6 00:10 (safety_issue, urgent), still queued |
| c7  | none (widget opened, nothing said) | |
| c8  | 00:05 the next day | the assistant handled it |
| c9  | 16:00 | handoff h9 16:05 (low_retrieval_twice), reply 16:10, handed back 16:20 |
| c10 | 20:00 | the assistant handled it |
| c11 | 20:00 the day before | handoff h11 (vip_complaint) claimed the day before, still open |

Conversations of the day: c1 c2 c3 c4 c5 c9 c10 = 7; escalated: c2 c3 c4 c5 c9 = 5.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, insert

from policies.staffing import StaffingPolicy
from tools import db
from tools.metrics import day_metrics, day_window, live_counts, today

RIYADH = ZoneInfo("Asia/Riyadh")
DAY = date(2026, 3, 10)


def local(hh: int, mm: int, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=RIYADH).astimezone(UTC)


BEFORE, AFTER = DAY - timedelta(days=1), DAY + timedelta(days=1)

STAFFING = StaffingPolicy(
    version="test", timezone="Asia/Riyadh", hours={},
    queue={"max_waiting": 10, "minutes_per_waiting": 3},
    sla_minutes={"low": 240, "normal": 60, "high": 30, "urgent": 15},
    callback={"within_hours": 4},
)


def conversation(cid: str, at: datetime) -> dict:
    return dict(id=cid, channel="web", locale="ar", customer_id=None, mode="assistant",
                language="ar", created_at=at, updated_at=at)


def message(cid: str, role: str, at: datetime, **payload) -> dict:
    return dict(conversation_id=cid, role=role, text=f"{role} in {cid}", language="ar",
                payload=payload, created_at=at)


def handoff(hid: str, cid: str, rule: str | None, created: datetime, status: str = "queued",
            priority: str = "normal", claimed: datetime | None = None,
            resolved: datetime | None = None) -> dict:
    return dict(id=hid, conversation_id=cid, customer_id=None, language="ar",
                priority=priority, skill="general", reason="test", summary="test",
                status=status, created_at=created, channel="web", rule_id=rule, packet=None,
                assigned_to="sara" if claimed else None, claimed_at=claimed, resolved_at=resolved)


def audit(action: str, cid: str, at: datetime, **details) -> dict:
    return dict(at=at, conversation_id=cid, actor="agent:sara", action=action, allowed=True,
                reason="test", details=details)


CONVERSATIONS = [conversation(c, at) for c, at in [
    ("c1", local(9, 5)), ("c2", local(9, 40)), ("c3", local(10, 15)), ("c4", local(13, 0)),
    ("c5", local(14, 30)), ("c6", local(23, 30, BEFORE)), ("c7", local(11, 0)),
    ("c8", local(0, 5, AFTER)), ("c9", local(16, 0)), ("c10", local(20, 0)),
    ("c11", local(20, 0, BEFORE)),
]]
MESSAGES = [
    message("c1", "customer", local(9, 5)), message("c1", "assistant", local(9, 5)),
    message("c2", "customer", local(9, 40)), message("c2", "customer", local(9, 44)),
    message("c2", "system", local(9, 50), handoff_id="h2", template="inbox.agent_joined"),
    message("c2", "agent", local(9, 52), handoff_id="h2"),
    message("c2", "agent", local(9, 58), handoff_id="h2"),
    message("c3", "customer", local(10, 15)), message("c3", "agent", local(10, 35), handoff_id="h3"),
    message("c4", "customer", local(13, 0)), message("c4", "agent", local(13, 5), handoff_id="h4"),
    message("c4", "customer", local(13, 58)),
    message("c5", "customer", local(14, 30)),
    message("c6", "customer", local(23, 30, BEFORE)), message("c6", "customer", local(0, 9)),
    message("c8", "customer", local(0, 5, AFTER)),
    message("c9", "customer", local(16, 0)), message("c9", "agent", local(16, 10), handoff_id="h9"),
    message("c10", "customer", local(20, 0)),
    message("c11", "customer", local(20, 0, BEFORE)),
]
HANDOFFS = [
    handoff("h2", "c2", "explicit_human_request", local(9, 45), "resolved",
            claimed=local(9, 50), resolved=local(10, 10)),
    handoff("h3", "c3", "angry_customer", local(10, 20), "resolved", priority="high",
            claimed=local(10, 30), resolved=local(11, 0)),
    handoff("h4", "c4", "explicit_human_request", local(13, 2), "resolved",
            claimed=local(13, 4), resolved=local(13, 30)),
    handoff("h4b", "c4", "angry_customer", local(14, 0)),
    handoff("h6", "c6", "safety_issue", local(0, 10), priority="urgent"),
    handoff("h9", "c9", "low_retrieval_twice", local(16, 5), "returned",
            claimed=local(16, 8), resolved=local(16, 20)),
    handoff("h11", "c11", "vip_complaint", local(20, 5, BEFORE), "claimed", priority="high",
            claimed=local(20, 10, BEFORE)),
]
AUDIT = [
    audit("inbox.transfer", "c3", local(10, 40), handoff_id="h3", skill="complaints"),
    # A refused transfer changes nothing.
    audit("inbox.transfer", "c2", local(9, 55), handoff_id="h2") | {"allowed": False},
    audit("handoff_unavailable", "c5", local(14, 31), rule_id="explicit_human_request")
    | {"actor": "assistant"},
]
# Answers to "How satisfied are you?" (the widget's table): who resolved it, and when.
CSAT = [("c2", 5, "human", local(10, 12)), ("c3", 4, "human", local(11, 2)),
        ("c4", 2, "human", local(13, 31)), ("c10", 5, "assistant", local(20, 10)),
        ("c11", 1, "human", local(21, 0, BEFORE))]


def _csat_table() -> Table:
    """The widget's table if tools/db.py has it, else one with the agreed columns."""
    if "csat" in db.metadata.tables:
        return db.metadata.tables["csat"]
    return Table("csat", MetaData(), Column("conversation_id", String(64), primary_key=True),
                 Column("score", Integer), Column("comment", Text),
                 Column("resolved_by", String(16)), Column("created_at", DateTime(timezone=True)))


async def _engine(path: Path, with_csat: bool):
    engine = db.make_engine(f"sqlite+aiosqlite:///{path}")
    await db.create_schema(engine)
    async with engine.begin() as conn:
        await conn.execute(insert(db.conversations), CONVERSATIONS)
        await conn.execute(insert(db.messages), MESSAGES)
        await conn.execute(insert(db.handoffs), HANDOFFS)
        await conn.execute(insert(db.audit_log), AUDIT)
        if with_csat:
            csat = _csat_table()
            await conn.run_sync(lambda sync: csat.create(sync, checkfirst=True))
            rows = [dict(conversation_id=c, score=s, comment=None, resolved_by=by, created_at=at)
                    for c, s, by, at in CSAT]
            await conn.execute(insert(csat), rows)
        elif "csat" in db.metadata.tables:
            await conn.run_sync(lambda sync: db.metadata.tables["csat"].drop(sync))
    return engine


@pytest.fixture
async def engine(tmp_path):
    engine = await _engine(tmp_path / "metrics.db", with_csat=True)
    yield engine
    await engine.dispose()


def test_the_day_is_the_local_calendar_day():
    start, end = day_window(DAY, STAFFING)
    assert start == datetime(2026, 3, 9, 21, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 10, 21, 0, tzinfo=UTC)
    # 22:30 UTC on the 9th is already the 10th in Riyadh.
    assert today(STAFFING, datetime(2026, 3, 9, 22, 30, tzinfo=UTC)) == DAY


async def test_containment_and_escalation(engine):
    m = await day_metrics(engine, STAFFING, DAY, at=local(12, 0, DAY + timedelta(days=3)))
    # c7 said nothing, c6 and c11 began the day before, c8 the day after.
    assert m.conversations == 7
    assert m.escalated == 5  # c2 c3 c4 (handoffs), c5 (callback ticket), c9 (handed back later)
    assert (m.containment.numerator, m.containment.denominator) == (2, 7)
    assert m.containment.value == round(2 / 7, 4)
    assert m.escalation.value == round(5 / 7, 4)
    # Reasons: every escalation of the day, c6's (a conversation of the day before) included.
    assert [(r.rule_id, r.count) for r in m.reasons] == [
        ("explicit_human_request", 3), ("angry_customer", 2),
        ("low_retrieval_twice", 1), ("safety_issue", 1)]
    assert m.callbacks == 1


async def test_first_contact_resolution_and_first_response(engine):
    m = await day_metrics(engine, STAFFING, DAY, at=local(12, 0, DAY + timedelta(days=3)))
    # Resolved that day: h2, h3, h4 (h9 was handed back). h3 was transferred; c4 needed a
    # person again 30 minutes after h4 was resolved. Only h2 was resolved at first contact.
    assert (m.fcr.rate.numerator, m.fcr.rate.denominator) == (1, 3)
    assert (m.fcr.transferred, m.fcr.reopened, m.fcr.provisional) == (1, 1, False)
    # Handoff to the first reply a person wrote: h2 7, h3 15, h4 3, h9 5 minutes (the
    # "has joined" notice is not a reply); h4b and h6 are unanswered.
    assert m.first_response.median_minutes == 6.0
    assert (m.first_response.answered, m.first_response.unanswered) == (4, 2)
    assert m.first_response.minutes == [3.0, 5.0, 7.0, 15.0]
    # Until 24 hours after the day's end, FCR can still change.
    later_today = await day_metrics(engine, STAFFING, DAY, at=local(23, 0))
    assert later_today.fcr.provisional is True


async def test_csat_and_hourly(engine):
    m = await day_metrics(engine, STAFFING, DAY, at=local(23, 0))
    assert m.csat.responses == 4  # the score of 1 was given the day before
    assert m.csat.average == 4.0  # (5 + 4 + 2 + 5) / 4
    assert m.csat.satisfied_share == 0.75
    assert m.csat.distribution == {1: 0, 2: 1, 3: 0, 4: 1, 5: 2}
    assert m.csat.by_resolved_by == {"human": round(11 / 3, 2), "assistant": 5.0}
    conversations = {b.hour: b.conversations for b in m.hourly if b.conversations}
    assert conversations == {9: 2, 10: 1, 13: 1, 14: 1, 16: 1, 20: 1}
    handoffs = {b.hour: b.handoffs for b in m.hourly if b.handoffs}
    assert handoffs == {0: 1, 9: 1, 10: 1, 13: 1, 14: 1, 16: 1}
    assert len(m.hourly) == 24


async def test_live_counts(engine):
    live = await live_counts(engine, STAFFING, at=local(14, 30))
    # Open: h4b (queued 14:00, normal: due 15:00), h6 (queued 00:10, urgent: due 00:25),
    # h11 (claimed). Only h6 is past its deadline; a claimed handoff's clock has stopped.
    assert (live.open, live.waiting, live.claimed, live.breaching) == (3, 2, 1, 1)
    assert (await live_counts(engine, STAFFING, at=local(15, 1))).breaching == 2


async def test_an_empty_day_and_no_csat_table(tmp_path):
    engine = await _engine(tmp_path / "bare.db", with_csat=False)
    try:
        m = await day_metrics(engine, STAFFING, DAY, at=local(23, 0))
        assert m.csat.responses == 0 and m.csat.average is None
        assert m.conversations == 7  # the rest does not depend on CSAT
        empty = await day_metrics(engine, STAFFING, date(2026, 1, 1), at=local(23, 0))
        assert empty.conversations == 0 and empty.containment.value is None
        assert empty.fcr.rate.value is None and empty.first_response.median_minutes is None
        assert empty.reasons == [] and sum(b.conversations for b in empty.hourly) == 0
    finally:
        await engine.dispose()
