"""Failed identity checks counted across conversations, so they cannot be brute-forced.

One conversation allows a few attempts (`identity.max_verification_attempts`); on its own that
lets a guesser open a fresh conversation every two tries. Here failures are counted per order
number, per contact (phone or email) and per client (the caller's address) over a sliding
window from the identity policy. While any of the three counts is at its limit, no check runs
for that order, contact or client: the customer is told to try later or to ask for a person.
Attempts refused while paused count against the client, so a client that keeps trying stays
paused (back-off); a customer who stops is let in again once the window slides past.

Rows live in the same database as the audit log, so every process and every restart sees
them. Keys are HMACs (keyed with the deployment's identity secret) of the normalised values:
no phone number, email or address is stored.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from policies.models import AttemptLimit, IdentityPolicy
from tools.backend import now
from tools.contact import normalize_email, normalize_phone, to_ascii_digits
from tools.db import verification_attempts as attempts

Scope = Literal["order", "contact", "client"]
SCOPES: tuple[Scope, ...] = ("order", "contact", "client")


class Pause(BaseModel):
    """Verification is paused: which count is full (for the audit log, never the customer)
    and when the next check may run."""

    scope: Scope
    failures: int
    limit: int
    retry_after_seconds: int


class VerificationThrottle:
    def __init__(self, engine: AsyncEngine, secret: str) -> None:
        self._engine = engine
        self._secret = secret.encode()

    def keys(self, order_id: str, contact: str, client: str | None) -> dict[Scope, str]:
        """One key per scope; a check without a known client (CLI, replay) skips that scope."""
        phone = normalize_phone(contact)
        contact_value = phone or normalize_email(to_ascii_digits(contact))
        out: dict[Scope, str] = {"order": self._hash("order", order_id.upper()),
                                 "contact": self._hash("contact", contact_value)}
        if client:
            out["client"] = self._hash("client", client)
        return out

    def _hash(self, scope: str, value: str) -> str:
        return hmac.new(self._secret, f"{scope}\x00{value}".encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def _limit(policy: IdentityPolicy, scope: Scope) -> AttemptLimit:
        return {"order": policy.per_order, "contact": policy.per_contact,
                "client": policy.per_client}[scope]

    async def paused(self, keys: dict[Scope, str], policy: IdentityPolicy,
                     at: datetime | None = None) -> Pause | None:
        """The longest pause among the full counts, or None when a check may run."""
        at = at or now()
        worst: Pause | None = None
        async with self._engine.connect() as conn:
            for scope, key in keys.items():
                limit = self._limit(policy, scope)
                since = at - timedelta(minutes=limit.window_minutes)
                where = [attempts.c.scope == scope, attempts.c.key == key, attempts.c.at >= since]
                if scope != "client":
                    # Only real wrong pairs pause an order or a contact: refusals while paused
                    # would let anyone keep a customer's own order locked for good.
                    where.append(attempts.c.kind == "failed")
                count = (await conn.execute(select(func.count()).where(*where))).scalar_one()
                if count < limit.failures:
                    continue
                # The count drops below the limit when its (count - limit + 1)-th oldest entry
                # leaves the window.
                releasing = (await conn.execute(
                    select(attempts.c.at).where(*where).order_by(attempts.c.at)
                    .offset(count - limit.failures).limit(1))).scalar_one()
                if releasing.tzinfo is None:  # SQLite returns naive UTC
                    releasing = releasing.replace(tzinfo=at.tzinfo)
                wait = releasing + timedelta(minutes=limit.window_minutes) - at
                pause = Pause(scope=scope, failures=count, limit=limit.failures,
                              retry_after_seconds=max(1, int(wait.total_seconds()) + 1))
                if worst is None or pause.retry_after_seconds > worst.retry_after_seconds:
                    worst = pause
        return worst

    async def record(self, keys: dict[Scope, str], kind: Literal["failed", "blocked"],
                     conversation_id: str | None, at: datetime | None = None) -> None:
        """A wrong pair counts in every scope; a refusal while paused only against the client."""
        at = at or now()
        rows = [{"scope": scope, "key": key, "kind": kind, "conversation_id": conversation_id,
                 "at": at} for scope, key in keys.items() if kind == "failed" or scope == "client"]
        if not rows:
            return
        async with self._engine.begin() as conn:
            await conn.execute(insert(attempts), rows)

    async def prune(self, policy: IdentityPolicy, at: datetime | None = None) -> int:
        """Forget attempts older than the longest window; returns how many rows went."""
        at = at or now()
        longest = max(self._limit(policy, s).window_minutes for s in SCOPES)
        async with self._engine.begin() as conn:
            result = await conn.execute(
                delete(attempts).where(attempts.c.at < at - timedelta(minutes=longest)))
        return int(result.rowcount or 0)
