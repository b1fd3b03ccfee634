"""`cx`: the command line of the assistant (serve, seed, chat, knowledge, understanding, tokens)."""

from __future__ import annotations

import asyncio
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from settings import PACKAGE_ROOT, Settings

app = typer.Typer(help="Bilingual customer-service assistant.", no_args_is_help=True)
kb = typer.Typer(help="The knowledge base.", no_args_is_help=True)
app.add_typer(kb, name="kb")
nlu = typer.Typer(help="Understanding: the intent model, slots and frustration.",
                  no_args_is_help=True)
app.add_typer(nlu, name="nlu")
policy = typer.Typer(help="Policy files: actions, escalation, staffing, voice, privacy, replies.",
                     no_args_is_help=True)
app.add_typer(policy, name="policy")
agent_cli = typer.Typer(help="Human agents who work the inbox.", no_args_is_help=True)
app.add_typer(agent_cli, name="agent")
evals_cli = typer.Typer(help="QA evaluation over transcripts: export, import, score.",
                        no_args_is_help=True)
app.add_typer(evals_cli, name="eval")
privacy_cli = typer.Typer(help="Retention and customers' data requests (policies/privacy.yaml).",
                          no_args_is_help=True)
app.add_typer(privacy_cli, name="privacy")
console = Console()


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        console.print(f"[red]Invalid settings:[/red] {exc}")
        raise typer.Exit(2) from exc


async def _seed(settings: Settings, reset: bool = False) -> None:
    from tools.agents import seed_demo_agents
    from tools.db import create_schema, make_engine
    from tools.seed import seed_demo_crm

    engine = make_engine(settings.db_url)
    try:
        await create_schema(engine)
        n_customers, n_orders, loaded = await seed_demo_crm(
            engine, settings.demo_data_dir, reset=reset
        )
        # Demo passwords are published: never in production.
        demo_agents = settings.demo_agents and settings.environment != "production"
        agents = await seed_demo_agents(engine) if demo_agents else []
    finally:
        await engine.dispose()
    state = "loaded from demo files" if loaded else "kept (use `cx seed --reset` to reload)"
    console.print(f"CRM: {n_customers} customers, {n_orders} orders {state}")
    if agents:
        console.print(f"Agents: demo accounts {', '.join(agents)} created (passwords in the "
                      "README; change them with `cx agent passwd`)")
    await asyncio.to_thread(_ingest, settings, settings.knowledge_dir)
    understanding = await asyncio.to_thread(_understanding, settings)
    console.print(f"Intents: {len(understanding.classifier.labels)} ready")


@app.command()
def seed(
    reset: Annotated[bool, typer.Option(help="Reload the demo customers and orders")] = False,
) -> None:
    """Create the store, load the demo CRM, build the knowledge index and intent model.

    Safe to re-run: existing customers and orders are kept unless --reset, and only changed
    knowledge is re-embedded.
    """
    asyncio.run(_seed(_settings(), reset))


@app.command()
def serve(
    port: Annotated[Optional[int], typer.Option(help="Port (default: PORT or 8000)")] = None,
    host: Annotated[Optional[str], typer.Option(help="Interface to bind")] = None,
) -> None:
    """Serve the HTTP API (refused, with every problem listed, if a policy file is invalid)."""
    settings = _settings()
    if port is not None:
        settings.port = port
    if host is not None:
        settings.host = host
    # The app refuses to start on an invalid policy; say why plainly, not with a traceback.
    _, problems = _check_policies(settings.policies_dir)
    if problems:
        console.print(f"[red]Invalid policy files in {escape(str(settings.policies_dir))}; "
                      "not starting:[/red]", soft_wrap=True)
        _print_policy_problems(problems)
        raise typer.Exit(2)

    import uvicorn

    from app import create_app

    base = f"http://{settings.host}:{settings.port}"
    console.print(f"[bold]Rawaf assistant[/bold] ({'LLM' if settings.use_llm else 'offline'} brain)")
    console.print(f"  Demo shop: {base}/  (chat widget; {base}/?lang=en for English)")
    console.print(f"  Agents:    {base}/console/  (demo users in the README)")
    console.print(f"  API docs:  {base}/docs")
    console.print(f"  Health:    {base}/healthz")
    console.print(f"  Chat API:  POST {base}/v1/conversations")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


