"""Retention and customers' data requests over the admin API, and the periodic purge.

What is kept and for how long is `policies/privacy.yaml` (`retention`); the work is done by
`tools/retention.py`. Every purge and every export or deletion of a customer's data is written
to the audit log (who, what, the counts), never the data itself.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Path, Query, Request, status

from admin_access import AdminDep
from agent.service import Assistant
from api_errors import ApiError, responses
from tools.backend import now
from tools.models import AuditRecord
from tools.retention import PurgeReport, delete_customer, export_customer, purge

log = logging.getLogger("cx")
router = APIRouter(tags=["admin"])
CustomerId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,32}$")]


async def _audit(assistant: Assistant, actor: str, action: str, reason: str, **details: Any) -> None:
    await assistant.deps.backend.record_audit(AuditRecord(
        at=now(), conversation_id=None, actor=actor, action=action, allowed=True, reason=reason,
        details=details))


async def purge_now(assistant: Assistant, actor: str, dry_run: bool = False) -> PurgeReport:
    report = await purge(assistant.store.engine, assistant.deps.policies.privacy.retention,
                         assistant.forget, dry_run=dry_run)
    if not dry_run:
        await _audit(assistant, actor, "retention.purge", "past the retention in privacy.yaml",
                     conversations=report.conversations_purged, before=report.before,
                     after=report.after, policy_version=assistant.deps.policies.privacy.version)
    return report


async def purge_periodically(assistant: Assistant, hours: float) -> None:
    """At start-up, then every `hours`: a failure is logged and tried again next time."""
    while True:
        try:
            report = await purge_now(assistant, "system")
            if report.conversations_purged:
                log.info("retention purge: %d conversation(s) past retention deleted",
                         report.conversations_purged)
        except Exception:  # noqa: BLE001 - the server keeps serving; the next run retries
            log.exception("retention purge failed")
        await asyncio.sleep(hours * 3600)


def _assistant(request: Request) -> Assistant:
    return request.app.state.assistant


@router.post("/v1/admin/retention/purge", responses=responses(401, 422, 503))
async def purge_endpoint(
    _: AdminDep, request: Request,
    dry_run: Annotated[bool, Query(description="Only count what would be deleted")] = False,
) -> PurgeReport:
    """Delete conversations, checkpoints and audit rows past retention (privacy.yaml)."""
    return await purge_now(_assistant(request), "admin", dry_run)


@router.get("/v1/admin/customers/{customer_id}/data", responses=responses(401, 404, 422, 503))
async def export_endpoint(_: AdminDep, customer_id: CustomerId, request: Request) -> dict[str, Any]:
    """Everything held about one customer (a PDPL access or copy request)."""
    assistant = _assistant(request)
    data = await export_customer(assistant.store.engine, customer_id)
    if data is None:
        raise ApiError(status.HTTP_404_NOT_FOUND, "customer not found", f"no customer {customer_id}")
    await _audit(assistant, "admin", "privacy.export", "customer data request (access/copy)",
                 customer_id=customer_id, conversations=len(data["conversations"]))
    return data


@router.delete("/v1/admin/customers/{customer_id}/data", responses=responses(401, 404, 422, 503))
async def delete_endpoint(_: AdminDep, customer_id: CustomerId, request: Request) -> dict[str, Any]:
    """Delete the customer's conversations and erase their profile's personal fields (a PDPL
    deletion request); orders stay as tax records, linked to the erased profile."""
    assistant = _assistant(request)
    done = await delete_customer(assistant.store.engine, customer_id, assistant.forget)
    if done is None:
        raise ApiError(status.HTTP_404_NOT_FOUND, "customer not found", f"no customer {customer_id}")
    await _audit(assistant, "admin", "privacy.delete", "customer data request (deletion)",
                 customer_id=customer_id, **done)
    return {"customer_id": customer_id, **done}


def install(app: FastAPI) -> None:
    app.include_router(router)
