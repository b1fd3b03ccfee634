"""Human agent accounts (who may work the inbox) and their signed session tokens.

Passwords are stored as bcrypt hashes only; hashing is slow on purpose, so it runs in a worker
thread and never blocks the event loop. A session token is an itsdangerous timed signature
that names the account and a fingerprint of its password hash: changing the password (or
disabling the account) ends every session at once, without a session table.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Literal

import bcrypt
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from pydantic import BaseModel, Field
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from settings import Settings
from tools import db
from tools.backend import now
from tools.models import Bilingual, Lang

Role = Literal["agent", "supervisor", "admin"]
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,63}$"
MIN_PASSWORD = 8
MAX_PASSWORD_BYTES = 72  # bcrypt reads no further; longer passwords are refused, not cut
_SALT = "cx-agent-session"
# Checked against when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = bcrypt.hashpw(b"no such agent", bcrypt.gensalt(rounds=4)).decode()


class AgentAccount(BaseModel):
    """An account as the API shows it (never the hash)."""

    id: str
    username: str
    display_name: Bilingual
    role: Role
    languages: list[Lang] = Field(default_factory=list)
    skills: list[str] = Field(default_factory=list)
    ui_language: Lang = "ar"
    active: bool = True

    def name(self, lang: Lang) -> str:
        return self.display_name.pick(lang)

    @property
    def supervises(self) -> bool:
        return self.role in ("supervisor", "admin")


class AccountError(ValueError):
    pass


class DemoAgent(BaseModel):
    username: str
    password: str
    name: Bilingual
    role: Role
    languages: list[Lang]
    skills: list[str]
    ui_language: Lang


# Published in the README so anyone can try the console; `cx seed` skips them in production
# and `cx agent passwd` replaces the passwords.
DEMO_AGENTS = [
    DemoAgent(username="sara", password="demo-sara", name=Bilingual(en="Sara", ar="سارة"),
              role="agent", languages=["ar", "en"], skills=["general", "complaints"],
              ui_language="ar"),
    DemoAgent(username="omar", password="demo-omar", name=Bilingual(en="Omar", ar="عمر"),
              role="agent", languages=["en"], skills=["general"], ui_language="en"),
    DemoAgent(username="huda", password="demo-huda", name=Bilingual(en="Huda", ar="هدى"),
              role="supervisor", languages=["ar", "en"],
              skills=["general", "complaints", "payments"], ui_language="ar"),
    DemoAgent(username="admin", password="demo-admin",
              name=Bilingual(en="Administrator", ar="المسؤول"), role="admin",
              languages=["ar", "en"], skills=[], ui_language="en"),
]


def _check_password(password: str) -> bytes:
    raw = password.encode()
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(raw) > MAX_PASSWORD_BYTES:
        raise AccountError(f"the password must be at most {MAX_PASSWORD_BYTES} bytes")
    return raw


def _hash(password: str) -> str:
    return bcrypt.hashpw(_check_password(password), bcrypt.gensalt()).decode()


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


class AgentStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def _row(self, **where: str) -> dict | None:
        (column, value), = where.items()
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(db.agents).where(db.agents.c[column] == value))
            ).mappings().first()
        return dict(row) if row else None

    async def get(self, username: str) -> AgentAccount | None:
        row = await self._row(username=username)
        return AgentAccount.model_validate(row) if row else None

    async def list(self) -> list[AgentAccount]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(db.agents).order_by(db.agents.c.username))).mappings()
            return [AgentAccount.model_validate(dict(r)) for r in rows]

    async def create(
        self, username: str, password: str, *, name: Bilingual, role: Role = "agent",
        languages: list[Lang] | None = None, skills: list[str] | None = None,
        ui_language: Lang = "ar",
    ) -> AgentAccount:
        if not re.fullmatch(USERNAME_PATTERN, username):
            raise AccountError(
                "the username must be 2-64 lowercase letters, digits, '.', '_' or '-'")
        password_hash = await asyncio.to_thread(_hash, password)
        account = AgentAccount(
            id=f"AG-{secrets.token_hex(4).upper()}", username=username, display_name=name,
            role=role, languages=["ar", "en"] if languages is None else languages,
            skills=["general"] if skills is None else skills,
            ui_language=ui_language,
        )
        try:
            async with self._engine.begin() as conn:
                await conn.execute(insert(db.agents).values(
                    **account.model_dump(mode="json"), password_hash=password_hash,
                    created_at=now(),
                ))
        except IntegrityError:
            raise AccountError(f"an agent named {username!r} already exists") from None
        return account

    async def set_password(self, username: str, password: str) -> None:
        password_hash = await asyncio.to_thread(_hash, password)
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(db.agents).where(db.agents.c.username == username)
                .values(password_hash=password_hash)
            )
        if result.rowcount != 1:
            raise AccountError(f"no agent named {username!r}")

    async def set_active(self, username: str, active: bool) -> None:
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(db.agents).where(db.agents.c.username == username).values(active=active)
            )
        if result.rowcount != 1:
            raise AccountError(f"no agent named {username!r}")

    async def authenticate(self, username: str, password: str) -> tuple[AgentAccount, str] | None:
        """The account and its password fingerprint, or None (unknown, wrong or disabled)."""
        row = await self._row(username=username)
        stored = row["password_hash"] if row else _DUMMY_HASH
        raw = password.encode()
        ok = len(raw) <= MAX_PASSWORD_BYTES and await asyncio.to_thread(
            bcrypt.checkpw, raw, stored.encode())
        if not ok or row is None or not row["active"]:
            return None
        return AgentAccount.model_validate(row), _fingerprint(row["password_hash"])

    async def from_session(self, agent_id: str, fingerprint: str) -> AgentAccount | None:
        """The account a token names, if it is still active and its password unchanged."""
        row = await self._row(id=agent_id)
        if row is None or not row["active"]:
            return None
        if not secrets.compare_digest(_fingerprint(row["password_hash"]), fingerprint):
            return None
        return AgentAccount.model_validate(row)


async def published_demo_logins(engine: AsyncEngine) -> list[str]:
    """Demo accounts that still sign in with the password printed in the README."""
    store = AgentStore(engine)
    found = []
    for demo in DEMO_AGENTS:
        if await store.authenticate(demo.username, demo.password) is not None:
            found.append(demo.username)
    return found


async def seed_demo_agents(engine: AsyncEngine) -> list[str]:
    """Create the demo accounts that do not exist yet; existing ones (and passwords) are kept."""
    store = AgentStore(engine)
    created = []
    for demo in DEMO_AGENTS:
        if await store.get(demo.username) is None:
            await store.create(demo.username, demo.password, name=demo.name, role=demo.role,
                               languages=demo.languages, skills=demo.skills,
                               ui_language=demo.ui_language)
            created.append(demo.username)
    return created


class SessionTokens:
    """Sign and read agent session tokens (`Authorization: Bearer` or `?token=`)."""

    def __init__(self, settings: Settings) -> None:
        self._max_age = int(settings.agent_session_hours * 3600)
        self._signer = URLSafeTimedSerializer(settings.agent_secret.get_secret_value(), salt=_SALT)

    def mint(self, account: AgentAccount, fingerprint: str) -> tuple[str, datetime]:
        token = self._signer.dumps({"agent_id": account.id, "pw": fingerprint})
        return token, now() + timedelta(seconds=self._max_age)

    def read(self, token: str) -> tuple[str, str]:
        """(agent id, fingerprint); raises ValueError with a message a client can show."""
        try:
            claims = self._signer.loads(token, max_age=self._max_age)
        except SignatureExpired:
            raise ValueError("the session has expired: log in again") from None
        except BadSignature:
            raise ValueError("the token is not valid") from None
        if not isinstance(claims, dict) or not {"agent_id", "pw"} <= claims.keys():
            raise ValueError("the token is not valid")
        return str(claims["agent_id"]), str(claims["pw"])