@app.command()
def chat(
    lang: Annotated[Optional[str], typer.Option(help="ar or en; default: detected")] = None,
    customer: Annotated[Optional[str], typer.Option(help="Act as this logged-in customer id")] = None,
) -> None:
    """Chat with the assistant in the terminal (Arabic or English). Ctrl-D to quit."""
    from policies.loader import PolicyError

    try:
        asyncio.run(_chat(_settings(), lang, customer))
    except PolicyError as exc:
        console.print("[red]Invalid policy files; not starting:[/red]")
        _print_policy_problems(exc.problems)
        raise typer.Exit(2) from None


async def _chat(settings: Settings, lang: str | None, customer: str | None) -> None:
    from agent.service import open_assistant

    async with open_assistant(settings) as assistant:
        if customer and await assistant.deps.backend.get_customer(customer) is None:
            console.print(f"[red]No customer {customer}[/red]")
            raise typer.Exit(1)
        conv = await assistant.start("cli", lang, customer)
        console.print(f"[dim]Conversation {conv.id} — {assistant.deps.brain.name} brain. "
                      "Type in Arabic or English; Ctrl-D to quit.[/dim]")
        while True:
            try:
                text = await asyncio.to_thread(console.input, "[bold cyan]you> [/bold cyan]")
            except (EOFError, KeyboardInterrupt):
                console.print()
                return
            if not text.strip():
                continue
            result = await assistant.turn(conv.id, text)
            for reply in result.replies:
                console.print(f"[bold green]noura>[/bold green] {reply['text']}")
                for c in reply["citations"]:
                    console.print(f"   [dim]source: {c['title']} ({c['source']}#{c['anchor']})[/dim]")
                if reply["quick_replies"]:
                    options = " | ".join(q["label"] for q in reply["quick_replies"])
                    console.print(f"   [dim]options: {options}[/dim]")
            if result.mode == "waiting_human":
                console.print("[yellow]  (handed to a human agent)[/yellow]")


