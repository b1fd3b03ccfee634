"""Property-based API test (issue 15, finding 6): schemathesis generates requests from the
app's own OpenAPI document, valid and invalid, against the real server over HTTP, and checks
that none answers a server error and every answer matches the documented status codes,
content types and schemas (the one error shape included).

Bounded and repeatable: a fixed number of examples per operation with a derandomised
(fixed-seed) generator, so CI runs the same few hundred requests every time. Calls are made
with working credentials where a route needs them (the conversation's secret, an agent's
token, the admin token) so the fuzzing reaches past the 401 into each route's own checks.
The two event streams never end by design and are left out.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                 response_schema_conformance, status_code_conformance)

from tests.conftest import ALWAYS_OPEN, make_settings, policies_copy, serve

ADMIN_TOKEN = "fuzz-admin-token-that-is-long-enough-0123456789"
EXAMPLES = 25


@pytest.fixture(scope="module")
def live(seeded_template, tmp_path_factory) -> Iterator[dict]:
    """One server for the whole run, with a real conversation, handoff and agent session."""
    from app import create_app

    root = tmp_path_factory.mktemp("fuzz")
    data = root / "data"
    shutil.copytree(seeded_template, data)
    policies = policies_copy(root / "policies", hours=ALWAYS_OPEN, closed_dates=[])
    app_settings = make_settings(data, policies_dir=policies, admin_token=ADMIN_TOKEN)
    with serve(create_app(app_settings)) as base, httpx.Client(base_url=base, timeout=60) as api:
        created = api.post("/v1/conversations", json={"locale": "en"}).json()
        auth = {"Authorization": f"Bearer {created['secret']}"}
        for text in ("I want to talk to a person", "yes"):
            api.post(f"/v1/conversations/{created['id']}/messages", json={"text": text},
                     headers=auth)
        agent = api.post("/v1/agent/login",
                         json={"username": "admin", "password": "demo-admin"}).json()["token"]
        items = api.get("/v1/inbox", headers={"Authorization": f"Bearer {agent}"}).json()["items"]
        yield {"base": base, "conversation": created["id"], "secret": created["secret"],
               "handoff": items[0]["id"], "agent": agent}


def _credentials(case, live: dict) -> dict[str, str]:
    path = case.operation.path
    params = case.path_parameters or {}
    if "conversation_id" in params:
        params["conversation_id"] = live["conversation"]
        return {"Authorization": f"Bearer {live['secret']}"}
    if "handoff_id" in params:
        params["handoff_id"] = live["handoff"]
    if path.startswith("/v1/admin/"):
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    if path.startswith(("/v1/inbox", "/v1/agent/me", "/v1/agents", "/v1/supervisor",
                        "/v1/console")):
        return {"Authorization": f"Bearer {live['agent']}"}
    return {}


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def test_no_server_errors_and_answers_as_documented(live):
    """Each operation in turn (schemathesis' pytest plugin does not yet run under pytest 9,
    so the strategies are driven by hypothesis directly)."""
    schema = (schemathesis.openapi.from_url(f"{live['base']}/openapi.json")
              .exclude(path_regex=r"/events$").exclude(path="/v1/agent/logout"))
    calls: Counter[str] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:

        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case) -> None:
            headers = _credentials(case, live)
            calls[operation.label] += 1
            case.call_and_validate(headers=dict(case.headers or {}) | headers, checks=CHECKS)

        run()
    print(f"\nschemathesis: {sum(calls.values())} requests over {len(calls)} operations, "
          f"no server error, every answer as documented")
    assert len(calls) == len(operations) >= 25
