"""`cx eval replay`: scenarios through the real assistant, per-turn and end-state checks, the
gate CI relies on, pass^k with an LLM over real HTTP, and the HTML report's links."""

from __future__ import annotations

import json
import re
import shutil
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from evals.replay import open_shared, replay, replay_in_processes, summarize
from evals.scenarios import load_scenarios
from tests.conftest import ALWAYS_OPEN, make_settings, policies_copy, serve
from tests.openai_stub import create_stub

SHIPPED = Path(__file__).resolve().parents[1] / "evals" / "scenarios"


def write(path: Path, body: str) -> Path:
    path.write_text(textwrap.dedent(body), "utf-8")
    return path


def env(data_dir: Path, **extra: str) -> dict[str, str]:
    return {"CX_DATA_DIR": str(data_dir), "CX_BRAIN": "offline", "COLUMNS": "200",
            "OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""} | extra


@pytest.fixture(scope="module")
def replay_data(seeded_template, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("replay") / "data"
    shutil.copytree(seeded_template, target)
    return target


CANCEL = """\
scenarios:
  - id: cancel-yes-en
    language: en
    customer: C1001
    tags: [cancel_order]
    turns:
      - say: "please cancel my order RW-100316"
        expect:
          intent: cancel_order
          tools: [{name: cancel_order, allowed: false, reason: awaiting customer confirmation}]
          escalate: false
      - say: "yes"
        expect:
          tools: [{name: cancel_order, allowed: true, args: {order_id: RW-100316}}]
    end: {orders: {RW-100316: {status: cancelled}}, handoff: false, tickets: 0}
  - id: cancel-no-ar
    language: ar
    customer: C1001
    tags: [cancel_order, do_nothing]
    turns:
      - say: "ابي الغي طلبي RW-100316"
        expect: {intent: cancel_order, no_tools: writes}
      - say: "لا خلاص ما ابي الغيه"
        expect: {no_tools: writes}
    end: {unchanged: true, handoff: false}
"""


async def test_replay_checks_each_turn_and_the_end_state(replay_data, tmp_path):
    settings = make_settings(replay_data)
    good = load_scenarios([write(tmp_path / "good.yaml", CANCEL)])
    # The same conversations graded wrongly: each wrong expectation is a named failure.
    wrong = CANCEL.replace("intent: cancel_order\n", "intent: track_order\n") \
        .replace("{RW-100316: {status: cancelled}}", "{RW-100316: {status: pending}}") \
        .replace("no_tools: writes}\n    end", "no_tools: writes, reply_contains: [\"تم الإلغاء\"]}"
                 "\n    end").replace("cancel-", "wrong-")
    bad = load_scenarios([write(tmp_path / "bad.yaml", wrong)])
    assert not good.problems and not bad.problems
    async with open_shared(settings) as shared:
        results, transcripts = await replay(shared, good.scenarios + bad.scenarios)
    by = {r.scenario: r for r in results}
    assert by["cancel-yes-en"].passed, by["cancel-yes-en"].failures
    assert by["cancel-no-ar"].passed, by["cancel-no-ar"].failures
    # Each run had its own world: the Arabic "no" saw RW-100316 still pending although the
    # English run before it cancelled the same order.
    assert by["cancel-no-ar"].turns[0].tools[0].reason == "awaiting customer confirmation"
    failed = {(f.turn, f.check) for f in by["wrong-yes-en"].failures}
    assert failed == {(1, "intent"), (None, "order")}
    assert [f.got for f in by["wrong-yes-en"].failures if f.check == "order"] == [
        "RW-100316 cancelled"]
    assert {(f.turn, f.check) for f in by["wrong-no-ar"].failures} == {(2, "reply_contains")}
    report = summarize(results, good.scenarios + bad.scenarios, repeat=1, sources=[],
                       brain="offline", policy_versions={}, invalid=[], seconds=1)
    assert report.pass_rate.numerator == 2 and report.pass_rate.denominator == 4
    assert report.by_language["ar"].value == 0.5
    # Every run is a labelled transcript for `cx eval score`.
    t = {x.id: x for x in transcripts}["cancel-yes-en"]
    assert t.labels.expected_intents == ["cancel_order", None]
    assert t.labels.should_escalate is False
    assert any(getattr(turn, "event", None) == "tool_call" and turn.name == "cancel_order"
               and turn.allowed for turn in t.turns)
    # Spread over two worker processes (what `cx eval replay` does for a large suite): the
    # same verdicts and failures, in the same order, with every transcript.
    ticks: list[bool] = []
    spread, spread_transcripts = await replay_in_processes(
        settings, good.scenarios + bad.scenarios, processes=2, on_done=ticks.append)
    assert [(r.scenario, r.passed, [(f.turn, f.check) for f in r.failures]) for r in spread] \
        == [(r.scenario, r.passed, [(f.turn, f.check) for f in r.failures]) for r in results]
    assert [x.id for x in spread_transcripts] == [x.id for x in transcripts]
    assert sorted(ticks) == [False, False, True, True]


async def test_do_nothing_catches_any_change(replay_data, tmp_path):
    # "unchanged" fails when the conversation changed an order, even one nobody named.
    settings = make_settings(replay_data)
    body = CANCEL.split("  - id: cancel-no-ar")[0].replace(
        "end: {orders: {RW-100316: {status: cancelled}}, handoff: false, tickets: 0}",
        "end: {unchanged: true}")
    loaded = load_scenarios([write(tmp_path / "s.yaml", body)])
    async with open_shared(settings) as shared:
        results, _ = await replay(shared, loaded.scenarios)
    (fail,) = results[0].failures
    assert fail.check == "unchanged" and "RW-100316: pending -> cancelled" in fail.got


def test_invalid_scenarios_are_reported_with_their_line_and_skipped(replay_data, tmp_path):
    path = write(tmp_path / "mixed.yaml", """\
        scenarios:
          - id: ok-greeting
            language: en
            turns: [{say: "hello", expect: {intent: greeting, escalate: false}}]
          - id: typo
            language: en
            turns: [{say: "hi", expect: {intnet: greeting}}]
          - id: no-turns
            language: ar
            turns: []
        """)
    loaded = load_scenarios([path])
    assert [s.id for s in loaded.scenarios] == ["ok-greeting"]
    assert [(p.line, "intnet" in p.reason or "turns" in p.reason) for p in loaded.problems] == [
        (5, True), (8, True)]
    out = CliRunner().invoke(app, ["eval", "replay", str(path)], env=env(replay_data))
    # The valid one ran and passed; the skipped ones miss the max_invalid gate.
    assert out.exit_code == 1, out.output
    assert "line 5 skipped" in out.output and "100.0% (1/1)" in out.output
    assert re.search(r"replay\.invalid\s+│\s+≤ 0\s+│\s+2\s+│\s+FAIL", out.output), out.output
    missing = CliRunner().invoke(app, ["eval", "replay", str(tmp_path / "nope.yaml")],
                                 env=env(replay_data))
    assert missing.exit_code == 2 and "no such file" in missing.output


THREAT = """\
scenarios:
  - id: threat-ar
    language: ar
    tags: [legal_or_regulator_threat]
    turns:
      - say: "بشتكي عليكم في وزارة التجارة إذا ما رجعتوا فلوسي"
        expect: {escalate: true, rule: legal_or_regulator_threat}
    end: {handoff: {rule: legal_or_regulator_threat, priority: urgent}, mode: waiting_human}
  - id: threat-en
    language: en
    tags: [legal_or_regulator_threat]
    turns:
      - say: "I will take this to my lawyer and the consumer protection authority"
        expect: {escalate: true, rule: legal_or_regulator_threat}
    end: {handoff: {rule: legal_or_regulator_threat, priority: urgent}, mode: waiting_human}
"""


def test_a_change_that_breaks_a_scenario_fails_the_command(replay_data, tmp_path):
    """What CI relies on: the same scenarios pass with the shipped policies and exit 1 once
    someone deletes the rule they depend on, naming the scenario and the broken check."""
    path = write(tmp_path / "threats.yaml", THREAT)
    runner = CliRunner()
    html = tmp_path / "ok.html"
    ok = runner.invoke(app, ["eval", "replay", str(path), "--html", str(html)],
                       env=env(replay_data))
    assert ok.exit_code == 0, ok.output
    assert "All gates passed" in ok.output and "100.0% (2/2)" in ok.output
    policies = policies_copy(tmp_path / "policies", hours=ALWAYS_OPEN, closed_dates=[])
    rules = policies / "escalation.yaml"
    text = rules.read_text("utf-8")
    start = text.index("  - id: legal_or_regulator_threat")
    end = text.index("  - id:", start + 10)
    rules.write_text(text[:start] + text[end:], "utf-8")
    # Two worker processes: each reads the changed policies too.
    out = runner.invoke(app, ["eval", "replay", str(path), "--json", "--processes", "2"],
                        env=env(replay_data, CX_POLICIES_DIR=str(policies)))
    assert out.exit_code == 1, out.output
    report = json.loads(out.stdout)
    assert report["passed"] is False and report["pass_rate"]["value"] == 0.0
    broken = {(r["scenario"], f["check"]) for r in report["results"] for f in r["failures"]}
    # The customer may still reach a person through another rule (an angry one does), but
    # not through the rule the scenario names: that check and the handoff's rule break.
    assert {("threat-ar", "rule"), ("threat-en", "rule"), ("threat-ar", "handoff"),
            ("threat-en", "handoff")} <= broken
    # The HTML report of a passing run: self-contained, every link lands on an element.
    page = html.read_text("utf-8")
    assert "<script" not in page and "Every expectation was met" in page
    assert 'id="c-threat-ar"' in page and "وزارة التجارة" in page


def test_the_html_report_links_each_failure_to_its_turn(replay_data, tmp_path):
    path = write(tmp_path / "f.yaml", THREAT.replace(
        "expect: {escalate: true, rule: legal_or_regulator_threat}",
        "expect: {escalate: true, rule: legal_or_regulator_threat, reply_contains: [zzz]}"))
    html = tmp_path / "r.html"
    out = CliRunner().invoke(app, ["eval", "replay", str(path), "--html", str(html)],
                             env=env(replay_data))
    assert out.exit_code == 1
    page = html.read_text("utf-8")
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    links = re.findall(r'href="#([^"]+)"', page)
    assert links and set(links) <= ids
    # The failure of customer turn 1 points at that customer message in the transcript.
    for cid in ("threat-ar", "threat-en"):
        target = f"c-{cid}-t-1"
        assert f'href="#{target}"' in page
        assert re.search(rf'id="{target}"><span class="role customer">', page)
    assert "Frustration: customer messages by level" in page and "Outcomes by intent" in page


def test_pass_k_with_an_llm_over_real_http(replay_data, tmp_path):
    """--repeat k with the LLM brain against a local OpenAI-compatible server that answers in
    the wrong language every second time: half the runs pass, pass^k is 0."""
    stub_app, model = create_stub()
    model.flaky_every = 2
    path = write(tmp_path / "kb.yaml", """\
        scenarios:
          - id: kb-ar
            language: ar
            tags: [delivery_info]
            turns:
              - say: "كم يوم ياخذ التوصيل للرياض؟"
                expect: {escalate: false, cites: true}
            end: {unchanged: true}
        """)
    with serve(stub_app) as base:
        out = CliRunner().invoke(
            app, ["eval", "replay", str(path), "--repeat", "4", "--concurrency", "1", "--json",
                  "--no-score"],
            env=env(replay_data, CX_BRAIN="llm", OPENAI_API_KEY="sk-test",
                    OPENAI_BASE_URL=f"{base}/v1", CX_LLM_MODEL="stub-model"))
    assert out.exit_code == 1, out.output
    report = json.loads(out.stdout)
    assert report["brain"] == "llm" and report["repeat"] == 4 and report["runs"] == 4
    assert report["pass_rate"]["numerator"] == 2 and report["pass_k"]["value"] == 0.0
    assert [r["passed"] for r in report["results"]] == [True, False, True, False]
    assert {f["check"] for r in report["results"] for f in r["failures"]} == {"reply_language"}
    # Real requests reached the model, with the retrieved passages.
    chats = [r for r in model.requests if "messages" in r]
    assert len(chats) >= 4 and all("CONTEXT:" in r["messages"][0]["content"] for r in chats)


def test_the_shipped_suite_is_large_bilingual_and_valid():
    loaded = load_scenarios([SHIPPED])
    assert not loaded.problems, loaded.problems
    scenarios = loaded.scenarios
    assert len(scenarios) >= 120
    langs = {s.language for s in scenarios}
    assert langs == {"ar", "en"}
    intents = {i for s in scenarios for t in s.turns
               for i in ([t.expect.intent] if isinstance(t.expect.intent, str)
                         else t.expect.intent or [])}
    catalogue = {p.stem for p in (SHIPPED.parents[1] / "agent" / "catalogue").glob("*.yaml")}
    assert catalogue <= intents, catalogue - intents
    rules = {r for s in scenarios for r in [t.expect.rule for t in s.turns] if r}
    assert {"safety_issue", "legal_or_regulator_threat", "fraud_or_account_takeover",
            "refund_above_auto_approval", "vip_complaint", "angry_customer",
            "explicit_human_request", "low_retrieval_twice", "no_progress"} <= rules
    tags = {t for s in scenarios for t in s.tags}
    assert {"near_miss", "injection", "do_nothing", "dialect", "code_switching"} <= tags


def test_blind_writers_get_the_brand_materials_and_nothing_of_the_assistant(tmp_path):
    from datetime import date

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from blind_materials import build

    files = {p.relative_to(tmp_path).as_posix() for p in build(tmp_path, date(2026, 12, 5))}
    # The brief dates the orders as the replay will, so "yesterday" means the same day.
    assert "as of today, 2026-12-05" in (tmp_path / "BRIEF.md").read_text("utf-8")
    assert {"BRIEF.md", "FORMAT.md", "materials/demo-brand.md", "materials/crm/orders.json",
            "materials/policies/actions.yaml"} <= files
    # How the assistant words things, its code and its scenarios are not for the writers.
    assert not any("replies" in f or f.endswith(".py") or "scenarios" in f for f in files)


@pytest.mark.parametrize("needle,found", [
    ("99 SAR", False),       # inside "299 SAR": not the number 99
    ("299", True),
    ("500", False),          # inside "1,500"
    ("1,500", True),
    ("209", True),           # "209.00": the decimals end the number
    ("15", False),           # only inside "150" and "1,500"
    ("3-5", True),
    ("RW-100234", True),
    ("مجان", True),
    ("٢٩٩", True),           # digit scripts are folded
])
def test_numbers_in_expectations_match_whole_numbers_only(needle, found):
    from evals.replay import fold, mentions
    reply = fold("Standard delivery is 25 SAR, free for orders of 299 SAR or more (1,500 SAR "
                 "for large ones); refunds take 3-5 days. Order RW-100234 comes to SAR 209.00 "
                 "with 150 SAR off. التوصيل مجاني")
    assert mentions(reply, needle) is found
