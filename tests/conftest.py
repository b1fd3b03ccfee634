"""Shared fixtures: a seeded data folder built once, copied per test; a real HTTP server."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import yaml
import pytest
import uvicorn

from settings import Settings


# Every test client is 127.0.0.1: the per-client limits would otherwise join unrelated tests.
# Tests of the limits themselves set their own (tests/test_rate_limits.py).
UNLIMITED = {f"rate_limit_{name}": "100000/minute" for name in (
    "conversations", "messages", "handoffs", "login_client", "login_account")}


def make_settings(data_dir: Path, **overrides) -> Settings:
    values = dict(data_dir=data_dir, brain="offline", openai_api_key=None, openai_base_url=None,
                  **UNLIMITED)
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Demo CRM, knowledge index and intent model, built once per test session."""
    from cli import _seed

    folder = tmp_path_factory.mktemp("seeded")
    asyncio.run(_seed(make_settings(folder)))
    return folder


@pytest.fixture
def data_dir(seeded_template: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded data, so a test may change orders freely."""
    target = tmp_path / "data"
    shutil.copytree(seeded_template, target)
    return target


POLICIES = Path(__file__).resolve().parents[1] / "policies"


def policies_copy(target: Path, **staffing: object) -> Path:
    """The shipped policies, with the staffing file changed (e.g. hours) for a test."""
    shutil.copytree(POLICIES, target)
    if staffing:
        path = target / "staffing.yaml"
        doc = yaml.safe_load(path.read_text("utf-8"))
        doc.update(staffing)
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    return target


ALWAYS_OPEN = {day: [{"opens": "00:00", "closes": "24:00"}] for day in (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}


@pytest.fixture
def settings(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Offline brain, private data, and a team that is always on duty (so a test's result
    does not depend on the hour it runs; tests of the closed hours change this)."""
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "PORT"):
        monkeypatch.delenv(var, raising=False)
    policies = policies_copy(tmp_path / "policies", hours=ALWAYS_OPEN, closed_dates=[])
    return make_settings(data_dir, policies_dir=policies)


@pytest.fixture
async def assistant(settings: Settings) -> AsyncIterator:
    from agent.service import open_assistant

    async with open_assistant(settings) as a:
        yield a


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(app, port: int | None = None) -> Iterator[str]:
    """Run an ASGI app under uvicorn in a thread; yield its base URL."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


_CONVERSATION_PATH = re.compile(r"^/v1/conversations/([^/]+)")


class ConversationKeys:
    """What the widget keeps: each conversation's secret from POST /v1/conversations, sent as
    the bearer token of later calls about that conversation (unless a test sets its own)."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}

    def attach(self, client: httpx.Client) -> httpx.Client:
        client.event_hooks["request"].append(self._on_request)
        client.event_hooks["response"].append(self._on_response)
        return client

    def headers(self, conversation_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secrets[conversation_id]}"}

    def _on_request(self, request: httpx.Request) -> None:
        found = _CONVERSATION_PATH.match(request.url.path)
        if found and "authorization" not in request.headers and found[1] in self.secrets:
            request.headers["Authorization"] = f"Bearer {self.secrets[found[1]]}"

    def _on_response(self, response: httpx.Response) -> None:
        request = response.request
        if (request.method == "POST" and request.url.path == "/v1/conversations"
                and response.status_code == 201):
            body = json.loads(response.read())
            self.secrets[body["id"]] = body["secret"]


def customer_client(base: str, keys: ConversationKeys | None = None,
                    **options) -> httpx.Client:
    """An HTTP client that keeps its conversations' secrets, as the widget does."""
    options.setdefault("timeout", 60)
    keys = keys or ConversationKeys()
    client = keys.attach(httpx.Client(base_url=base, **options))
    client.conversation_keys = keys  # type: ignore[attr-defined]  # for a widget's secrets
    return client


@pytest.fixture
def api(settings: Settings) -> Iterator[httpx.Client]:
    """A real HTTP client against the real app served by uvicorn."""
    from app import create_app

    with serve(create_app(settings)) as base, customer_client(base) as client:
        yield client
