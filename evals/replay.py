"""`cx eval replay`: the current assistant over scripted scenarios (evals/scenarios.py).

Each run of a scenario gets its own world: a copy of the demo CRM seeded once for the whole
replay (so end-state checks see only that scenario's doing), its own conversation store and
checkpointer, and the staffing of the scenario's `team`. The heavy parts (knowledge index,
intent model, the brain, the current policies) are loaded once and shared.

Per turn the replies, the understood intent, who owns the conversation and the tool calls of
the audit log are checked against the turn's expectations; at the end the state of orders,
handoffs and tickets. Every run is also exported as a `cx-transcript/1` conversation labelled
from the scenario (should escalate and when, the expected intents), so `cx eval score` can
measure itself against those labels (`scorer_agreement` in the report).
"""

from __future__ import annotations

import re

import asyncio
import dataclasses
import queue
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from agent.deps import Deps
from agent.graph import build_graph
from agent.language import detect
from agent.replies import ReplyBook
from agent.service import Assistant, make_brain, open_knowledge, open_understanding
from evals.export import TOOL_ACTIONS, export_store
from evals.scenarios import Scenario, ToolExpectation, TurnExpectation
from evals.scoring import Rate, rate
from evals.thresholds import GateResult
from evals.transcript import LineProblem, Labels, Transcript
from knowledge.normalize import normalize
from policies.engine import Policies
from policies.staffing import StaffingPolicy
from settings import Settings
from tools import db
from tools.actions import Toolbox
from tools.backend import SqlCommerceBackend
from tools.contact import to_ascii_digits
from tools.conversations import ConversationStore
from tools.db import create_schema, make_engine
from tools.seed import seed_demo_crm
from tools.throttle import VerificationThrottle

REPORT_SCHEMA = "cx-replay-report/1"
WRITES = ("cancel_order", "start_return", "request_refund")
_ALL_DAY = [{"opens": "00:00", "closes": "24:00"}]
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ReplayError(RuntimeError):
    """The replay cannot start (e.g. the knowledge index was never built)."""


# --- results -------------------------------------------------------------------------------


class Failure(BaseModel):
    turn: int | None = Field(None, description="customer turn (from 1); none = end state")
    check: str = Field(description="intent, tool, no_tools, escalate, rule, reply_contains, "
                                   "reply_any, reply_excludes, cites, template, "
                                   "reply_language, order, handoff, tickets, mode, unchanged, "
                                   "error")
    expected: str
    got: str


class ToolCall(BaseModel):
    name: str
    allowed: bool
    reason: str
    details: dict[str, Any] = Field(default_factory=dict)


class TurnLog(BaseModel):
    say: str
    intent: str | None
    frustration: str | None
    mode: str
    replies: list[str]
    templates: list[str]
    tools: list[ToolCall]
    escalated: bool
    rule: str | None = None


class RunResult(BaseModel):
    scenario: str
    attempt: int
    file: str | None
    language: str
    tags: list[str]
    passed: bool
    checks: int
    failures: list[Failure]
    turns: list[TurnLog]
    seconds: float
    transcript_id: str | None = None


class ScenarioSummary(BaseModel):
    id: str
    language: str
    tags: list[str]
    runs: int
    passed_runs: int
    passed_all: bool


class ScorerAgreement(BaseModel):
    """How the transcript scorer (`cx eval score`) judges the replayed conversations, compared
    with the labels the scenarios imply."""

    labelled: int = Field(description="conversations labelled should/should not escalate")
    agreement: float | None = Field(None, description="share where the re-evaluated current "
                                                      "rules agree with the label")
    kappa: float | None = Field(None, description="Cohen's kappa of that agreement")
    rules_precision: float | None = None
    rules_recall: float | None = None
    intents_labelled: int = 0
    intent_accuracy: float | None = None
    findings: dict[str, int] = Field(default_factory=dict,
                                     description="the scorer's findings by check")


