"""`cx chat` in a real terminal session (stdin/stdout of the installed command)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CX = shutil.which("cx", path=str(Path(sys.executable).parent)) or "cx"


def chat(data_dir: Path, lines: list[str], *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CX_"))}
    env |= {"CX_DATA_DIR": str(data_dir), "CX_BRAIN": "offline", "COLUMNS": "200"}
    out = subprocess.run(
        [CX, "chat", *args], input="\n".join(lines) + "\n", capture_output=True, text=True,
        env=env, timeout=180,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.parametrize(
    "lang,lines,expect",
    [
        ("ar", ["كم رسوم التوصيل؟", "وين طلبي ١٠٠٢٥١", "0501234567"],
         ["25 ريال", "source:", "RW-100251", "تم شحن الطلب"]),
        ("en", ["How much is delivery?", "where is my order RW-100280",
                "sarah.aldosari@example.com"],
         ["25 SAR", "source:", "RW-100280", "has shipped"]),
    ],
)
def test_cx_chat_in_both_languages(data_dir, lang, lines, expect):
    text = chat(data_dir, lines)
    for fragment in expect:
        assert fragment in text, text


def test_cx_chat_as_a_logged_in_customer(data_dir):
    text = chat(data_dir, ["وين طلبي RW-100251"], "--customer", "C1001")
    assert "تم شحن الطلب RW-100251" in text


@pytest.mark.parametrize("how", ["env", "flag"])
def test_cx_serve_listens_on_the_configured_port(data_dir, how):
    import time

    import httpx

    from tests.conftest import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CX_"))}
    env |= {"CX_DATA_DIR": str(data_dir), "CX_BRAIN": "offline"}
    args = [CX, "serve"]
    if how == "env":
        env["PORT"] = str(port)
    else:
        args += ["--port", str(port)]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        assert health.json()["status"] == "ok"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/docs" in out
