"""Typed policy documents. A policy file that does not match these models is refused."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FrustrationLevel = Literal["calm", "annoyed", "frustrated", "angry"]
FRUSTRATION_ORDER: dict[str, int] = {"calm": 0, "annoyed": 1, "frustrated": 2, "angry": 3}
Priority = Literal["low", "normal", "high", "urgent"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IdentityPolicy(_Strict):
    max_verification_attempts: int = Field(3, ge=1)


class CancelPolicy(_Strict):
    allowed_statuses: list[str]
    requires_confirmation: bool = True


class ActionPolicy(_Strict):
    version: str
    identity: IdentityPolicy
    cancel_order: CancelPolicy


class Condition(_Strict):
    """All given facts must hold (an omitted fact is not checked)."""

    intent: str | None = None
    min_intent_confidence: float = Field(0.0, ge=0.0, le=1.0)
    min_frustration_level: FrustrationLevel | None = None


class EscalationRule(_Strict):
    id: str
    description: str
    when: Condition
    priority: Priority = "normal"
    skill: str = "general"


class EscalationPolicy(_Strict):
    version: str
    rules: list[EscalationRule]


class Facts(BaseModel):
    """What the gate knows about the turn when it evaluates escalation rules."""

    intent: str | None = None
    intent_confidence: float = 0.0
    frustration_level: FrustrationLevel = "calm"


class Decision(BaseModel):
    escalate: bool
    rule_id: str | None = None
    reason: str = ""
    priority: Priority = "normal"
    skill: str = "general"
    policy_version: str