class ReplayReport(BaseModel):
    schema_version: str = Field(REPORT_SCHEMA, alias="schema")
    sources: list[str]
    brain: str
    policy_versions: dict[str, str]
    repeat: int
    scenarios: int
    runs: int
    pass_rate: Rate = Field(description="runs that met every expectation")
    pass_k: Rate = Field(description="scenarios whose every one of `repeat` runs passed "
                                     "(pass^k)")
    by_language: dict[str, Rate]
    by_tag: dict[str, Rate]
    failed_checks: dict[str, int]
    checks: int
    invalid: list[LineProblem] = Field(default_factory=list)
    scorer_agreement: ScorerAgreement | None = None
    notes: list[str] = Field(default_factory=list)
    gates: list[GateResult] = Field(default_factory=list)
    passed: bool = True
    seconds: float = 0.0
    per_scenario: list[ScenarioSummary]
    results: list[RunResult]

    model_config = {"populate_by_name": True}

    def metrics(self) -> dict[str, float | None]:
        return {"replay.pass_rate": self.pass_rate.value, "replay.pass_k": self.pass_k.value,
                "replay.invalid": float(len(self.invalid))}


# --- matching ------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Case, Arabic letter forms and digit scripts folded, so "RW-100234" matches
    "rw-١٠٠٢٣٤" and "الاسترجاع" matches "الإسترجاع"."""
    return normalize(to_ascii_digits(text or ""))


def mentions(text: str, needle: str) -> bool:
    """`needle` appears in the folded `text`; a number in it matches a whole number only, so
    "99 SAR" is not found in "299 SAR" and "15" not in "1,500" or "150" ("209" is in "209.00")."""
    want = fold(needle)
    if not want:
        return True
    start = 0
    while (at := text.find(want, start)) >= 0:
        before, after = text[:at], text[at + len(want):]
        clean_left = not (want[0].isdigit() and re.search(r"\d[.,]?$", before))
        # ("209" is in "209.00": decimals end a number; "1" is not in "1,499".)
        clean_right = not (want[-1].isdigit() and re.match(r"^(\d|,\d{3})", after))
        if clean_left and clean_right:
            return True
        start = at + 1
    return False


def _same(expected: Any, got: Any) -> bool:
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        try:
            return abs(float(got) - float(expected)) < 1e-6
        except (TypeError, ValueError):
            return False
    return fold(str(expected)) == fold(str(got))


def tool_matches(want: ToolExpectation, call: ToolCall) -> bool:
    if want.name != call.name:
        return False
    if want.allowed is not None and want.allowed != call.allowed:
        return False
    if want.reason and fold(want.reason) not in fold(call.reason):
        return False
    seen = call.details | (call.details.get("args") or {})
    return all(k in seen and _same(v, seen[k]) for k, v in want.args.items())


def _show_call(c: ToolCall) -> str:
    args = c.details.get("args") or {k: v for k, v in c.details.items() if k != "outcome"}
    return f"{c.name}({', '.join(f'{k}={v}' for k, v in args.items())}) " \
           f"{'executed' if c.allowed else 'refused: ' + c.reason}"


def check_turn(n: int, want: TurnExpectation, log: TurnLog, replies: list[dict[str, Any]],
               language: str) -> tuple[int, list[Failure]]:
    """(checks made, failures) of one turn."""
    fails: list[Failure] = []
    checks = 0
    text = fold("\n".join(log.replies))

    def fail(check: str, expected: str, got: str) -> None:
        fails.append(Failure(turn=n, check=check, expected=expected, got=got))

    if want.intent is not None:
        checks += 1
        allowed = [want.intent] if isinstance(want.intent, str) else want.intent
        if log.intent not in allowed:
            fail("intent", " or ".join(allowed), str(log.intent))
    for t in want.tools:
        checks += 1
        if not any(tool_matches(t, c) for c in log.tools):
            fail("tool", t.model_dump_json(exclude_defaults=True),
                 "; ".join(_show_call(c) for c in log.tools) or "no tool call")
    if want.no_tools is not None:
        checks += 1
        banned = (None if want.no_tools == "any" else
                  set(WRITES) if want.no_tools == "writes" else set(want.no_tools))
        bad = [c for c in log.tools if c.allowed and (banned is None or c.name in banned)]
        if bad:
            fail("no_tools", f"no {want.no_tools} executed", "; ".join(map(_show_call, bad)))
    if want.escalate is not None:
        checks += 1
        if want.escalate != log.escalated:
            fail("escalate", "handed to people" if want.escalate else "stays with the assistant",
                 f"mode {log.mode}" + (f" (rule {log.rule})" if log.rule else ""))
    if want.rule is not None:
        checks += 1
        if want.rule != log.rule:
            fail("rule", want.rule, str(log.rule))
    for s in want.reply_contains:
        checks += 1
        if not mentions(text, s):
            fail("reply_contains", s, " | ".join(log.replies)[:400])
    if want.reply_any:
        checks += 1
        if not any(mentions(text, s) for s in want.reply_any):
            fail("reply_any", " or ".join(want.reply_any), " | ".join(log.replies)[:400])
    for s in want.reply_excludes:
        checks += 1
        if mentions(text, s):
            fail("reply_excludes", f"not {s!r}", " | ".join(log.replies)[:400])
    if want.cites is not None:
        checks += 1
        cites = [c for r in replies for c in r.get("citations") or []]
        if want.cites is False:
            if cites:
                fail("cites", "no citation", ", ".join(c.get("source", "?") for c in cites))
        elif not cites:
            fail("cites", "a citation" if want.cites is True else str(want.cites), "none")
        elif isinstance(want.cites, str) and not any(
                fold(want.cites) in fold(f"{c.get('source', '')} {c.get('title', '')}")
                for c in cites):
            fail("cites", want.cites, ", ".join(str(c.get("source")) for c in cites))
    if want.template is not None:
        checks += 1
        pattern = want.template
        ok = any(t == pattern or (pattern.endswith("*") and t.startswith(pattern[:-1]))
                 for t in log.templates)
        if not ok:
            fail("template", pattern, ", ".join(log.templates) or "free text (no template)")
    expected_lang = want.reply_language or language
    if replies:
        checks += 1
        # What the text is written in, not what the reply claims: a model can drift.
        got = [detect(r.get("text") or "") or r.get("lang") for r in replies]
        if any(g != expected_lang for g in got):
            fail("reply_language", expected_lang, ", ".join(map(str, got)))
    return checks, fails


# --- the worlds ------------------------------------------------------------------------------


def staffing_for(team: str, staffing: StaffingPolicy, today) -> StaffingPolicy:
    """The staffing policy as the scenario's `team` says, whatever the hour of the run:
    on_duty = open all day; off_duty = the real hours with today closed (so the callback time
    is the policy's own); queue_full = open, with no room in the queue."""
    doc = staffing.model_dump()
    if team == "off_duty":
        return StaffingPolicy.model_validate(doc | {"closed_dates": [*doc["closed_dates"], today]})
    open_all = StaffingPolicy.model_validate(
        doc | {"hours": {d: _ALL_DAY for d in _DAYS}, "closed_dates": []})
    if team == "queue_full":
        # No room at all (the file itself cannot say 0: a real queue takes someone).
        return open_all.model_copy(update={"queue": open_all.queue.model_copy(
            update={"max_waiting": 0})})
    return open_all


@dataclasses.dataclass
class Shared:
    settings: Settings
    policies: dict[str, Policies]
    base: Policies
    knowledge: Any
    understanding: Any
    replies: ReplyBook
    brain: Any
    template_db: Path
    workdir: Path


@asynccontextmanager
async def open_shared(settings: Settings) -> AsyncIterator[Shared]:
    """Load what every run shares, and seed the demo CRM once into a template database."""
    base = Policies.load(settings.policies_dir)
    knowledge = await asyncio.to_thread(open_knowledge, settings)
    if knowledge.collection.count() == 0:
        raise ReplayError(f"the knowledge index in {settings.data_dir} is empty: "
                          "run `cx seed` first")
    understanding = await asyncio.to_thread(open_understanding, settings, knowledge.embed)
    async with AsyncExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cx-replay-")))
        template = workdir / "template.db"
        engine = make_engine(f"sqlite+aiosqlite:///{template}")
        try:
            await create_schema(engine)
            await seed_demo_crm(engine, settings.demo_data_dir, reset=True)
        finally:
            await engine.dispose()
        today = datetime.now(base.staffing.zone).date()
        policies = {team: dataclasses.replace(base, staffing=staffing_for(
            team, base.staffing, today)) for team in ("on_duty", "off_duty", "queue_full")}
        yield Shared(settings=settings, policies=policies, base=base, knowledge=knowledge,
                     understanding=understanding,
                     replies=ReplyBook.load(settings.policies_dir / "replies.yaml"),
                     brain=make_brain(settings), template_db=template, workdir=workdir)


async def _orders(engine: AsyncEngine) -> dict[str, tuple[str, float]]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(db.orders.c.id, db.orders.c.status,
                                          db.orders.c.record))).all()
    return {r.id: (r.status, float((r.record or {}).get("refunded_amount") or 0)) for r in rows}


