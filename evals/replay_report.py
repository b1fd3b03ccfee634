"""The terminal summary of `cx eval replay` (rich tables). `--json` prints the report."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from evals.replay import ReplayReport
from evals.report import gates_table
from evals.scoring import Rate

_MAX_FAILURES = 60


def _rate(r: Rate) -> str:
    return "n/a" if r.value is None else f"{r.value * 100:.1f}% ({r.numerator}/{r.denominator})"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def render_replay(report: ReplayReport, console: Console) -> None:
    console.print(f"[bold]{report.scenarios} scenario(s), {report.runs} run(s)[/bold] with the "
                  f"{report.brain} brain in {report.seconds:g} s; policies "
                  + ", ".join(f"{k} {v}" for k, v in report.policy_versions.items()),
                  soft_wrap=True)
    for p in report.invalid:
        console.print(f"[yellow]line {p.line} skipped:[/yellow] {escape(p.reason)}",
                      soft_wrap=True)
    for note in report.notes:
        console.print(f"[dim]note: {escape(note)}[/dim]", soft_wrap=True)

    summary = Table(title="Replay", header_style="bold")
    summary.add_column("measure")
    summary.add_column("value", justify="right")
    summary.add_row("runs passed", _rate(report.pass_rate))
    if report.repeat > 1:
        summary.add_row(f"pass^{report.repeat} (every run of a scenario)", _rate(report.pass_k))
    for lang, r in report.by_language.items():
        summary.add_row(f"  {lang}", _rate(r))
    summary.add_row("checks made", str(report.checks))
    for check, n in report.failed_checks.items():
        summary.add_row(f"  failed: {escape(check)}", str(n))
    a = report.scorer_agreement
    if a is not None:
        summary.add_row("scorer vs labels: escalation agreement",
                        f"{_pct(a.agreement)} of {a.labelled}")
        summary.add_row("  Cohen's kappa", "n/a" if a.kappa is None else f"{a.kappa:.3f}")
        summary.add_row("  rules precision / recall",
                        f"{_pct(a.rules_precision)} / {_pct(a.rules_recall)}")
        summary.add_row("scorer vs labels: intent accuracy",
                        f"{_pct(a.intent_accuracy)} of {a.intents_labelled}")
    console.print(summary)

    tags = Table(title="By tag", header_style="bold")
    tags.add_column("tag")
    tags.add_column("passed", justify="right")
    for tag, r in sorted(report.by_tag.items(), key=lambda kv: (kv[1].value or 0, kv[0])):
        tags.add_row(escape(tag), _rate(r))
    if report.by_tag:
        console.print(tags)

    failures = [(r, f) for r in report.results for f in r.failures]
    if failures:
        t = Table(title=f"Failures ({len(failures)})", header_style="bold", show_lines=True)
        for col in ("scenario", "turn", "check", "expected", "got"):
            t.add_column(col, overflow="fold")
        for r, f in failures[:_MAX_FAILURES]:
            name = r.scenario + (f" #{r.attempt}" if report.repeat > 1 else "")
            t.add_row(escape(name), "end" if f.turn is None else str(f.turn), escape(f.check),
                      escape(f.expected), escape(f.got))
        console.print(t)
        if len(failures) > _MAX_FAILURES:
            console.print(f"... and {len(failures) - _MAX_FAILURES} more (use --json or --html)")

    console.print(gates_table(report.gates))
    console.print("[green]All gates passed[/green]" if report.passed
                  else "[red]A gate was missed[/red]")
