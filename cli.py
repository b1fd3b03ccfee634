"""`cx`: the command line of the assistant (serve, seed, chat, knowledge, tokens)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Optional

import typer
from rich.console import Console

from settings import Settings

app = typer.Typer(help="Bilingual customer-service assistant.", no_args_is_help=True)
kb = typer.Typer(help="The knowledge base.", no_args_is_help=True)
app.add_typer(kb, name="kb")
console = Console()


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        console.print(f"[red]Invalid settings:[/red] {exc}")
        raise typer.Exit(2) from exc


async def _seed(settings: Settings, reset: bool = False) -> None:
    from agent.intents import IntentClassifier
    from agent.service import open_knowledge
    from knowledge.ingest import ingest_folder
    from tools.db import create_schema, make_engine
    from tools.seed import seed_demo_crm

    engine = make_engine(settings.db_url)
    try:
        await create_schema(engine)
        n_customers, n_orders, loaded = await seed_demo_crm(
            engine, settings.demo_data_dir, reset=reset
        )
    finally:
        await engine.dispose()
    state = "loaded from demo files" if loaded else "kept (use `cx seed --reset` to reload)"
    console.print(f"CRM: {n_customers} customers, {n_orders} orders {state}")
    index = await asyncio.to_thread(open_knowledge, settings)
    report = await asyncio.to_thread(
        ingest_folder, index, settings.knowledge_dir, settings.model_cache_dir, settings.chunk_tokens
    )
    console.print(
        f"Knowledge: {len(index)} chunks (added {report.added}, updated {report.updated}, "
        f"removed {report.removed}, unchanged {report.unchanged})"
    )
    clf = await asyncio.to_thread(
        IntentClassifier.load_or_train, settings.catalogue_dir, settings.model_cache_dir
    )
    console.print(f"Intents: {len(clf.labels)} trained")


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
    """Serve the HTTP API."""
    import uvicorn

    from app import create_app

    settings = _settings()
    if port is not None:
        settings.port = port
    if host is not None:
        settings.host = host
    base = f"http://{settings.host}:{settings.port}"
    console.print(f"[bold]Rawaf assistant[/bold] ({'LLM' if settings.use_llm else 'offline'} brain)")
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
    asyncio.run(_chat(_settings(), lang, customer))


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


@kb.command("search")
def kb_search(query: str, k: int = 5) -> None:
    """Search the knowledge index and show scored passages."""
    from agent.service import open_knowledge

    index = open_knowledge(_settings())
    result = index.search(query, k=k)
    console.print(f"confidence {result.confidence:.2f}")
    for p in result.passages:
        console.print(f"{p.score:.4f} cos={p.dense:.3f} [{p.chunk.lang}] {p.chunk.title} "
                      f"({p.chunk.source}#{p.chunk.anchor})")


@app.command()
def token(customer_id: str) -> None:
    """Mint a signed identity token for a customer (what the host site does at login)."""
    from app import mint_customer_token

    console.print(mint_customer_token(_settings(), customer_id))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