async def _rows(engine: AsyncEngine, table, conversation_id: str) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(table).where(
            table.c.conversation_id == conversation_id))).mappings().all()
    return [dict(r) for r in rows]


async def run_scenario(shared: Shared, scenario: Scenario, attempt: int = 1
                       ) -> tuple[RunResult, Transcript | None]:
    started = time.perf_counter()
    path = shared.workdir / f"run-{scenario.id}-{attempt}.db"
    shutil.copyfile(shared.template_db, path)
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    backend = SqlCommerceBackend(engine)
    policies = shared.policies[scenario.team]
    deps = Deps(settings=shared.settings, backend=backend,
                toolbox=Toolbox(backend, policies.actions, VerificationThrottle(engine, "replay")),
                knowledge=shared.knowledge,
                understanding=shared.understanding, policies=policies,
                replies=shared.replies, brain=shared.brain)
    assistant = Assistant(deps, build_graph(InMemorySaver()), ConversationStore(engine))
    failures: list[Failure] = []
    turns: list[TurnLog] = []
    checks = 0
    transcript = None
    try:
        before = await _orders(engine)
        conv = await assistant.start(scenario.channel, scenario.page_language, scenario.customer)
        seen = 0
        # "Escalated by this turn" and its rule are cumulative: a handoff or callback ticket
        # made at message 1 still answers an expectation written for message 2.
        rule, called_back = None, False
        for n, turn in enumerate(scenario.turns, 1):
            result = await assistant.turn(conv.id, turn.say)
            trail = await backend.audit_trail(conv.id)
            new, seen = trail[seen:], len(trail)
            calls = [ToolCall(name=r.action, allowed=r.allowed, reason=r.reason,
                              details=r.details or {}) for r in new if r.action in TOOL_ACTIONS]
            routed = [r for r in new if r.action in ("handoff", "handoff_unavailable")]
            decided = [r for r in new if r.action == "escalate"]
            rule = next((r.details.get("rule_id") for r in routed + decided
                         if (r.details or {}).get("rule_id")), rule)
            called_back = called_back or any(r.action == "handoff_unavailable" for r in new)
            log = TurnLog(
                say=turn.say, intent=result.intent, frustration=result.frustration,
                mode=result.mode, replies=[r.get("text", "") for r in result.replies],
                templates=[t for r in result.replies if (t := (r.get("data") or {}).get(
                    "template"))],
                tools=calls,
                escalated=result.mode in ("waiting_human", "human") or called_back,
                rule=rule)
            turns.append(log)
            c, f = check_turn(n, turn.expect, log, result.replies, scenario.language)
            checks += c
            failures += f
        c, f = await _check_end(scenario, engine, conv.id, before)
        checks += c
        failures += f
        got = await export_store(engine, datetime(2000, 1, 1, tzinfo=UTC), None,
                                 policies.privacy, redact_pii=False)
        if got:
            transcript = _labelled(got[0], scenario, attempt)
    except Exception as exc:  # a crash is a failed run with its reason, not a stopped suite
        failures.append(Failure(turn=len(turns) + 1 if len(turns) < len(scenario.turns)
                                else None, check="error", expected="no error",
                                got=f"{type(exc).__name__}: {exc}"))
    finally:
        await engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return RunResult(scenario=scenario.id, attempt=attempt, file=scenario.file,
                     language=scenario.language, tags=scenario.tags, passed=not failures,
                     checks=checks, failures=failures, turns=turns,
                     seconds=round(time.perf_counter() - started, 3),
                     transcript_id=transcript.id if transcript else None), transcript


