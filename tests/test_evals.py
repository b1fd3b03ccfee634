"""QA evaluation over transcripts (evals/): the cx-transcript/1 format, export from the real
store, CSV import, and scoring (escalation, policy, grounding, language and voice, privacy,
outcomes) with release gates. Hand-written labelled transcripts live in
tests/data/transcripts/ (both languages); expected numbers are worked out in the comments."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evals.export import export_store, import_csv, pseudonymizer
from evals.scoring import Report, context_from_settings, score_transcripts
from evals.thresholds import Thresholds
from evals.transcript import (
    SCHEMA,
    Transcript,
    dump_line,
    parse_line,
    read_lines,
    read_transcripts,
)
from policies.engine import Policies
from tests.conftest import make_settings

DATA = Path(__file__).parent / "data" / "transcripts"
CX = shutil.which("cx", path=str(Path(sys.executable).parent)) or "cx"


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CX_"))}
    return env | {"CX_DATA_DIR": str(data_dir), "CX_BRAIN": "offline", "COLUMNS": "200"}


@pytest.fixture(scope="module")
def eval_settings(seeded_template, tmp_path_factory):
    """One private copy of the seeded data (intent model, knowledge index) for the module."""
    target = tmp_path_factory.mktemp("evals") / "data"
    shutil.copytree(seeded_template, target)
    return make_settings(target)


@pytest.fixture(scope="module")
def ctx_factory(eval_settings):
    policies = Policies.load(eval_settings.policies_dir)
    base = context_from_settings(eval_settings, policies)

    def make():
        # A fresh context per report (notes are per run); the loaded models are shared.
        return type(base)(policies=policies, understanding=base.understanding,
                          replies=base.replies, passages=base.passages, embed=base.embed)

    return make


def score(name: str, ctx_factory, thresholds: Thresholds | None = None) -> Report:
    read = read_transcripts(DATA / name)
    return score_transcripts(read.transcripts, ctx_factory(), thresholds, read.problems,
                             source=name)


def findings(report: Report, conversation: str, kind: str | None = None):
    return [f for f in report.findings if f.conversation_id == conversation
            and (kind is None or f.kind == kind)]


# --- the format ----------------------------------------------------------------------------


def test_schema_round_trip_in_both_languages():
    line = {
        "schema": SCHEMA, "id": "rt-1", "channel": "whatsapp", "language": "ar",
        "customer": {"ref": "cust_0123456789abcdef", "tier": "gold"},
        "started_at": "2026-11-20T09:00:00+03:00", "source": "handwritten", "redacted": True,
        "turns": [
            {"at": "2026-11-20T09:00:00+03:00", "role": "customer", "text": "وين طلبي ١٠٠٢٥١",
             "language": "ar"},
            {"at": "2026-11-20T06:00:01Z", "role": "system", "event": "tool_call",
             "name": "track_shipment", "actor": "customer:cust_0123456789abcdef",
             "allowed": True, "reason": "own order", "details": {"order_id": "RW-100251"}},
            {"at": "2026-11-20T06:00:02Z", "role": "assistant", "text": "تم شحن الطلب RW-100251.",
             "kind": "order", "template": "track.status_shipped", "pii": [],
             "citations": [{"id": "faq:faq.yaml:x:ar", "title": "الشحن"}]},
            {"at": "2026-11-20T06:01:00Z", "role": "customer", "text": "I want a person please"},
            {"at": "2026-11-20T06:01:01Z", "role": "system", "event": "escalation",
             "rule_id": "explicit_human_request", "allowed": True},
            {"at": "2026-11-20T06:01:01Z", "role": "system", "event": "handoff",
             "rule_id": "explicit_human_request", "details": {"handoff_id": "HO-1"}},
            {"at": "2026-11-20T06:03:00Z", "role": "agent", "agent": "Sara",
             "text": "Hi, this is Sara."},
            {"at": "2026-11-20T06:09:00Z", "role": "system", "event": "agent_action",
             "name": "resolve", "actor": "agent:sara"},
        ],
        "outcome": {"mode": "closed", "handoffs": [{"id": "HO-1", "status": "resolved",
                                                    "transfers": 0}]},
        "labels": {"should_escalate": True, "escalate_at_turn": 2,
                   "expected_intents": ["track_order", "talk_to_human"], "resolved": True,
                   "csat": 4},
    }
    t = parse_line(json.dumps(line, ensure_ascii=False))
    assert t.turns[0].at == datetime(2026, 11, 20, 6, 0, tzinfo=UTC)  # stored in UTC
    again = parse_line(dump_line(t))
    assert again == t
    assert "وين طلبي" in dump_line(t)  # Arabic stays readable
    # The example in evals/README.md is a valid line.
    readme = (Path(__file__).resolve().parents[1] / "evals" / "README.md").read_text("utf-8")
    example = next(x for x in readme.splitlines() if x.startswith('{"schema":"cx-transcript/1"'))
    assert parse_line(example).labels.csat == 4
    for path in DATA.glob("*.jsonl"):
        if path.name != "invalid.jsonl":
            read = read_transcripts(path)
            assert not read.problems, (path, read.problems)
            assert [parse_line(dump_line(x)) for x in read.transcripts] == read.transcripts


def test_invalid_lines_are_reported_with_line_numbers_and_skipped(ctx_factory, eval_settings):
    read = read_transcripts(DATA / "invalid.jsonl")
    assert [t.id for t in read.transcripts] == ["ok-1", "ok-2"]
    reasons = {p.line: p.reason for p in read.problems}
    assert sorted(reasons) == [2, 3, 4, 7, 8]  # line 5 is blank
    assert reasons[2].startswith("not valid JSON")
    assert "id: missing field" in reasons[3] and "turns: missing field" in reasons[3]
    assert "unknown role 'bot'" in reasons[4]
    assert reasons[7] == "turns.0.at: missing field"
    assert "already on line 1" in reasons[8]
    # Labels that do not fit the conversation, a wrong schema version, a typo in a field.
    bad = read_lines([
        json.dumps({"schema": "cx-transcript/2", "id": "a", "turns": [
            {"at": "2026-11-20T09:00:00Z", "role": "customer", "text": "x"}]}),
        json.dumps({"schema": SCHEMA, "id": "b", "labels": {"escalate_at_turn": 3},
                    "turns": [{"at": "2026-11-20T09:00:00Z", "role": "customer", "text": "x"}]}),
        json.dumps({"schema": SCHEMA, "id": "c", "labels": {"shouldEscalate": True},
                    "turns": [{"at": "2026-11-20T09:00:00Z", "role": "customer", "text": "x"}]}),
    ])
    assert not bad.transcripts
    assert "unsupported 'cx-transcript/2'" in bad.problems[0].reason
    assert "past the last customer message" in bad.problems[1].reason
    assert bad.problems[2].reason == "labels.shouldEscalate: unknown field"
    # The rest is scored, and the command says which lines it skipped.
    report = score("invalid.jsonl", ctx_factory)
    assert report.conversations == 2 and len(report.invalid_lines) == 5
    from cli import app

    out = CliRunner().invoke(app, ["eval", "score", str(DATA / "invalid.jsonl"),
                                   "--lexical-only"], env=_env(eval_settings.data_dir))
    assert out.exit_code in (0, 1), out.output
    assert "line 4 skipped: turns.0: unknown role 'bot'" in out.output


def test_csv_import(tmp_path):
    transcripts, problems = import_csv(DATA / "messages.csv")
    assert [(p.line, p.reason.split(":")[0]) for p in problems] == [(8, "role"), (9, "timestamp")]
    ar, en = transcripts
    assert (ar.id, ar.channel, ar.language) == ("c-ar", "whatsapp", "ar")
    assert [t.role for t in ar.turns] == ["customer", "assistant", "customer", "assistant"]
    assert ar.turns[2].text == "0501234567"
    assert [t.role for t in en.turns] == ["customer", "assistant", "customer", "assistant"]
    redacted, _ = import_csv(DATA / "messages.csv", Policies.load(
        Path(__file__).resolve().parents[1] / "policies").privacy)
    assert redacted[0].turns[2].text == "[phone]" and redacted[0].redacted
    out = tmp_path / "imported.jsonl"
    from cli import app

    result = CliRunner().invoke(app, ["eval", "import", str(DATA / "messages.csv"),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "line 8 skipped" in result.stderr and "Imported 2 conversation(s)" in result.stderr
    assert [t.id for t in read_transcripts(out).transcripts] == ["c-ar", "c-en"]


# --- export from the product's own store -------------------------------------------------------


async def test_export_from_the_store(assistant, settings, ctx_factory, tmp_path):
    async def talk(messages: list[str]) -> str:
        conv = await assistant.start("web", None, None)
        for text in messages:
            await assistant.turn(conv.id, text)
        return conv.id

    tracked = await talk(["وين طلبي ١٠٠٢٥١", "0501234567"])
    faq = await talk(["How much is delivery?"])
    handed = await talk(["ممكن اكلم موظف؟", "نعم"])
    cancelled = await talk(["cancel order RW-100310", "sarah.aldosari@example.com", "yes"])
    await assistant.start("web", "ar", None)  # opened, never used: not a contact

    from tools import db

    if getattr(db, "csat", None) is not None:  # the widget's satisfaction answers
        async with assistant.store.engine.begin() as conn:
            await conn.execute(db.csat.insert().values(
                conversation_id=faq, score=5, comment="quick", resolved_by="assistant",
                created_at=datetime.now(UTC)))

    engine = assistant.store.engine
    privacy = assistant.deps.policies.privacy
    since = datetime.now(UTC) - timedelta(hours=1)
    key = pseudonymizer("test-key")
    redacted = await export_store(engine, since, None, privacy, pseudonym=key)
    plain = await export_store(engine, since, None, privacy, redact_pii=False)
    # Conversation ids are pseudonymised too: a shared export opens no live conversation.
    assert [t.id for t in redacted] == [key(c, "conv") for c in (tracked, faq, handed, cancelled)]
    assert [t.id for t in plain] == [tracked, faq, handed, cancelled]

    text = "\n".join(dump_line(t) for t in redacted)
    for secret in ("0501234567", "sarah.aldosari@example.com", '"C1001"', '"C1002"'):
        assert secret not in text
    assert "[phone]" in text and "[email]" in text
    assert not any(c in text for c in (tracked, faq, handed, cancelled))
    by_id = {t.id: t for t in redacted}
    tracked, faq, handed, cancelled = (key(c, "conv") for c in (tracked, faq, handed, cancelled))

    def events(t: Transcript, kind: str):
        return [x for x in t.turns if x.role == "system" and x.event == kind]

    t = by_id[tracked]
    assert t.customer.ref == key("C1001") and t.redacted
    calls = {e.name: e for e in events(t, "tool_call")}
    assert calls["verify_identity"].allowed and calls["track_shipment"].allowed
    assert calls["track_shipment"].actor == f"customer:{key('C1001')}"
    assert calls["track_shipment"].details["order_owner"] == key("C1001")
    assert [x.role for x in t.turns] == ["customer", "assistant", "customer", "system",
                                         "system", "assistant"]
    t = by_id[faq]
    assert t.turns[1].citations[0].id.startswith("faq:")
    if getattr(db, "csat", None) is not None:
        assert t.labels.csat == 5
    t = by_id[handed]
    (decision,) = events(t, "escalation")
    assert decision.rule_id == "explicit_human_request"
    assert decision.details["policy_version"] == assistant.deps.policies.escalation.version
    (handoff,) = events(t, "handoff")
    assert t.outcome.mode == "waiting_human"
    assert t.outcome.handoffs[0].id == handoff.details["handoff_id"]
    t = by_id[cancelled]
    assert [e.name for e in events(t, "confirmation_request")] == ["cancel_order"]
    assert calls_of(t, "cancel_order").details["previous_status"] == "pending"

    plain_text = "\n".join(dump_line(t) for t in plain)
    assert "0501234567" in plain_text and "sarah.aldosari@example.com" in plain_text
    assert plain[0].customer.ref == "C1001" and "+966501234567" in plain[0].customer.contacts
    assert plain[0].redacted is False

    # The product's own behaviour scores clean: no false alarms on real conversations.
    report = score_transcripts(redacted, ctx_factory())
    assert report.policy.violations == 0 and report.policy.actions_checked >= 4
    assert report.privacy.findings == 0
    assert report.language.match_rate == 1.0
    assert (report.grounding.checked, report.grounding.supported) == (1, 1)
    assert report.escalation.missed == 0
    assert report.outcomes.reasons == {"explicit_human_request": 1}
    assert report.voice.banned_phrases == report.voice.unbacked_promises == 0, report.findings

    # The command, as a process, on the same store.
    local_day = (datetime.now(UTC) + timedelta(hours=3)).date()  # Asia/Riyadh
    out = tmp_path / "week.jsonl"
    run = subprocess.run(
        [CX, "eval", "export", "--since", str(local_day - timedelta(days=1)), "--out", str(out)],
        capture_output=True, text=True, env=_env(settings.data_dir), timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Exported 4 conversation(s), personal data redacted" in run.stderr
    exported = read_transcripts(out)
    assert not exported.problems and len(exported.transcripts) == 4
    assert "0501234567" not in out.read_text("utf-8")
    run = subprocess.run(
        [CX, "eval", "export", "--since", "2020-01-01", "--until", "2020-01-31"],
        capture_output=True, text=True, env=_env(settings.data_dir), timeout=120)
    assert run.returncode == 0 and run.stdout == "", run.stderr


def calls_of(t: Transcript, name: str):
    return next(x for x in t.turns if x.role == "system" and x.event == "tool_call"
                and x.name == name and x.allowed)


# --- scoring -------------------------------------------------------------------------------


def test_precision_and_recall_on_a_small_labelled_set(ctx_factory):
    # labelled.jsonl, by hand:       should  handed over
    #   esc-ar-legal-missed          yes     no   -> FN (and a missed escalation)
    #   esc-en-legal-ok              yes     yes  -> TP
    #   esc-ar-human-ok              yes     yes  -> TP
    #   esc-en-needless              no      yes  -> FP
    #   esc-en-thanks, esc-ar-delivery  no   no   -> TN, TN
    #   unlabelled-en-hello: not counted
    # precision = 2 / (2 + 1), recall = 2 / (2 + 1)
    report = score("labelled.jsonl", ctx_factory)
    e = report.escalation
    assert (e.labelled, e.true_positives, e.false_positives, e.false_negatives,
            e.true_negatives) == (6, 2, 1, 1, 2)
    assert e.precision == e.recall == pytest.approx(2 / 3, abs=1e-4)
    # The current rules, re-evaluated, hand over exactly the three that should be.
    assert e.current_policy_precision == e.current_policy_recall == 1.0
    assert report.intents.labelled == 5 and report.intents.accuracy == 1.0
    o = report.outcomes
    assert (o.escalation.numerator, o.escalation.denominator) == (3, 7)
    assert o.reasons == {"legal_or_regulator_threat": 1, "explicit_human_request": 1,
                         "no_progress": 1}
    assert (o.csat.responses, o.csat.average, o.csat.satisfied_share) == (2, 4.0, 0.5)


def test_a_missed_escalation_is_found(ctx_factory):
    report = score("labelled.jsonl", ctx_factory)
    (missed,) = findings(report, "esc-ar-legal-missed", "missed_escalation")
    assert "legal_or_regulator_threat" in missed.detail and missed.turn == 1
    assert report.escalation.missed == 1
    assert not findings(report, "esc-en-legal-ok", "missed_escalation")
    assert not findings(report, "esc-ar-human-ok", "missed_escalation")
    # English too: angry twice, told to calm down, nobody called.
    report = score("findings.jsonl", ctx_factory)
    (missed,) = findings(report, "voice-en-promise", "missed_escalation")
    assert "angry_customer" in missed.detail


def test_policy_violations_in_recorded_actions(ctx_factory):
    report = score("findings.jsonl", ctx_factory)
    (over,) = findings(report, "pol-en-refund-over-limit", "refund_over_limit")
    assert "2300 SAR" in over.detail and "1500 SAR" in over.detail
    # The same refund is also an escalation the rules require (refund above the limit).
    assert findings(report, "pol-en-refund-over-limit", "missed_escalation")
    kinds = {f.kind for f in findings(report, "pol-ar-cancel-shipped")}
    assert kinds == {"cancel_not_allowed", "write_without_confirmation"}
    assert [f.kind for f in findings(report, "pol-en-other-order")] == ["other_customers_order"]
    assert report.policy.violations == 4
    # A confirmed cancellation of a pending order is fine.
    assert score("clean.jsonl", ctx_factory).policy.violations == 0


def test_language_voice_privacy_and_grounding_findings(ctx_factory):
    report = score("findings.jsonl", ctx_factory)
    (mismatch,) = [f for f in report.findings if f.kind == "language_mismatch"]
    assert mismatch.conversation_id == "lang-ar-mismatch" and "reply in en" in mismatch.detail
    privacy = findings(report, "privacy-ar-other-email")
    # The customer's own email echoed back is fine; Khalid's email and phone are not.
    assert sorted(f.detail for f in privacy) == [
        "assistant message shows another customer's email",
        "assistant message shows another customer's phone"]
    assert [f.turn for f in privacy] == [3, 3]
    (unsupported,) = [f for f in report.findings if f.check == "grounding"]
    assert unsupported.conversation_id == "grounding-en" and unsupported.turn == 2
    assert "50" in unsupported.detail
    assert (report.grounding.checked, report.grounding.supported) == (2, 1)
    voice = findings(report, "voice-en-promise")
    banned = sorted(f.detail for f in voice if f.kind == "banned_phrase")
    assert banned == ["“I promise”", "“calm down”", "“there's nothing I can do”"]
    assert sorted(f.detail.split()[0] for f in voice if f.kind == "unbacked_promise") == [
        "compensation", "refund"]
    assert [f.turn for f in voice if f.kind == "no_empathy"] == [2, 4]
    # A refund confirmed by the tool result is not an empty promise.
    assert not findings(report, "pol-en-refund-over-limit", "unbacked_promise")


def test_thresholds_gate_the_command(ctx_factory, eval_settings, tmp_path):
    # As CI runs it: a process, exit 1 when a gate is missed.
    run = subprocess.run([CX, "eval", "score", str(DATA / "findings.jsonl"), "--json"],
                         capture_output=True, text=True, env=_env(eval_settings.data_dir),
                         timeout=180)
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    assert report["schema"] == "cx-eval-report/1" and report["passed"] is False
    failed = {g["metric"] for g in report["gates"] if not g["ok"]}
    assert {"policy.violations", "language.match_rate", "privacy.findings",
            "escalation.missed"} <= failed

    from cli import app

    runner = CliRunner()
    env = _env(eval_settings.data_dir)
    clean = runner.invoke(app, ["eval", "score", str(DATA / "clean.jsonl")], env=env)
    assert clean.exit_code == 0, clean.output
    assert "All gates pass" in clean.output and "Safety and quality" in clean.output
    gates = tmp_path / "gates.yaml"
    labelled = str(DATA / "labelled.jsonl")
    for recall, code in ((0.6, 0), (0.7, 1)):  # recall is 2/3
        gates.write_text(f"escalation: {{min_recall: {recall}}}\n", "utf-8")
        out = runner.invoke(app, ["eval", "score", labelled, "--thresholds", str(gates),
                                  "--lexical-only"], env=env)
        assert out.exit_code == code, out.output
    gates.write_text("escalation: {min_recal: 0.6}\n", "utf-8")
    out = runner.invoke(app, ["eval", "score", labelled, "--thresholds", str(gates)], env=env)
    assert out.exit_code == 2 and "min_recal" in out.output


# --- the HTML report (evals/html.py) -----------------------------------------------------------


def _ids_and_links(page: str) -> tuple[set[str], set[str]]:
    import re

    return set(re.findall(r'\bid="([^"]+)"', page)), set(re.findall(r'href="#([^"]+)"', page))


def test_html_report_from_the_command(eval_settings, tmp_path):
    out = tmp_path / "report" / "week.html"
    run = subprocess.run([CX, "eval", "score", str(DATA / "findings.jsonl"), "--json",
                          "--html", str(out)],
                         capture_output=True, text=True, env=_env(eval_settings.data_dir),
                         timeout=180)
    assert run.returncode == 1, run.stderr  # gates still decide the exit code
    report = json.loads(run.stdout)
    page = out.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    # Self-contained: no scripts, no external assets or links.
    assert "<script" not in page.lower() and "http" not in page.lower()
    assert "<link" not in page.lower() and "@import" not in page
    assert "<svg" in page and "Release gates" in page and "Gates missed" in page
    ids, links = _ids_and_links(page)
    assert links and links <= ids, links - ids
    for f in report["findings"]:
        target = f"c-{f['conversation_id']}" + (f"-t-{f['turn']}" if f["turn"] else "")
        assert f'href="#{target}"' in page and f'id="{target}"' in page
        if f["turn"]:
            assert f'class="turn flagged" id="{target}"' in page
    # Every conversation is rendered, Arabic turns right to left by their own content.
    for line in (DATA / "findings.jsonl").read_text("utf-8").splitlines():
        assert f'id="c-{json.loads(line)["id"]}"' in page
    assert 'dir="auto">ألغ طلبي RW-100251 لو سمحت</div>' in page


def test_html_report_escapes_transcript_text(ctx_factory, tmp_path):
    from evals.html import render_html

    line = {"schema": SCHEMA, "id": "xss-1", "channel": "web", "language": "en",
            "source": "handwritten", "labels": {"notes": "<b>label</b>"},
            "turns": [
                {"at": "2026-11-21T09:00:00Z", "role": "customer",
                 "text": "hi <script>alert('x')</script> & <img src=x onerror=alert(1)>"},
                {"at": "2026-11-21T09:00:01Z", "role": "assistant",
                 "text": "Standard delivery costs 25 SAR including VAT.",
                 "template": "knowledge.answer"}]}
    path = tmp_path / "xss.jsonl"
    path.write_text(json.dumps(line) + "\n", "utf-8")
    read = read_transcripts(path)
    assert not read.problems
    report = score_transcripts(read.transcripts, ctx_factory(), None, read.problems,
                               source='<script>src</script>')
    page = render_html(report.model_dump(mode="json", by_alias=True), read.transcripts)
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;img" in page
    assert 'id="c-xss-1-t-1"' in page and 'id="c-xss-1-t-2"' in page
    ids, links = _ids_and_links(page)
    assert links <= ids


def test_grounding_embeds_only_the_answers_word_overlap_does_not_settle(ctx_factory, tmp_path):
    passage = ("Standard delivery is 25 SAR to any city, free for orders of 299 SAR or more. "
               "Large appliances are 99 SAR.")
    copied = "Standard delivery is 25 SAR to any city, free for orders of 299 SAR or more."
    reworded = "Shipping costs 25 riyals wherever you live; spend 299 and it costs nothing."

    def conversation(cid, answer):
        return {"schema": "cx-transcript/1", "id": cid, "channel": "web", "language": "en",
                "turns": [{"at": "2026-11-21T14:00:00Z", "role": "customer", "text": "delivery fee?"},
                          {"at": "2026-11-21T14:00:01Z", "role": "assistant", "text": answer,
                           "template": "knowledge.answer",
                           "citations": [{"id": "faq:x:delivery:en", "text": passage}]}]}
    path = tmp_path / "g.jsonl"
    path.write_text("\n".join(json.dumps(conversation(i, a)) for i, a in
                              [("copied", copied), ("reworded", reworded)]), encoding="utf-8")
    ctx = ctx_factory()
    embedded: list[str] = []
    real = ctx.embed

    def recording(texts):
        embedded.extend(texts)
        return real(texts)
    ctx.embed = recording
    report = score_transcripts(read_transcripts(path).transcripts, ctx)
    # The copied answer is settled by its words; only the reworded one (and its passage) is
    # embedded, and it is still checked by meaning.
    assert sorted(embedded) == sorted([reworded, passage])
    assert report.grounding.checked == 2 and report.grounding.method == "lexical+e5"
