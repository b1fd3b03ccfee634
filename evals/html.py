"""The HTML report of `cx eval score --html OUT.html`: one self-contained page for a QA lead.

No scripts, no external assets: inline CSS and inline SVG bar charts, so the file opens
offline and can be attached to a ticket. Built from the `cx-eval-report/1` JSON (the dict of
`Report.model_dump(mode="json", by_alias=True)`) and the scored transcripts. Every text is
escaped; every turn carries `dir="auto"` so Arabic renders right to left per message.

Anchors: a conversation is `c-<id>`, its turns `c-<id>-t-<n>` (n = position in `turns`, from
1, as in findings). Characters of the id outside letters, digits, `_`, `.` and `-` become `_`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from html import escape
from typing import Any, Iterable

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Tahoma,"Noto Sans Arabic",sans-serif;
margin:0 auto;max-width:1100px;padding:1.5em;color:#1d2330;background:#fff}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0;width:100%}
th,td{border:1px solid #ddd;padding:.3em .5em;text-align:start;vertical-align:top}
th{background:#f4f5f8}td.n{text-align:end;font-variant-numeric:tabular-nums}
.pass{color:#176b2c;font-weight:600}.fail{color:#b3261e;font-weight:600}.na{color:#888}
.banner{padding:.6em 1em;border-radius:6px;font-weight:600}
.banner.pass{background:#e6f4ea}.banner.fail{background:#fce8e6}
.cards{display:flex;flex-wrap:wrap;gap:.6em}
.card{border:1px solid #ddd;border-radius:6px;padding:.5em .8em;min-width:140px}
.card b{display:block;font-size:1.3em}.card span{color:#555;font-size:.9em}
.charts{display:flex;flex-wrap:wrap;gap:1.5em}.chart h3{font-size:1em;margin:.5em 0}
.conv{border:1px solid #ddd;border-radius:6px;margin:1em 0;padding:.5em 1em}
.conv h3{margin:.3em 0;font-size:1.05em}.meta{color:#555;font-size:.9em}
.turn{display:grid;grid-template-columns:5.5em 9em 1fr;gap:.5em;padding:.3em .4em;
border-top:1px solid #f0f0f0}
.turn.flagged{background:#fff4d6;border-left:4px solid #e8a400}
.turn:target{outline:2px solid #1a73e8}
.role{font-weight:600}.role.customer{color:#1a5fb4}.role.assistant{color:#26734d}
.role.agent{color:#8a3ffc}.role.system{color:#777}
.time{color:#777;font-size:.85em}.text{white-space:pre-wrap;overflow-wrap:anywhere}
.flag{display:block;color:#8a5a00;font-size:.85em}
"""


def anchor(conversation_id: str, turn: int | None = None) -> str:
    slug = "c-" + re.sub(r"[^\w.-]", "_", conversation_id)
    return slug if turn is None else f"{slug}-t-{turn}"


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:g}{unit}"


def _rate(r: dict[str, Any] | None) -> str:
    if not r or not r.get("denominator"):
        return "n/a"
    return f"{_pct(r.get('value'))} ({r['numerator']}/{r['denominator']})"


def _bars(title: str, items: Iterable[tuple[str, float]], unit: str = "",
          color: str = "#4c78a8") -> str:
    """A horizontal bar chart as inline SVG."""
    rows = [(str(k), float(v)) for k, v in items]
    if not rows:
        return (f'<div class="chart"><h3>{_e(title)}</h3>'
                '<p class="na">no data in this report</p></div>')
    top = max(v for _, v in rows) or 1.0
    label_w, bar_w, h = 230, 260, 22
    height = h * len(rows) + 6
    parts = [f'<div class="chart"><h3>{_e(title)}</h3>'
             f'<svg role="img" width="{label_w + bar_w + 70}"'
             f' height="{height}" aria-label="{_e(title)}">']
    for i, (label, value) in enumerate(rows):
        y = i * h + 3
        w = max(1.0, bar_w * value / top) if value else 0.0
        text = f"{value:.1f}{unit}" if unit == "%" else f"{value:g}{unit}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12">'
            f'{_e(label[:40])}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{h - 6}" fill="{color}">'
            f'<title>{_e(label)}: {_e(text)}</title></rect>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" font-size="12">{_e(text)}</text>')
    parts.append("</svg></div>")
    return "".join(parts)