async def _check_end(scenario: Scenario, engine: AsyncEngine, conversation_id: str,
                     before: dict[str, tuple[str, float]]) -> tuple[int, list[Failure]]:
    end = scenario.end
    fails: list[Failure] = []
    checks = 0
    after = await _orders(engine)
    for order_id, want in end.orders.items():
        checks += 1
        if order_id not in after:
            fails.append(Failure(check="order", expected=f"{order_id} exists", got="no such "
                                                                                   "order"))
            continue
        status, refunded = after[order_id]
        if want.status is not None and want.status != status:
            fails.append(Failure(check="order", expected=f"{order_id} {want.status}",
                                 got=f"{order_id} {status}"))
        if want.refunded_amount is not None and abs(want.refunded_amount - refunded) > 1e-6:
            fails.append(Failure(check="order", expected=f"{order_id} refunded "
                                                         f"{want.refunded_amount:g} SAR",
                                 got=f"refunded {refunded:g} SAR"))
    handoffs = await _rows(engine, db.handoffs, conversation_id)
    tickets = await _rows(engine, db.tickets, conversation_id)
    if end.handoff is not None:
        checks += 1
        if end.handoff is False and handoffs:
            fails.append(Failure(check="handoff", expected="no handoff",
                                 got=f"handoff ({handoffs[0]['rule_id']})"))
        elif end.handoff is not False and not handoffs:
            fails.append(Failure(check="handoff", expected="a handoff", got="none"))
        elif not isinstance(end.handoff, bool):
            h = handoffs[0]
            for field in ("rule", "priority", "skill"):
                want = getattr(end.handoff, field)
                have = h["rule_id" if field == "rule" else field]
                if want is not None and want != have:
                    fails.append(Failure(check="handoff", expected=f"{field} {want}",
                                         got=f"{field} {have}"))
    if end.tickets is not None:
        checks += 1
        if len(tickets) != end.tickets:
            fails.append(Failure(check="tickets", expected=str(end.tickets),
                                 got=str(len(tickets))))
    if end.mode is not None:
        checks += 1
        async with engine.connect() as conn:
            mode = (await conn.execute(select(db.conversations.c.mode).where(
                db.conversations.c.id == conversation_id))).scalar()
        if mode != end.mode:
            fails.append(Failure(check="mode", expected=end.mode, got=str(mode)))
    if end.unchanged:
        checks += 1
        changed = sorted(k for k in after if before.get(k) != after[k])
        if changed or tickets:
            got = [f"{k}: {before.get(k, ('new', 0))[0]} -> {after[k][0]}" for k in changed]
            got += [f"ticket {t['id']}" for t in tickets]
            fails.append(Failure(check="unchanged", expected="no change at all",
                                 got="; ".join(got)))
    return checks, fails


