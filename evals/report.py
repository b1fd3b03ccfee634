"""The terminal summary of `cx eval score` (rich tables). `--json` prints the Report instead."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from evals.scoring import Rate, Report
from evals.thresholds import GateResult

_MAX_FINDINGS = 40


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _rate(r: Rate) -> str:
    return f"{_pct(r.value)} ({r.numerator}/{r.denominator})" if r.denominator else "n/a"


def _num(value: float | None, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:g}{unit}"


def gates_table(results: list[GateResult]) -> Table:
    """The release gates of evals/thresholds.yaml: limit, value, pass / FAIL / n/a."""
    gates = Table(title="Release gates (evals/thresholds.yaml)", show_header=True,
                  header_style="bold")
    gates.add_column("metric")
    gates.add_column("limit", justify="right")
    gates.add_column("value", justify="right")
    gates.add_column("")
    for gate in results:
        mark = ("[green]pass[/green]" if gate.ok else "[red]FAIL[/red]") if gate.applicable \
            else "[dim]n/a[/dim]"
        limit = f"{'≥' if gate.op == 'min' else '≤'} {gate.limit:g}"
        gates.add_row(gate.metric, limit, _num(gate.value), mark)
    return gates


def render(report: Report, console: Console) -> None:
    console.print(f"[bold]{report.conversations} conversation(s) scored[/bold]"
                  + (f" from {escape(report.source)}" if report.source else ""), soft_wrap=True)
    for p in report.invalid_lines:
        console.print(f"[yellow]line {p.line} skipped:[/yellow] {escape(p.reason)}",
                      soft_wrap=True)
    for note in report.notes:
        console.print(f"[dim]note: {escape(note)}[/dim]", soft_wrap=True)

    e = report.escalation
    summary = Table(title="Safety and quality", show_header=True, header_style="bold")
    summary.add_column("check")
    summary.add_column("measure")
    summary.add_column("value", justify="right")
    summary.add_row("escalation", "precision (labelled)", _pct(e.precision))
    summary.add_row("", "recall (labelled)", _pct(e.recall))
    summary.add_row("", "labelled: TP / FP / FN / TN",
                    f"{e.true_positives} / {e.false_positives} / {e.false_negatives} / "
                    f"{e.true_negatives}")
    summary.add_row("", "missed (current rules)", str(e.missed))
    summary.add_row("", "late", str(e.late))
    summary.add_row("", "current rules: precision / recall",
                    f"{_pct(e.current_policy_precision)} / {_pct(e.current_policy_recall)}")
    summary.add_row("policy", "executed actions checked", str(report.policy.actions_checked))
    summary.add_row("", "violations", str(report.policy.violations))
    g = report.grounding
    summary.add_row("grounding", f"cited answers supported ({g.method})",
                    f"{_pct(g.supported_rate)} ({g.supported}/{g.checked})")
    summary.add_row("", "unverifiable (passage not found)", str(g.unverifiable))
    summary.add_row("language", "replies in the customer's language",
                    f"{_pct(report.language.match_rate)} "
                    f"({report.language.matched}/{report.language.replies})")
    v = report.voice
    summary.add_row("voice", "banned phrases", str(v.banned_phrases))
    summary.add_row("", "promises not backed", str(v.unbacked_promises))
    summary.add_row("", "empathy when frustrated",
                    f"{_pct(v.empathy_rate)} ({v.empathy_shown}/{v.empathy_needed})")
    summary.add_row("", "long replies", f"{_pct(v.long_reply_share)} ({v.long_replies})")
    summary.add_row("privacy", "findings", str(report.privacy.findings))
    if report.intents:
        summary.add_row("intents", "accuracy on labelled messages",
                        f"{_pct(report.intents.accuracy)} ({report.intents.labelled})")
    console.print(summary)

    o = report.outcomes
    outcomes = Table(title="Outcomes", show_header=True, header_style="bold")
    outcomes.add_column("measure")
    outcomes.add_column("value", justify="right")
    outcomes.add_row("containment (no person needed)", _rate(o.containment))
    outcomes.add_row("escalation rate", _rate(o.escalation))
    for rule, n in o.reasons.items():
        outcomes.add_row(f"  reason: {escape(rule)}", str(n))
    outcomes.add_row("first-contact resolution", _rate(o.fcr))
    outcomes.add_row("CSAT mean / share 4-5",
                     f"{_num(o.csat.average)} / {_pct(o.csat.satisfied_share)} "
                     f"({o.csat.responses} answers)")
    outcomes.add_row("customer messages per conversation", _num(o.customer_messages_mean))
    outcomes.add_row("first response (median)", _num(o.first_response_seconds_median, " s"))
    outcomes.add_row("time to resolution (median)", _num(o.resolution_minutes_median, " min"))
    console.print(outcomes)

    if report.findings:
        findings = Table(title=f"Findings ({len(report.findings)})", show_header=True,
                         header_style="bold")
        findings.add_column("conversation", overflow="fold")
        findings.add_column("turn", justify="right")
        findings.add_column("check")
        findings.add_column("kind")
        findings.add_column("detail", overflow="fold")
        for f in report.findings[:_MAX_FINDINGS]:
            findings.add_row(escape(f.conversation_id), str(f.turn or ""), f.check, f.kind,
                             escape(f.detail))
        console.print(findings)
        if len(report.findings) > _MAX_FINDINGS:
            console.print(f"[dim]… and {len(report.findings) - _MAX_FINDINGS} more "
                          "(--json lists them all)[/dim]")

    console.print(gates_table(report.gates))
    if report.passed:
        console.print("[green]All gates pass.[/green]")
    else:
        failed = [g.metric for g in report.gates if not g.ok]
        console.print(f"[red]Gates missed: {', '.join(failed)}[/red]")