def _ingest(settings: Settings, folder: Path) -> bool:
    """Ingest with a progress bar; print the counts and every skipped file. True if clean."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from agent.service import open_knowledge
    from knowledge.ingest import ingest_folder

    index = open_knowledge(settings)
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeRemainingColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task("embedding", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = ingest_folder(index, folder, settings.model_cache_dir, settings.chunk_tokens,
                               progress=progress)
    r = result.report
    console.print(
        f"Knowledge: {len(index)} chunks from {result.files} files "
        f"(added {r.added}, updated {r.updated}, removed {r.removed}, unchanged {r.unchanged})"
    )
    for problem in result.problems:
        console.print(f"[yellow]skipped[/yellow] {problem.path}: {problem.reason}")
    return not result.problems


@kb.command("ingest")
def kb_ingest(
    path: Annotated[Optional[Path], typer.Argument(help="Folder to ingest (default: CX_KNOWLEDGE_DIR)")] = None,
) -> None:
    """Index a folder of Markdown, HTML, PDF, text and FAQ tables (CSV/JSON/YAML).

    The index mirrors the folder: changed files are re-embedded, deleted ones removed.
    A running server picks the change up through the admin API (POST /v1/admin/knowledge/reload).
    """
    settings = _settings()
    folder = path or settings.knowledge_dir
    if not folder.is_dir():
        console.print(f"[red]Not a folder:[/red] {folder}")
        raise typer.Exit(2)
    clean = _ingest(settings, folder)
    raise typer.Exit(0 if clean else 1)


@kb.command("search")
def kb_search(
    query: str,
    k: Annotated[int, typer.Option(help="How many passages")] = 5,
    mode: Annotated[str, typer.Option(help="hybrid, bm25 or vector")] = "hybrid",
) -> None:
    """Search the knowledge index and show scored passages with their sources."""
    from agent.service import open_knowledge

    if mode not in ("hybrid", "bm25", "vector"):
        console.print("[red]--mode must be hybrid, bm25 or vector[/red]")
        raise typer.Exit(2)
    index = open_knowledge(_settings())
    result = index.search(query, k=k, mode=mode)  # type: ignore[arg-type]
    console.print(f"confidence {result.confidence:.2f}")
    for p in result.passages:
        console.print(f"{p.score:.3f} cos={p.dense:.3f} bm25={p.lexical:.2f} [{p.chunk.lang}] "
                      f"{p.chunk.title} ({p.chunk.source}#{p.chunk.anchor})")


@kb.command("stats")
def kb_stats() -> None:
    """What the index holds: chunks, sources, languages, kinds."""
    from agent.service import open_knowledge

    stats = open_knowledge(_settings()).stats()
    console.print(f"{stats['chunks']} chunks from {stats['sources']} sources")
    console.print(f"by language: {stats['by_language']}")
    console.print(f"by kind: {stats['by_kind']}")


def _understanding(settings: Settings):
    from agent.intents import CatalogueError
    from agent.service import open_understanding

    try:
        return open_understanding(settings)
    except CatalogueError as exc:
        console.print(f"[red]Invalid intent catalogue:[/red] {exc}")
        raise typer.Exit(2) from None


@nlu.command("train")
def nlu_train() -> None:
    """Train the intent model from the catalogue (or load it from the cache if unchanged)."""
    import time

    settings = _settings()
    t0 = time.perf_counter()
    understanding = _understanding(settings)
    clf = understanding.classifier
    console.print(
        f"{len(clf.labels)} intents from {settings.catalogue_dir} in "
        f"{time.perf_counter() - t0:.1f} s (sentence vectors: {settings.intent_vectors}; "
        f"cached in {settings.model_cache_dir})"
    )


@nlu.command("tone-train")
def nlu_tone_train(
    goemotions: Annotated[Path, typer.Option(help="GoEmotions folder (train.tsv, labels.txt)")],
    extra: Annotated[Optional[list[Path]], typer.Option(
        help="Labelled CSVs (text + label or level) to train on instead of the shipped "
        "sets in agent/data")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Where to write the weights")] = None,
) -> None:
    """Retrain the learned tone model behind frustration detection (agent/models/tone.npz)."""
    import time

    from agent import tone

    paths = extra or list(tone.TRAINING_SETS)
    try:
        sets = {"goemotions": tone.read_goemotions(goemotions / "train.tsv"),
                "catalogue": tone.catalogue_calm_examples(_settings().catalogue_dir)}
        for path in paths:
            sets[path.stem] = tone.read_labelled_csv(path)
    except (OSError, ValueError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    t0 = time.perf_counter()
    model = tone.train(sets)
    target = out or tone.MODEL_FILE
    model.save(target)
    console.print(f"thresholds per language: {model.thresholds}")
    for name, cv in model.meta["cross_validation"].items():
        figure = f"out-of-fold F1 {cv['oof_f1']:.3f}" if cv["positives"] else "calm examples"
        console.print(f"  {name}: {cv['n']} texts, {cv['positives']} frustrated, {figure}")
    console.print(f"{sum(map(len, sets.values()))} texts in {time.perf_counter() - t0:.0f} s "
                  f"-> {target}")


@nlu.command("eval")
def nlu_eval(
    file: Annotated[Path, typer.Argument(help="CSV (text,intent) or YAML {intent: {lang: [texts]}}")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
    min_accuracy: Annotated[
        Optional[float], typer.Option(help="Exit 1 when accuracy is below this (for CI)")
    ] = None,
) -> None:
    """Score the intent model on labelled messages: accuracy, macro-F1, confusion pairs."""
    from evals.intents import read_cases, score

    try:
        cases = read_cases(file)
    except (OSError, ValueError) as exc:
        console.print(f"[red]Cannot read {file}:[/red] {exc}")
        raise typer.Exit(2) from None
    clf = _understanding(_settings()).classifier
    unknown = sorted({c.intent for c in cases} - set(clf.labels))
    if unknown:
        console.print(f"[yellow]Labels not in the catalogue (count as errors):[/yellow] {unknown}")
    probs = clf.probabilities([c.text for c in cases])
    pred = [clf.labels[i] for i in probs.argmax(axis=1)]
    groups = [f"{c.lang or '-'}:{c.style}" if c.style else c.lang for c in cases]
    result = score([c.intent for c in cases], pred, list(probs.max(axis=1)), groups)
    if as_json:
        print(result.model_dump_json())
    else:
        console.print(f"accuracy {result.accuracy:.3f}  macro-F1 {result.macro_f1:.3f}  "
                      f"ECE {result.expected_calibration_error:.3f}  ({result.n} messages, "
                      f"{result.labels} intents)")
        for group, acc in result.by_group.items():
            console.print(f"  {group:<20} {acc:.3f}")
        if result.top_confusions:
            console.print("Most confused (gold -> predicted):")
        for c in result.top_confusions:
            console.print(f"  {c.count:4d}  {c.gold} -> {c.predicted}")
    if min_accuracy is not None and result.accuracy < min_accuracy:
        raise typer.Exit(1)


def _check_policies(folder: Path) -> tuple[list[str], list[str]]:
    """Validate every policy file in `folder`: one summary line per valid file, and every
    problem of every invalid one (file, line and field), never stopping at the first."""
    from agent.replies import ReplyBook
    from policies.engine import POLICY_FILES
    from policies.loader import PolicyError, load_model

    details = {
        "escalation": lambda e: f", {len(e.rules)} rules",
        "staffing": lambda s: f", {s.timezone}",
        "voice": lambda v: (f", {len(v.voice.principles)} principles, "
                            f"{len(v.banned())} banned phrases"),
        "privacy": lambda p: (f", transcripts kept {p.retention.transcripts_days} days, "
                              f"audit {p.retention.audit_days} days"),
        "replies": lambda r: f", {len(r.templates)} templates",
    }
    files = [(name, field, lambda path, m=model: load_model(path, m))
             for field, (name, model) in POLICY_FILES.items()]
    files.append(("replies.yaml", "replies", ReplyBook.load))
    ok, problems = [], []
    for name, field, load in files:
        try:
            doc = load(folder / name)
        except PolicyError as exc:
            problems.extend(exc.problems)
            continue
        extra = details.get(field, lambda _: "")(doc)
        ok.append(f"{folder / name} (version {doc.version}{extra})")
    return ok, problems


def _print_policy_problems(problems: list[str]) -> None:
    for problem in problems:
        console.print(f"[red]✗[/red] {escape(problem)}", soft_wrap=True)


@policy.command("check")
def policy_check(
    folder: Annotated[Optional[Path], typer.Argument(help="Policy folder (default: CX_POLICIES_DIR)")] = None,
) -> None:
    """Validate the policy files (actions, escalation, staffing, voice, privacy, replies).

    Prints one line per valid file with its version, and every problem of every invalid file
    with its file, line and field. Exit 1 if there is any problem."""
    folder = folder or _settings().policies_dir
    ok, problems = _check_policies(folder)
    for line in ok:
        console.print(f"[green]✓[/green] {escape(line)}", soft_wrap=True)
    _print_policy_problems(problems)
    if problems:
        console.print(f"{len(problems)} problem(s) in {folder}", soft_wrap=True)
        raise typer.Exit(1)


@app.command()
def token(customer_id: str) -> None:
    """Mint a signed identity token for a customer (what the host site does at login)."""
    from app import mint_customer_token

    console.print(mint_customer_token(_settings(), customer_id))


async def _agents(settings: Settings, work):
    from tools.agents import AgentStore
    from tools.db import create_schema, make_engine

    engine = make_engine(settings.db_url)
    try:
        await create_schema(engine)
        return await work(AgentStore(engine))
    finally:
        await engine.dispose()


def _read_password(from_stdin: bool) -> str:
    import sys

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt("Password", hide_input=True)
    if typer.prompt("Again", hide_input=True) != first:
        console.print("[red]The passwords differ[/red]")
        raise typer.Exit(2)
    return first


@agent_cli.command("add")
def agent_add(
    username: str,
    role: Annotated[str, typer.Option(help="agent, supervisor or admin")] = "agent",
    name: Annotated[Optional[str], typer.Option(help="Display name in English")] = None,
    name_ar: Annotated[Optional[str], typer.Option(help="Display name in Arabic")] = None,
    languages: Annotated[str, typer.Option(help="Comma-separated: ar,en")] = "ar,en",
    skills: Annotated[str, typer.Option(help="Comma-separated teams: general,complaints")] = "general",
    ui_language: Annotated[str, typer.Option(help="Console language: ar or en")] = "ar",
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin")] = False,
) -> None:
    """Create an agent account (the password is asked for, or read with --password-stdin)."""
    from pydantic import ValidationError

    from tools.agents import AccountError
    from tools.models import Bilingual

    settings = _settings()
    langs = [x.strip() for x in languages.split(",") if x.strip()]
    problems = ([f"--role must be agent, supervisor or admin, not {role}"]
                if role not in ("agent", "supervisor", "admin") else [])
    problems += [f"--languages: {x} is not ar or en" for x in langs if x not in ("ar", "en")]
    if ui_language not in ("ar", "en"):
        problems.append(f"--ui-language must be ar or en, not {ui_language}")
    if problems:
        console.print("[red]" + escape("\n".join(problems)) + "[/red]")
        raise typer.Exit(2)
    password = _read_password(password_stdin)
    display = Bilingual(en=name or username.capitalize(), ar=name_ar or name or username)
    try:
        account = asyncio.run(_agents(settings, lambda store: store.create(
            username, password, name=display, role=role,  # type: ignore[arg-type]
            languages=langs, skills=[x.strip() for x in skills.split(",") if x.strip()],
            ui_language=ui_language,  # type: ignore[arg-type]
        )))
    except (AccountError, ValidationError) as exc:
        console.print(f"[red]Cannot add {escape(username)}:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None
    console.print(f"Added {account.username} ({account.role}, {', '.join(account.languages)}; "
                  f"skills {', '.join(account.skills)})")


async def _with_assistant(settings: Settings, work):
    from agent.service import open_assistant

    async with open_assistant(settings) as assistant:
        return await work(assistant)


@privacy_cli.command("purge")
def privacy_purge(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would go")] = False,
) -> None:
    """Delete conversations, checkpoints and audit rows past retention (also run by the
    server every CX_PURGE_INTERVAL_HOURS). Prints the rows per table before and after."""
    from privacy_api import purge_now

    report = asyncio.run(_with_assistant(_settings(), lambda a: purge_now(a, "cli", dry_run)))
    table = Table("table", "before", "after")
    for name, n in report.before.items():
        table.add_row(name, str(n), str(report.after[name]))
    console.print(table)
    state = "would be deleted (dry run)" if dry_run else "deleted"
    console.print(f"{report.conversations_purged} conversation(s) last active before "
                  f"{report.transcripts_before:%Y-%m-%d} {state}; audit rows before "
                  f"{report.audit_before:%Y-%m-%d} {state}")


@privacy_cli.command("export")
def privacy_export(
    customer_id: str,
    out: Annotated[Optional[Path], typer.Option(help="JSON file (default: standard output)")] = None,
) -> None:
    """Everything held about one customer (an access or copy request), as JSON. Audited."""
    import json

    from privacy_api import _audit
    from tools.retention import export_customer

    async def run(assistant):
        data = await export_customer(assistant.store.engine, customer_id)
        if data is not None:
            await _audit(assistant, "cli", "privacy.export", "customer data request (access/copy)",
                         customer_id=customer_id, conversations=len(data["conversations"]))
        return data

    data = asyncio.run(_with_assistant(_settings(), run))
    if data is None:
        Console(stderr=True).print(f"[red]No customer {escape(customer_id)}[/red]")
        raise typer.Exit(1)
    text = json.dumps(data, ensure_ascii=False, indent=1, default=str)
    if out is None:
        print(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"Wrote {out} ({len(data['conversations'])} conversation(s))")


@privacy_cli.command("delete")
def privacy_delete(
    customer_id: str,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone")] = False,
) -> None:
    """Delete a customer's conversations and erase their profile's personal fields (a
    deletion request); orders stay as tax records. Audited."""
    from privacy_api import _audit
    from tools.retention import delete_customer

    if not yes:
        console.print("[red]Deleting cannot be undone: add --yes to confirm[/red]")
        raise typer.Exit(2)

    async def run(assistant):
        done = await delete_customer(assistant.store.engine, customer_id, assistant.forget)
        if done is not None:
            await _audit(assistant, "cli", "privacy.delete", "customer data request (deletion)",
                         customer_id=customer_id, **done)
        return done

    done = asyncio.run(_with_assistant(_settings(), run))
    if done is None:
        console.print(f"[red]No customer {escape(customer_id)}[/red]")
        raise typer.Exit(1)
    console.print(f"Customer {customer_id}: {done['conversations']} conversation(s) deleted, "
                  f"profile erased")


@agent_cli.command("passwd")
def agent_passwd(
    username: str,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin")] = False,
) -> None:
    """Set a new password (ends the agent's open sessions)."""
    from tools.agents import AccountError

    password = _read_password(password_stdin)
    try:
        asyncio.run(_agents(_settings(), lambda store: store.set_password(username, password)))
    except AccountError as exc:
        console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Password of {username} changed")


@agent_cli.command("disable")
def agent_disable(username: str) -> None:
    """Disable an account (its sessions end at once)."""
    from tools.agents import AccountError

    try:
        asyncio.run(_agents(_settings(), lambda store: store.set_active(username, False)))
    except AccountError as exc:
        console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    console.print(f"{username} disabled")


@agent_cli.command("list")
def agent_list() -> None:
    """All agent accounts."""
    for a in asyncio.run(_agents(_settings(), lambda store: store.list())):
        state = "" if a.active else " [dim](disabled)[/dim]"
        console.print(f"{a.username:<16} {a.role:<10} {a.display_name.en} / {a.display_name.ar}  "
                      f"langs {','.join(a.languages)}  skills {','.join(a.skills)}{state}")


# --- cx eval: QA over transcripts (evals/README.md) ------------------------------------------


def _day_start(zone, day: str, option: str, err: Console):
    """Midnight of a YYYY-MM-DD day in the company's time zone (staffing.yaml), in UTC."""
    from datetime import UTC, date, datetime, time

    try:
        d = date.fromisoformat(day)
    except ValueError:
        err.print(f"[red]{option} must be a date like 2026-11-24, not {escape(day)}[/red]")
        raise typer.Exit(2) from None
    return datetime.combine(d, time(0), tzinfo=zone).astimezone(UTC)


def _pseudonym_key(settings: Settings, salt: str | None) -> bytes:
    import hashlib
    import hmac

    if salt:
        return salt.encode("utf-8")
    # Stable per deployment without another secret to manage; the key never leaves here.
    secret = settings.identity_secret.get_secret_value().encode("utf-8")
    return hmac.new(secret, b"cx-eval-pseudonym", hashlib.sha256).digest()


@contextmanager
def _progress(err: Console, label: str, total: int, disabled: bool = False,
              counters: tuple[str, ...] = ()):
    """A progress bar on the terminal (nothing when output is piped or JSON); yields
    tick(**counts), which advances it and adds to the named counters (e.g. failed=1)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.progress import TimeElapsedColumn

    counted = [TextColumn(f"{{task.fields[{k}]}} {k}") for k in counters]
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), *counted,
                  TimeElapsedColumn(), console=err, transient=True,
                  disable=disabled or not err.is_terminal) as bar:
        task = bar.add_task(label, total=total, **{k: 0 for k in counters})
        yield lambda **add: bar.update(task, advance=1, **{
            k: bar.tasks[task].fields[k] + v for k, v in add.items()})


@evals_cli.command("export")
def eval_export(
    since: Annotated[str, typer.Option(help="First day, YYYY-MM-DD (company time zone)")],
    until: Annotated[Optional[str], typer.Option(help="Last day, included (default: none)")] = None,
    out: Annotated[Optional[Path], typer.Option(
        help="JSONL file (default: standard output)")] = None,
    no_redact: Annotated[bool, typer.Option(
        "--no-redact", help="Keep personal data and customer ids readable")] = False,
    salt: Annotated[Optional[str], typer.Option(
        envvar="CX_EVAL_SALT", help="Key of the customer pseudonyms (default: derived from "
                                    "CX_IDENTITY_SECRET)")] = None,
) -> None:
    """Export conversations from the store as cx-transcript/1 JSONL (personal data redacted).

    A conversation is exported when its first customer message falls in the days given.
    Messages, tool calls, escalation decisions, handoffs, tickets and CSAT are included;
    emails, phones, cards, IBANs and IDs are replaced by labels and customer ids by stable
    pseudonyms unless --no-redact."""
    import sys
    from datetime import timedelta

    from evals.export import export_store, pseudonymizer
    from evals.transcript import write_transcripts
    from policies.engine import Policies
    from policies.loader import PolicyError
    from tools.db import make_engine

    settings = _settings()
    err = Console(stderr=True)
    try:
        current = Policies.load(settings.policies_dir)
    except PolicyError as exc:
        _print_policy_problems(exc.problems)
        raise typer.Exit(2) from None
    zone, privacy = current.staffing.zone, current.privacy
    start = _day_start(zone, since, "--since", err)
    end = _day_start(zone, until, "--until", err) + timedelta(days=1) if until else None

    async def run():
        engine = make_engine(settings.db_url)
        try:
            return await export_store(engine, start, end, privacy, redact_pii=not no_redact,
                                      pseudonym=pseudonymizer(_pseudonym_key(settings, salt)))
        finally:
            await engine.dispose()

    transcripts = asyncio.run(run())
    if out is None:
        n = write_transcripts(transcripts, sys.stdout)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as fh:
            n = write_transcripts(transcripts, fh)
    state = "readable (--no-redact)" if no_redact else "personal data redacted"
    err.print(f"Exported {n} conversation(s), {state}" + (f" to {out}" if out else ""),
              soft_wrap=True)


@evals_cli.command("import")
def eval_import(
    file: Annotated[Path, typer.Argument(help="CSV: conversation_id,timestamp,role,text"
                                              "[,language,channel]")],
    out: Annotated[Optional[Path], typer.Option(
        help="JSONL file (default: standard output)")] = None,
    redact: Annotated[bool, typer.Option(
        "--redact", help="Redact personal data with the privacy policy")] = False,
) -> None:
    """Convert a CSV of messages to cx-transcript/1 JSONL (bad rows reported and skipped)."""
    import sys

    from evals.export import import_csv
    from evals.transcript import write_transcripts
    from policies.engine import Policies

    err = Console(stderr=True)
    privacy = Policies.load(_settings().policies_dir).privacy if redact else None
    try:
        transcripts, problems = import_csv(file, privacy)
    except (OSError, ValueError) as exc:
        err.print(f"[red]Cannot read {escape(str(file))}:[/red] {escape(str(exc))}",
                  soft_wrap=True)
        raise typer.Exit(2) from None
    for p in problems:
        err.print(f"[yellow]line {p.line} skipped:[/yellow] {escape(p.reason)}", soft_wrap=True)
    if out is None:
        n = write_transcripts(transcripts, sys.stdout)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as fh:
            n = write_transcripts(transcripts, fh)
    err.print(f"Imported {n} conversation(s)" + (f" to {out}" if out else ""), soft_wrap=True)


@evals_cli.command("score")
def eval_score(
    file: Annotated[Path, typer.Argument(help="cx-transcript/1 JSONL")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON report")] = False,
    policies: Annotated[Optional[Path], typer.Option(
        help="Policy folder to check against (default: CX_POLICIES_DIR)")] = None,
    thresholds: Annotated[Optional[Path], typer.Option(
        help="Gates file (default: evals/thresholds.yaml)")] = None,
    lexical_only: Annotated[bool, typer.Option(
        "--lexical-only", help="Grounding without the knowledge index's e5 model")] = False,
    html: Annotated[Optional[Path], typer.Option(
        "--html", help="Also write a self-contained HTML report to this file")] = None,
) -> None:
    """Score transcripts: escalation, policy, grounding, language and voice, privacy, outcomes.

    Invalid lines are reported and skipped. Exit 1 when a gate of the thresholds file is
    missed (for CI), 2 when nothing can be scored."""
    from evals.report import render
    from evals.scoring import context_from_settings, score_transcripts
    from evals.thresholds import Thresholds
    from evals.transcript import read_transcripts
    from policies.engine import Policies
    from policies.loader import PolicyError

    settings = _settings()
    err = Console(stderr=True)
    try:
        read = read_transcripts(file)
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"[red]Cannot read {escape(str(file))}:[/red] {escape(str(exc))}",
                  soft_wrap=True)
        raise typer.Exit(2) from None
    if not read.transcripts:
        for p in read.problems:
            err.print(f"[yellow]line {p.line} skipped:[/yellow] {escape(p.reason)}",
                      soft_wrap=True)
        err.print(f"[red]No valid conversation in {escape(str(file))}[/red]", soft_wrap=True)
        raise typer.Exit(2)
    folder = policies or settings.policies_dir
    try:
        current = Policies.load(folder)
        gates = Thresholds.load(thresholds)
    except PolicyError as exc:
        _print_policy_problems(exc.problems)
        raise typer.Exit(2) from None
    except ValueError as exc:
        err.print(f"[red]Invalid thresholds:[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from None
    if policies is not None:
        settings.policies_dir = policies
    ctx = context_from_settings(settings, current, understanding=_understanding(settings),
                                embeddings=not lexical_only)
    with _progress(err, "scoring", len(read.transcripts), disabled=as_json) as tick:
        report = score_transcripts(read.transcripts, ctx, gates, read.problems,
                                   source=str(file), progress=tick)
    if as_json:
        print(report.model_dump_json(by_alias=True))
    else:
        render(report, console)
    if html is not None:
        from evals.html import render_html

        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(render_html(report.model_dump(mode="json", by_alias=True),
                                    read.transcripts), encoding="utf-8")
    if not report.passed:
        raise typer.Exit(1)


@evals_cli.command("replay")
def eval_replay(
    paths: Annotated[Optional[list[Path]], typer.Argument(
        help="Scenario files or folders (default: the shipped suite, evals/scenarios)")] = None,
    repeat: Annotated[int, typer.Option(
        min=1, max=50, help="Run each scenario k times and report pass^k (for an LLM brain)")] = 1,
    concurrency: Annotated[int, typer.Option(
        min=0, max=32, help="Scenarios run at once (0 = 1 offline, 4 with an LLM)")] = 0,
    processes: Annotated[int, typer.Option(
        min=0, max=16, help="Worker processes (0 = one per core, at most 4, for the offline "
                            "brain on 50 runs or more; 1 with an LLM, which waits on I/O)")] = 0,
    only: Annotated[Optional[str], typer.Option(
        help="Only scenarios whose id or a tag contains this")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON report")] = False,
    html: Annotated[Optional[Path], typer.Option(
        "--html", help="Also write a self-contained HTML report to this file")] = None,
    transcripts: Annotated[Optional[Path], typer.Option(
        help="Also write the replayed conversations (cx-transcript/1, labelled) here")] = None,
    thresholds: Annotated[Optional[Path], typer.Option(
        help="Gates file (default: evals/thresholds.yaml)")] = None,
    score: Annotated[bool, typer.Option(
        help="Score the replayed conversations too (the scorer's agreement with the "
             "scenarios' labels)")] = True,
) -> None:
    """Replay scenarios through the current assistant and check every expectation.

    Each scenario starts from a fresh copy of the demo CRM with the team on duty as it says.
    Invalid scenarios are reported and skipped. Exit 1 when a gate of the thresholds file is
    missed (a broken scenario, for CI), 2 when nothing can run."""
    import time

    from evals.replay import (ReplayError, open_shared, replay, replay_in_processes,
                              scorer_agreement, summarize)
    from evals.replay_report import render_replay
    from evals.scenarios import load_scenarios
    from evals.thresholds import REPLAY_SECTIONS, Thresholds, check
    from evals.transcript import write_transcripts
    from policies.loader import PolicyError

    settings = _settings()
    err = Console(stderr=True)
    paths = paths or [PACKAGE_ROOT / "evals" / "scenarios"]
    try:
        loaded = load_scenarios(paths)
        gates = Thresholds.load(thresholds)
    except (OSError, ValueError) as exc:
        err.print(f"[red]{escape(str(exc))}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None
    for p in loaded.problems:
        err.print(f"[yellow]line {p.line} skipped:[/yellow] {escape(p.reason)}", soft_wrap=True)
    chosen = [s for s in loaded.scenarios if not only or only in s.id
              or any(only in t for t in s.tags)]
    if not chosen:
        err.print("[red]No scenario to run[/red]" + (f" (--only {escape(only)})" if only else ""),
                  soft_wrap=True)
        raise typer.Exit(2)
    brain = "llm" if settings.use_llm else "offline"
    notes = []
    if repeat > 1 and brain == "offline":
        notes.append("the offline brain is deterministic: --repeat only repeats the same runs")
    workers = concurrency or (4 if brain == "llm" else 1)
    runs_total = len(chosen) * repeat
    if not processes:
        processes = (min(os.cpu_count() or 1, 4) if brain == "offline" and runs_total >= 50
                     else 1)

    async def run():
        async with open_shared(settings) as shared:
            started = time.perf_counter()
            with _progress(err, "replay", len(chosen) * repeat, disabled=as_json,
                           counters=("failed",)) as tick:
                if processes > 1:
                    results, runs = await replay_in_processes(
                        settings, chosen, processes=processes, repeat=repeat,
                        concurrency=workers, on_done=lambda ok: tick(failed=int(not ok)))
                else:
                    results, runs = await replay(
                        shared, chosen, repeat=repeat, concurrency=workers,
                        on_done=lambda r: tick(failed=int(not r.passed)))
            seconds = time.perf_counter() - started
            report = summarize(results, chosen, repeat=repeat, sources=loaded.files,
                               brain=brain, policy_versions=shared.base.versions(),
                               invalid=loaded.problems, seconds=seconds)
            scored = None
            if score and runs:
                from evals.scoring import context_from_settings, score_transcripts

                ctx = context_from_settings(settings, shared.base,
                                            understanding=shared.understanding)
                scored = await asyncio.to_thread(score_transcripts, runs, ctx, gates,
                                                 (), "replay")
                report.scorer_agreement = scorer_agreement(scored)
            return report, runs, scored

    try:
        report, runs, scored = asyncio.run(run())
    except PolicyError as exc:
        _print_policy_problems(exc.problems)
        raise typer.Exit(2) from None
    except ReplayError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None
    report.notes += notes
    report.gates = check(gates, report.metrics(), REPLAY_SECTIONS)
    report.passed = all(g.ok for g in report.gates)
    if as_json:
        print(report.model_dump_json(by_alias=True))
    else:
        render_replay(report, console)
    if transcripts is not None:
        transcripts.parent.mkdir(parents=True, exist_ok=True)
        with transcripts.open("w", encoding="utf-8") as fh:
            write_transcripts(runs, fh)
    if html is not None:
        from evals.html import render_html

        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(render_html(scored.model_dump(mode="json", by_alias=True) if scored
                                    else None, runs,
                                    replay=report.model_dump(mode="json", by_alias=True)),
                        encoding="utf-8")
    if not report.passed:
        raise typer.Exit(1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