def _labelled(t: Transcript, scenario: Scenario, attempt: int) -> Transcript:
    """The run as a transcript, labelled from the scenario (for `cx eval score`)."""
    intents = [x.expect.intent if isinstance(x.expect.intent, str) or x.expect.intent is None
               else x.expect.intent[0] for x in scenario.turns]
    should = scenario.should_escalate()
    labels = Labels(should_escalate=should,
                    escalate_at_turn=scenario.escalate_at() if should else None,
                    expected_intents=intents if any(intents) else None,
                    notes=scenario.description)
    tid = scenario.id if attempt == 1 else f"{scenario.id}#{attempt}"
    return t.model_copy(update={"id": tid, "labels": labels,
                                "source": f"replay:{scenario.file or '?'}"})


# --- the whole replay ------------------------------------------------------------------------


async def replay(
    shared: Shared,
    scenarios: list[Scenario],
    *,
    repeat: int = 1,
    concurrency: int = 1,
    on_done: Callable[[RunResult], None] | None = None,
) -> tuple[list[RunResult], list[Transcript]]:
    """Every scenario `repeat` times; `on_done` after each run (the progress bar)."""
    gate = asyncio.Semaphore(max(1, concurrency))
    jobs = [(s, k) for s in scenarios for k in range(1, repeat + 1)]

    async def one(s: Scenario, k: int):
        async with gate:
            out = await run_scenario(shared, s, k)
        if on_done:
            on_done(out[0])
        return out

    done = await asyncio.gather(*(one(s, k) for s, k in jobs))
    return [r for r, _ in done], [t for _, t in done if t is not None]


def _replay_share(settings: Settings, scenarios: list[Scenario], repeat: int,
                  concurrency: int, progress: Any) -> tuple[list[RunResult], list[Transcript]]:
    """One worker process's share: its own shared world, the same runs as `replay`."""
    async def go():
        async with open_shared(settings) as shared:
            return await replay(shared, scenarios, repeat=repeat, concurrency=concurrency,
                                on_done=lambda r: progress.put(r.passed))
    return asyncio.run(go())


