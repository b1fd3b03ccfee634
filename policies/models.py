"""Typed policy documents. A policy file that does not match these models is refused."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from policies.conditions import FRUSTRATION_ORDER, Condition, Facts, FrustrationLevel

__all__ = ["FRUSTRATION_ORDER", "Facts", "FrustrationLevel"]

Priority = Literal["low", "normal", "high", "urgent"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AttemptLimit(_Strict):
    failures: int = Field(ge=1, description="failed checks allowed within the window")
    window_minutes: int = Field(ge=1)


class IdentityPolicy(_Strict):
    # Within one conversation; after the last one the conversation goes to a person.
    max_verification_attempts: int = Field(3, ge=1)
    # Across all conversations (tools/throttle.py): while any count is at its limit, no check
    # runs for that order number, that contact or that client.
    per_order: AttemptLimit = AttemptLimit(failures=5, window_minutes=1440)
    per_contact: AttemptLimit = AttemptLimit(failures=5, window_minutes=1440)
    per_client: AttemptLimit = AttemptLimit(failures=10, window_minutes=60)


class CancelPolicy(_Strict):
    allowed_statuses: list[str]
    requires_confirmation: bool = True


class ReturnPolicy(_Strict):
    allowed_statuses: list[str]
    window_days: int = Field(ge=0, description="Change of mind: days from delivery")
    defective_window_days: int = Field(ge=0, description="Faulty products: days from delivery")
    requires_confirmation: bool = True


class RefundPolicy(_Strict):
    allowed_statuses: list[str]
    auto_approve_up_to: float = Field(ge=0, description="SAR incl. VAT; above goes to a person")
    requires_confirmation: bool = True
    # Above the limit: "on_request" sends a refund the customer asks for to the refunds team
    # at once and asks first when they only asked about their money; "always_confirm" asks
    # first every time.
    over_limit: Literal["on_request", "always_confirm"] = "on_request"


class ActionPolicy(_Strict):
    version: str
    identity: IdentityPolicy
    cancel_order: CancelPolicy
    start_return: ReturnPolicy
    request_refund: RefundPolicy


class EscalationRule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = Field(min_length=3)
    # How the rule reads in the human agent's Arabic console (the packet's summary).
    description_ar: str | None = Field(None, min_length=3)
    # Why it was handed over, in a few plain words for the person taking it (the packet).
    label: str | None = Field(None, min_length=3, max_length=120)
    label_ar: str | None = Field(None, min_length=3, max_length=120)
    # Answer the message first (e.g. what the privacy policy says), then hand over.
    answer_first: bool = False
    when: Condition
    priority: Priority = "normal"
    skill: str = "general"


class EscalationPolicy(_Strict):
    version: str
    human_request_confidence: float = Field(
        0.45, ge=0.0, le=1.0,
        description="how sure the classifier must be that a message asks for a person "
                    "before it counts towards `human_requests`")
    rules: list[EscalationRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> "EscalationPolicy":
        ids = [r.id for r in self.rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"rule ids must be unique; repeated: {dupes}")
        return self


class FiredRule(BaseModel):
    rule_id: str
    reasons: list[str]


class Decision(BaseModel):
    """The gate's decision: a typed route, the deciding rule, every rule that fired and why."""

    escalate: bool
    rule_id: str | None = None
    reason: str = ""
    fired: list[FiredRule] = Field(default_factory=list)
    priority: Priority = "normal"
    skill: str = "general"
    policy_version: str
