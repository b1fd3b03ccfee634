"""Retention and customers' data requests (issue 15, finding 8): what privacy.yaml says is kept
for N days is deleted after N days (by the server on a schedule, the admin API or the CLI), and
one customer's data can be exported or deleted on request; everything is audited."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import ALWAYS_OPEN, customer_client, make_settings, policies_copy, serve

ADMIN = {"Authorization": "Bearer test-admin-token-0123456789abcdef0123456789"}
CX = str(Path(sys.executable).with_name("cx"))


def app_settings(data_dir: Path, tmp_path: Path, **extra):
    policies = policies_copy(tmp_path / "policies", hours=ALWAYS_OPEN, closed_dates=[])
    return make_settings(data_dir, policies_dir=policies, purge_interval_hours=0,
                         admin_token=ADMIN["Authorization"].split()[1], **extra)


def talk(api, lang: str, texts: list[str], **body) -> tuple[str, dict]:
    created = api.post("/v1/conversations", json={"locale": lang, **body}).json()
    for text in texts:
        api.post(f"/v1/conversations/{created['id']}/messages", json={"text": text})
    return created["id"], {"Authorization": f"Bearer {created['secret']}"}


def age(data_dir: Path, conversation_id: str, days: int) -> None:
    """Make a conversation (and its audit rows) look `days` old."""
    then = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S.000000")
    with sqlite3.connect(data_dir / "cx.db") as db:
        db.execute("update conversations set created_at = ?, updated_at = ? where id = ?",
                   (then, then, conversation_id))
        db.execute("update messages set created_at = ? where conversation_id = ?",
                   (then, conversation_id))
        db.execute("update audit_log set at = ? where conversation_id = ?",
                   (then, conversation_id))


def rows(data_dir: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(data_dir / "cx.db") as db:
        return db.execute(sql, args).fetchall()


def threads(data_dir: Path) -> set[str]:
    with sqlite3.connect(data_dir / "checkpoints.db") as db:
        return {r[0] for r in db.execute("select distinct thread_id from checkpoints")}


def test_the_admin_purge_deletes_what_is_past_retention_and_keeps_the_rest(data_dir, tmp_path):
    from app import create_app

    with serve(create_app(app_settings(data_dir, tmp_path))) as base, customer_client(base) as api:
        old_ar, old_auth = talk(api, "ar", ["ابي اكلم موظف", "نعم"])  # with a handoff
        old_en, _ = talk(api, "en", ["where is my order RW-100251", "0501234567"])
        recent, recent_auth = talk(api, "en", ["how much is delivery?"])
        age(data_dir, old_ar, 400)
        age(data_dir, old_en, 2000)  # its audit rows are past audit_days (1825) too
        assert {old_ar, old_en} <= threads(data_dir)

        dry = api.post("/v1/admin/retention/purge?dry_run=true", headers=ADMIN).json()
        assert dry["conversations_purged"] == 2 and dry["after"] == dry["before"]
        assert api.get(f"/v1/conversations/{old_ar}", headers=old_auth).status_code == 200

        report = api.post("/v1/admin/retention/purge", headers=ADMIN).json()
        assert report["conversations_purged"] == 2
        before, after = report["before"], report["after"]
        assert after["conversations"] == before["conversations"] - 2
        assert after["handoffs"] == before["handoffs"] - 1
        assert after["messages"] == before["messages"] - 8
        assert after["audit_log"] < before["audit_log"]
        assert api.get(f"/v1/conversations/{old_ar}", headers=old_auth).status_code == 404
        assert api.get(f"/v1/conversations/{recent}", headers=recent_auth).status_code == 200
        assert not {old_ar, old_en} & threads(data_dir) and recent in threads(data_dir)
    # Audit rows of the 400-day-old conversation stay (evidence); the 2000-day-old go.
    assert rows(data_dir, "select count(*) from audit_log where conversation_id = ?", old_ar)[0][0]
    assert not rows(data_dir, "select count(*) from audit_log where conversation_id = ?",
                    old_en)[0][0]
    (purge,) = rows(data_dir, "select actor, details from audit_log "
                              "where action = 'retention.purge'")
    assert purge[0] == "admin" and json.loads(purge[1])["conversations"] == 2


def test_the_server_purges_on_its_own_schedule(data_dir, tmp_path):
    from app import create_app

    settings = app_settings(data_dir, tmp_path)
    with serve(create_app(settings)) as base, customer_client(base) as api:
        old, _ = talk(api, "ar", ["كم رسوم التوصيل؟"])
    age(data_dir, old, 366)
    scheduled = settings.model_copy(update={"purge_interval_hours": 24.0})
    with serve(create_app(scheduled)):
        deadline = time.monotonic() + 30
        while rows(data_dir, "select 1 from conversations where id = ?", old):
            assert time.monotonic() < deadline, "the start-up purge did not run"
            time.sleep(0.2)
    assert rows(data_dir, "select actor from audit_log where action = 'retention.purge'") == [
        ("system",)]


@pytest.mark.parametrize("lang,text", [("ar", "وين طلبي ١٠٠٢٥١"), ("en", "where is my order RW-100251")])
def test_a_customers_data_is_exported_and_deleted_on_request(data_dir, tmp_path, lang, text):
    from app import create_app, mint_customer_token

    settings = app_settings(data_dir, tmp_path)
    with serve(create_app(settings)) as base, customer_client(base) as api:
        cid, auth = talk(api, lang, [text],
                         customer_token=mint_customer_token(settings, "C1001"))
        assert api.get("/v1/admin/customers/C1001/data").status_code == 401
        assert api.get("/v1/admin/customers/C9999/data", headers=ADMIN).status_code == 404
        assert api.get("/v1/admin/customers/bad%20id/data", headers=ADMIN).status_code == 422

        data = api.get("/v1/admin/customers/C1001/data", headers=ADMIN).json()
        assert data["customer"]["email"] and data["orders"]
        said = [m["text"] for c in data["conversations"] for m in c["messages"]]
        assert text in said

        done = api.delete("/v1/admin/customers/C1001/data", headers=ADMIN).json()
        assert done == {"customer_id": "C1001", "conversations": 1}
        assert api.get(f"/v1/conversations/{cid}", headers=auth).status_code == 404
        after = api.get("/v1/admin/customers/C1001/data", headers=ADMIN).json()
        assert after["conversations"] == [] and after["orders"] == data["orders"]
        assert "0501234567" not in json.dumps(after) and after["customer"]["notes"] == []
        assert cid not in threads(data_dir)
    actions = [r[0] for r in rows(data_dir, "select action from audit_log where actor = 'admin' order by id")]
    assert actions == ["privacy.export", "privacy.delete", "privacy.export"]


def cx(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CX_"))}
    env |= {"CX_DATA_DIR": str(data_dir), "CX_BRAIN": "offline", "COLUMNS": "200"}
    return subprocess.run([CX, *args], capture_output=True, text=True, env=env, timeout=300)


def test_the_cli_purges_exports_and_deletes(data_dir, tmp_path):
    from app import create_app

    with serve(create_app(app_settings(data_dir, tmp_path))) as base, customer_client(base) as api:
        old, _ = talk(api, "en", ["how much is delivery?"])
    age(data_dir, old, 500)
    dry = cx(data_dir, "privacy", "purge", "--dry-run")
    assert dry.returncode == 0 and "would be deleted" in dry.stdout
    assert rows(data_dir, "select 1 from conversations where id = ?", old)
    done = cx(data_dir, "privacy", "purge")
    assert done.returncode == 0 and "1 conversation(s)" in done.stdout
    assert not rows(data_dir, "select 1 from conversations where id = ?", old)

    out = tmp_path / "c1002.json"
    assert cx(data_dir, "privacy", "export", "C1002", "--out", str(out)).returncode == 0
    assert json.loads(out.read_text("utf-8"))["customer"]["id"] == "C1002"
    refused = cx(data_dir, "privacy", "delete", "C1002")
    assert refused.returncode == 2 and "--yes" in refused.stdout
    assert cx(data_dir, "privacy", "delete", "C1002", "--yes").returncode == 0
    assert rows(data_dir, "select name from customers where id = 'C1002'") == [
        ('{"en": "[erased]", "ar": "[erased]"}',)]