async def replay_in_processes(
    settings: Settings,
    scenarios: list[Scenario],
    *,
    processes: int,
    repeat: int = 1,
    concurrency: int = 1,
    on_done: Callable[[bool], None] | None = None,
) -> tuple[list[RunResult], list[Transcript]]:
    """`replay` spread over worker processes: the offline brain is CPU-bound, so one process
    keeps one core busy and a release gate of two thousand scenarios waits on it.

    Every run is independent (its own CRM copy and store), so the shares are dealt round-robin
    and the results come back in the order of `scenarios`. The caller opens its own shared
    world first, which warms the intent model's cache the workers then only read."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    processes = max(1, min(processes, len(scenarios)))
    shares = [scenarios[i::processes] for i in range(processes)]
    # spawn, not fork: the parent holds threads (asyncio, ONNX) that fork would copy half-way.
    ctx = multiprocessing.get_context("spawn")
    loop = asyncio.get_running_loop()
    with ctx.Manager() as manager, ProcessPoolExecutor(processes, mp_context=ctx) as pool:
        progress = manager.Queue()
        futures = [loop.run_in_executor(pool, _replay_share, settings, share, repeat,
                                        concurrency, progress) for share in shares]
        expected = len(scenarios) * repeat
        seen = 0
        while seen < expected and not all(f.done() for f in futures):
            try:
                passed = await asyncio.to_thread(progress.get, True, 0.5)
            except queue.Empty:  # nothing finished in the last half second
                continue
            seen += 1
            if on_done:
                on_done(passed)
        done = await asyncio.gather(*futures)
    order = {s.id: i for i, s in enumerate(scenarios)}
    results = sorted((r for rs, _ in done for r in rs),
                     key=lambda r: (order.get(r.scenario, 0), r.attempt))
    place = {r.transcript_id: i for i, r in enumerate(results)}
    transcripts = sorted((t for _, ts in done for t in ts), key=lambda t: place.get(t.id, 0))
    return results, transcripts


def summarize(results: list[RunResult], scenarios: list[Scenario], *, repeat: int,
              sources: list[str], brain: str, policy_versions: dict[str, str],
              invalid: list[LineProblem], seconds: float) -> ReplayReport:
    by_id: dict[str, list[RunResult]] = defaultdict(list)
    for r in results:
        by_id[r.scenario].append(r)
    per = [ScenarioSummary(id=s.id, language=s.language, tags=s.tags, runs=len(by_id[s.id]),
                           passed_runs=sum(r.passed for r in by_id[s.id]),
                           passed_all=bool(by_id[s.id]) and all(r.passed
                                                                for r in by_id[s.id]))
           for s in scenarios]
    lang: dict[str, list[bool]] = defaultdict(list)
    tags: dict[str, list[bool]] = defaultdict(list)
    for r in results:
        lang[r.language].append(r.passed)
        for t in r.tags:
            tags[t].append(r.passed)
    failed = Counter(f.check for r in results for f in r.failures)
    return ReplayReport(
        sources=sources, brain=brain, policy_versions=policy_versions, repeat=repeat,
        scenarios=len(scenarios), runs=len(results),
        pass_rate=rate(sum(r.passed for r in results), len(results)),
        pass_k=rate(sum(p.passed_all for p in per), len(per)),
        by_language={k: rate(sum(v), len(v)) for k, v in sorted(lang.items())},
        by_tag={k: rate(sum(v), len(v)) for k, v in sorted(tags.items())},
        failed_checks=dict(failed.most_common()),
        checks=sum(r.checks for r in results),
        invalid=invalid, seconds=round(seconds, 2), per_scenario=per, results=results)


def scorer_agreement(report) -> ScorerAgreement:
    """Agreement of the transcript scorer's own escalation judgement (the current rules
    re-evaluated over each customer message) and intent model with the scenario labels."""
    labelled = [s for s in report.per_conversation if s.should_escalate is not None]
    pairs = [(bool(s.should_escalate), s.policy_fires_at is not None) for s in labelled]
    n = len(pairs)
    agree = sum(1 for a, b in pairs if a == b)
    kappa = None
    if n:
        po = agree / n
        p_yes = (sum(a for a, _ in pairs) / n) * (sum(b for _, b in pairs) / n)
        p_no = (sum(not a for a, _ in pairs) / n) * (sum(not b for _, b in pairs) / n)
        pe = p_yes + p_no
        kappa = round((po - pe) / (1 - pe), 4) if pe < 1 else None
    intents = report.intents
    return ScorerAgreement(
        labelled=n, agreement=round(agree / n, 4) if n else None, kappa=kappa,
        rules_precision=report.escalation.current_policy_precision,
        rules_recall=report.escalation.current_policy_recall,
        intents_labelled=intents.labelled if intents else 0,
        intent_accuracy=intents.accuracy if intents else None,
        findings=dict(Counter(f.check for f in report.findings).most_common()))