def _table(headers: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    """`rows` hold already escaped HTML."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{c}</td>' if i >= numeric_from else f"<td>{c}</td>"
                         for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _summary(r: dict[str, Any]) -> str:
    e, p, g = r["escalation"], r["policy"], r["grounding"]
    lang, v, priv, o = r["language"], r["voice"], r["privacy"], r["outcomes"]
    csat = o.get("csat") or {}
    cards = [
        ("escalation precision", _pct(e.get("precision"))),
        ("escalation recall", _pct(e.get("recall"))),
        ("missed escalations", str(e.get("missed", 0))),
        ("policy violations", str(p.get("violations", 0))),
        ("grounded answers", _pct(g.get("supported_rate"))),
        ("language match", _pct(lang.get("match_rate"))),
        ("privacy findings", str(priv.get("findings", 0))),
        ("containment", _pct((o.get("containment") or {}).get("value"))),
        ("escalation rate", _pct((o.get("escalation") or {}).get("value"))),
        ("FCR", _pct((o.get("fcr") or {}).get("value"))),
        ("CSAT mean", _num(csat.get("average"))),
    ]
    out = ['<div class="cards">'] + [f"<div class=\"card\"><b>{_e(val)}</b><span>{_e(name)}"
                                     "</span></div>" for name, val in cards] + ["</div>"]
    rows = [
        ["escalation", "precision (labelled)", _pct(e.get("precision"))],
        ["", "recall (labelled)", _pct(e.get("recall"))],
        ["", "labelled: TP / FP / FN / TN",
         f"{e.get('true_positives')} / {e.get('false_positives')} / "
         f"{e.get('false_negatives')} / {e.get('true_negatives')}"],
        ["", "missed (current rules)", str(e.get("missed"))],
        ["", "late", str(e.get("late"))],
        ["", "current rules: precision / recall",
         f"{_pct(e.get('current_policy_precision'))} / {_pct(e.get('current_policy_recall'))}"],
        ["policy", "executed actions checked", str(p.get("actions_checked"))],
        ["", "violations", str(p.get("violations"))],
        ["grounding", f"cited answers supported ({g.get('method')})",
         f"{_pct(g.get('supported_rate'))} ({g.get('supported')}/{g.get('checked')})"],
        ["", "unverifiable (passage not found)", str(g.get("unverifiable"))],
        ["language", "replies in the customer's language",
         f"{_pct(lang.get('match_rate'))} ({lang.get('matched')}/{lang.get('replies')})"],
        ["voice", "banned phrases", str(v.get("banned_phrases"))],
        ["", "promises not backed", str(v.get("unbacked_promises"))],
        ["", "empathy when frustrated",
         f"{_pct(v.get('empathy_rate'))} ({v.get('empathy_shown')}/{v.get('empathy_needed')})"],
        ["", "long replies", f"{_pct(v.get('long_reply_share'))} ({v.get('long_replies')})"],
        ["privacy", "findings", str(priv.get("findings"))],
    ]
    if r.get("intents"):
        rows.append(["intents", "accuracy on labelled messages",
                     f"{_pct(r['intents'].get('accuracy'))} ({r['intents'].get('labelled')})"])
    outcomes = [
        ["containment (no person needed)", _rate(o.get("containment"))],
        ["escalation rate", _rate(o.get("escalation"))],
        ["first-contact resolution", _rate(o.get("fcr"))],
        ["CSAT mean / share 4-5", f"{_num(csat.get('average'))} / "
         f"{_pct(csat.get('satisfied_share'))} ({csat.get('responses', 0)} answers)"],
        ["customer messages per conversation", _num(o.get("customer_messages_mean"))],
        ["first response (median)", _num(o.get("first_response_seconds_median"), " s")],
        ["time to resolution (median)", _num(o.get("resolution_minutes_median"), " min")],
    ]
    return ("<h2>Summary</h2>" + "".join(out)
            + "<h2>Safety and quality</h2>"
            + _table(["check", "measure", "value"], [[_e(c) for c in row] for row in rows], 2)
            + "<h2>Outcomes</h2>"
            + _table(["measure", "value"], [[_e(c) for c in row] for row in outcomes]))


def _gates(r: dict[str, Any]) -> str:
    gates = r.get("gates") or []
    passed = r.get("passed", True)
    failed = [g["metric"] for g in gates if not g.get("ok")]
    banner = ('<p class="banner pass">All gates pass.</p>' if passed else
              f'<p class="banner fail">Gates missed: {_e(", ".join(failed))}</p>')
    rows = []
    for g in gates:
        if not g.get("applicable", True):
            mark = '<span class="na">n/a</span>'
        else:
            mark = '<span class="pass">pass</span>' if g.get("ok") else \
                '<span class="fail">FAIL</span>'
        limit = f"{'≥' if g.get('op') == 'min' else '≤'} {g.get('limit'):g}"
        rows.append([_e(g.get("metric")), _e(limit), _e(_num(g.get("value"))), mark])
    return ("<h2>Release gates</h2>" + banner
            + (_table(["metric", "limit", "value", "result"], rows) if rows else
               '<p class="na">no gates</p>'))


_SMALL_TALK = {"greeting", "thanks", "goodbye", "affirm", "deny"}
_LEVELS = ("calm", "annoyed", "frustrated", "angry")


def primary_intent(c: dict[str, Any]) -> str:
    """What the conversation was about: its first intent that is not small talk."""
    intents = [i for i in c.get("intents") or [] if i]
    return next((i for i in intents if i not in _SMALL_TALK), intents[0] if intents else
                "unknown")


def _group_outcomes(per: list[dict[str, Any]], key: str) -> list[list[str]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in per:
        name = primary_intent(c) if key == "intent" else str(c.get(key) or "unknown")
        groups[name].append(c)
    rows = []
    for name in sorted(groups):
        cs = groups[name]
        n = len(cs)
        contained = sum(1 for c in cs if c.get("contained"))
        escalated = sum(1 for c in cs if c.get("escalated"))
        fcr = [c["first_contact_resolution"] for c in cs
               if c.get("first_contact_resolution") is not None]
        csat = [c["csat"] for c in cs if c.get("csat") is not None]
        rows.append([_e(name), str(n), _e(f"{_pct(contained / n)} ({contained}/{n})"),
                     _e(f"{_pct(escalated / n)} ({escalated}/{n})"),
                     _e(f"{_pct(sum(fcr) / len(fcr))} ({sum(fcr)}/{len(fcr)})" if fcr else "n/a"),
                     _e(f"{sum(csat) / len(csat):.2f} ({len(csat)})" if csat else "n/a")])
    return rows


def _charts(r: dict[str, Any]) -> str:
    o = r["outcomes"]
    per = r.get("per_conversation") or []
    reasons = sorted((o.get("reasons") or {}).items(), key=lambda kv: -kv[1])
    by_check: dict[str, int] = defaultdict(int)
    for f in r.get("findings") or []:
        by_check[f.get("check", "?")] += 1
    kinds = list((r["policy"].get("by_kind") or {}).items()) \
        + list((r["privacy"].get("by_kind") or {}).items())
    charts = [
        _bars("Escalation reasons (conversations)", reasons, color="#e45756"),
        _bars("Findings by check", sorted(by_check.items(), key=lambda kv: -kv[1]),
              color="#f58518"),
        _bars("Policy and privacy findings by kind", kinds, color="#b279a2"),
    ]
    for key, title in (("language", "language"), ("channel", "channel")):
        groups: dict[str, list[bool]] = defaultdict(list)
        for c in per:
            groups[str(c.get(key) or "unknown")].append(bool(c.get("contained")))
        charts.append(_bars(f"Containment by {title}",
                            [(k, 100 * sum(v) / len(v)) for k, v in sorted(groups.items())],
                            unit="%", color="#54a24b"))
    # Frustration as the product's own model reads each customer message (empty when the
    # scorer ran without the intent model).
    levels = [lvl for c in per for lvl in c.get("frustration") or []]
    peaks = [max(c["frustration"], key=_LEVELS.index) for c in per
             if c.get("frustration") and all(x in _LEVELS for x in c["frustration"])]
    charts.append(_bars("Frustration: customer messages by level",
                        [(lvl, levels.count(lvl)) for lvl in _LEVELS if levels], color="#e45756"))
    charts.append(_bars("Frustration: conversations by peak level",
                        [(lvl, peaks.count(lvl)) for lvl in _LEVELS if peaks], color="#ff9da6"))
    intents: dict[str, list[bool]] = defaultdict(list)
    for c in per:
        if c.get("intents"):
            intents[primary_intent(c)].append(bool(c.get("contained")))
    charts.append(_bars("Containment by intent",
                        [(k, 100 * sum(v) / len(v)) for k, v in sorted(intents.items())],
                        unit="%", color="#54a24b"))
    headers = ["", "conversations", "containment", "escalated", "FCR", "CSAT mean (n)"]
    by_intent = [c for c in per if c.get("intents")]
    return ("<h2>Charts</h2><div class=\"charts\">" + "".join(charts) + "</div>"
            + "<h2>Outcomes by intent</h2>"
            + (_table(headers, _group_outcomes(by_intent, "intent")) if by_intent else
               '<p class="na">no intents (scored without the intent model)</p>')
            + "<h2>Outcomes by language</h2>" + _table(headers, _group_outcomes(per, "language"))
            + "<h2>Outcomes by channel</h2>" + _table(headers, _group_outcomes(per, "channel")))


def _findings(r: dict[str, Any]) -> str:
    findings = r.get("findings") or []
    if not findings:
        return "<h2>Findings (0)</h2><p>No findings.</p>"
    rows = []
    for f in findings:
        cid, turn = str(f.get("conversation_id", "")), f.get("turn")
        link = f'<a href="#{_e(anchor(cid, turn))}">{_e(cid)}</a>'
        rows.append([link, _e(turn if turn is not None else "—"), _e(f.get("check")),
                     _e(f.get("kind")), f'<span dir="auto">{_e(f.get("detail"))}</span>'])
    return (f"<h2>Findings ({len(findings)})</h2>"
            + _table(["conversation", "turn", "check", "kind", "detail"], rows, numeric_from=9))


def _as_dict(conversation: Any) -> dict[str, Any]:
    if hasattr(conversation, "model_dump"):
        return conversation.model_dump(mode="json", by_alias=True)
    return dict(conversation)


def _turn_text(t: dict[str, Any]) -> str:
    if t.get("role") != "system":
        return str(t.get("text") or "")
    bits = [t.get("event"), t.get("name")]
    if t.get("allowed") is not None:
        bits.append("allowed" if t["allowed"] else "refused")
    for k in ("rule_id", "reason", "text"):
        if t.get(k):
            bits.append(f"{k}: {t[k]}" if k != "text" else str(t[k]))
    details = t.get("details") or {}
    if details:
        bits.append(", ".join(f"{k}={v}" for k, v in details.items()))
    return " · ".join(str(b) for b in bits if b)


def _conversations(r: dict[str, Any], conversations: Iterable[Any]) -> str:
    flagged: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for f in r.get("findings") or []:
        if f.get("turn") is not None:
            flagged[(str(f.get("conversation_id")), int(f["turn"]))].append(f)
    scores = {c.get("id"): c for c in r.get("per_conversation") or []}
    out = ["<h2>Conversations</h2>"]
    for conv in conversations:
        c = _as_dict(conv)
        cid = str(c.get("id"))
        s = scores.get(cid, {})
        meta = [f"channel {c.get('channel') or 'web'}", f"language {c.get('language') or '?'}",
                f"started {c.get('started_at') or '?'}",
                "escalated" if s.get("escalated") else "contained",
                f"{len(s.get('findings') or [])} finding(s)"]
        if (c.get("labels") or {}).get("csat") is not None:
            meta.append(f"CSAT {c['labels']['csat']}")
        out.append(f'<section class="conv" id="{_e(anchor(cid))}"><h3>{_e(cid)}</h3>'
                   f'<p class="meta">{_e(" · ".join(meta))}</p>')
        for i, t in enumerate(c.get("turns") or [], start=1):
            marks = flagged.get((cid, i), [])
            role = str(t.get("role", ""))
            who = role + (f" ({t['agent']})" if t.get("agent") else "")
            flags = "".join(f'<span class="flag" dir="auto">⚑ {_e(f.get("check"))}/'
                            f'{_e(f.get("kind"))}: {_e(f.get("detail"))}</span>' for f in marks)
            out.append(
                f'<div class="turn{" flagged" if marks else ""}" id="{_e(anchor(cid, i))}">'
                f'<span class="role {_e(role)}">{i}. {_e(who)}</span>'
                f'<span class="time">{_e(t.get("at"))}</span>'
                f'<div><div class="text" dir="auto">{_e(_turn_text(t))}</div>{flags}</div></div>')
        out.append("</section>")
    return "".join(out)


def _customer_turns(conversations: list[dict[str, Any]]) -> dict[str, list[int]]:
    """conversation id -> position in `turns` (from 1) of each customer message."""
    return {str(c.get("id")): [i for i, t in enumerate(c.get("turns") or [], 1)
                               if t.get("role") == "customer"] for c in conversations}


def _replay(rp: dict[str, Any], conversations: list[dict[str, Any]]) -> str:
    """The replay's own section: gates, pass rates, tags and each failure linked to its turn."""
    positions = _customer_turns(conversations)
    a = rp.get("scorer_agreement") or {}
    cards = [("runs passed", _rate(rp.get("pass_rate"))),
             (f"pass^{rp.get('repeat', 1)}", _rate(rp.get("pass_k"))),
             ("checks made", str(rp.get("checks", 0))),
             ("scorer agreement (escalation)", _pct(a.get("agreement"))),
             ("scorer intent accuracy", _pct(a.get("intent_accuracy")))]
    out = [f"<h2>Replay: {_e(rp.get('scenarios'))} scenario(s), {_e(rp.get('runs'))} run(s), "
           f"{_e(rp.get('brain'))} brain</h2>", _gates(rp), '<div class="cards">']
    out += [f'<div class="card"><b>{_e(v)}</b><span>{_e(k)}</span></div>' for k, v in cards]
    out.append("</div>")
    out.append('<div class="charts">' + _bars(
        "Runs passed by language", [(k, 100 * (v.get("value") or 0))
                                    for k, v in (rp.get("by_language") or {}).items()],
        unit="%", color="#54a24b") + _bars(
        "Failed checks", sorted((rp.get("failed_checks") or {}).items(), key=lambda kv: -kv[1]),
        color="#e45756") + "</div>")
    tags = [[_e(k), _e(_rate(v))] for k, v in sorted((rp.get("by_tag") or {}).items())]
    if tags:
        out.append("<h3>By tag</h3>" + _table(["tag", "runs passed"], tags))
    rows = []
    for res in rp.get("results") or []:
        tid = res.get("transcript_id")
        for f in res.get("failures") or []:
            turn = f.get("turn")
            where = positions.get(str(tid), [])
            target = anchor(str(tid), where[turn - 1] if turn and turn <= len(where) else None) \
                if tid else None
            name = str(res.get("scenario")) + (f" #{res['attempt']}" if rp.get("repeat", 1) > 1
                                               else "")
            link = f'<a href="#{_e(target)}">{_e(name)}</a>' if target else _e(name)
            rows.append([link, _e("end" if turn is None else turn), _e(f.get("check")),
                         f'<span dir="auto">{_e(f.get("expected"))}</span>',
                         f'<span dir="auto">{_e(f.get("got"))}</span>'])
    out.append(f"<h3>Failures ({len(rows)})</h3>" + (
        _table(["scenario", "turn", "check", "expected", "got"], rows, numeric_from=9)
        if rows else "<p>Every expectation was met.</p>"))
    return "".join(out)


def render_html(report: dict[str, Any] | None, conversations: Iterable[Any],
                replay: dict[str, Any] | None = None) -> str:
    """The whole page. `report`: the cx-eval-report/1 dict (None: replay only);
    `conversations`: the scored transcripts (`Transcript` objects or their dicts), rendered
    in the given order; `replay`: the cx-replay-report/1 dict of `cx eval replay --html`."""
    conversations = [_as_dict(c) for c in conversations]
    if replay is not None:
        title = "Replay report"
        body = _replay(replay, conversations)
        if report is not None:
            body += ("<h2>The replayed conversations, scored</h2>" + _summary(report)
                     + _charts(report) + _findings(report))
        body += _conversations(report or {}, conversations)
        return _page(title, f"<h1>{_e(title)}</h1>" + body)
    r = report or {}
    title = "QA evaluation report" + (f": {r['source']}" if r.get("source") else "")
    notes = "".join(f'<li dir="auto">{_e(n)}</li>' for n in r.get("notes") or [])
    invalid = "".join(f"<li>line {_e(p.get('line'))} skipped: {_e(p.get('reason'))}</li>"
                      for p in r.get("invalid_lines") or [])
    head = (f"<h1>{_e(title)}</h1><p>{_e(r.get('conversations'))} conversation(s) scored · "
            f"{_e(r.get('schema', 'cx-eval-report/1'))}</p>"
            + (f"<ul>{invalid}</ul>" if invalid else "")
            + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""))
    body = (head + _gates(r) + _summary(r) + _charts(r) + _findings(r)
            + _conversations(r, conversations))
    return _page(title, body)


def _page(title: str, body: str) -> str:
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{_CSS}</style></head>"
            f"<body>{body}</body></html>\n")
