"""Declarative, composable policy conditions over typed facts. No policy text is ever eval'd.

A condition is a YAML mapping with exactly one key:

    all: [cond, ...]          every one holds
    any: [cond, ...]          at least one holds
    not: cond                 it does not hold
    intent: {in: [complaint], min_confidence: 0.5}
    frustration: {at_least: frustrated, turns: 2}     the level held for the last N turns
    frustration_trend: rising
    signal: {in: [threat_legal, insult]}              frustration signal kinds this turn
    keywords: [وزارة التجارة, lawyer]                 whole words/phrases, either language
    pattern: "re..."                                  a regular expression (normalised text)
    turns_without_progress: {at_least: 4}
    clarifications: {at_least: 2}                     assistant misses in a row
    low_retrieval: {at_least: 2}                      low-confidence answers in a row
    human_requests: {at_least: 2}                     explicit asks for a person so far
    customer_tier: {in: [vip]}
    order_value: {at_least: 5000}                     SAR
    refund_amount: {above: 500}                       SAR
    channel: {in: [whatsapp]}
    business_hours: true
    human_available: false

Each evaluation returns whether it holds and the reasons, so a decision can say why.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

from knowledge.normalize import normalize

FrustrationLevel = Literal["calm", "annoyed", "frustrated", "angry"]
FRUSTRATION_ORDER: dict[str, int] = {"calm": 0, "annoyed": 1, "frustrated": 2, "angry": 3}
Trend = Literal["rising", "steady", "falling"]


class Facts(BaseModel):
    """What is known about the conversation when policies are evaluated (all typed)."""

    text: str = ""
    intent: str | None = None
    intent_confidence: float = 0.0
    frustration_levels: list[FrustrationLevel] = Field(
        default_factory=list, description="oldest first; the last is this turn's")
    frustration_trend: Trend = "steady"
    signals: list[str] = Field(default_factory=list)
    turns_without_progress: int = 0
    clarifications: int = 0
    low_retrieval: int = 0
    human_requests: int = 0
    customer_tier: str | None = None
    order_value: float | None = None
    refund_amount: float | None = None
    channel: str = "web"
    business_hours: bool = True
    human_available: bool = True

    @property
    def frustration_level(self) -> FrustrationLevel:
        return self.frustration_levels[-1] if self.frustration_levels else "calm"


Outcome = tuple[bool, list[str]]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Count(_Strict):
    at_least: int = Field(ge=1)


class Amount(_Strict):
    at_least: float | None = None
    above: float | None = None

    def check(self, value: float | None) -> bool:
        if value is None:
            return False
        if self.at_least is not None and value < self.at_least:
            return False
        return not (self.above is not None and value <= self.above)


class OneOf(_Strict):
    in_: list[str] = Field(alias="in", min_length=1)


class IntentSpec(_Strict):
    in_: list[str] = Field(alias="in", min_length=1)
    min_confidence: float = Field(0.0, ge=0.0, le=1.0)


class FrustrationSpec(_Strict):
    at_least: FrustrationLevel
    turns: int = Field(1, ge=1, le=20)


class AllOf(_Strict):
    all: list["Condition"] = Field(min_length=1)

    def evaluate(self, facts: Facts) -> Outcome:
        reasons: list[str] = []
        for cond in self.all:
            ok, why = cond.evaluate(facts)
            if not ok:
                return False, []
            reasons += why
        return True, reasons


class AnyOf(_Strict):
    any: list["Condition"] = Field(min_length=1)

    def evaluate(self, facts: Facts) -> Outcome:
        for cond in self.any:
            ok, why = cond.evaluate(facts)
            if ok:
                return True, why
        return False, []


class NotCond(_Strict):
    not_: "Condition" = Field(alias="not")

    def evaluate(self, facts: Facts) -> Outcome:
        ok, _ = self.not_.evaluate(facts)
        return (not ok), ([] if ok else [f"not {_kind(self.not_)}"])


class IntentCond(_Strict):
    intent: IntentSpec

    def evaluate(self, facts: Facts) -> Outcome:
        ok = facts.intent in self.intent.in_ and facts.intent_confidence >= self.intent.min_confidence
        return ok, [f"intent {facts.intent} ({facts.intent_confidence:.2f})"] if ok else []


class FrustrationCond(_Strict):
    frustration: FrustrationSpec

    def evaluate(self, facts: Facts) -> Outcome:
        spec = self.frustration
        recent = facts.frustration_levels[-spec.turns:]
        ok = len(recent) == spec.turns and all(
            FRUSTRATION_ORDER[level] >= FRUSTRATION_ORDER[spec.at_least] for level in recent)
        turns = f" for {spec.turns} turns" if spec.turns > 1 else ""
        return ok, [f"frustration {facts.frustration_level}{turns}"] if ok else []


class TrendCond(_Strict):
    frustration_trend: Trend

    def evaluate(self, facts: Facts) -> Outcome:
        ok = facts.frustration_trend == self.frustration_trend
        return ok, [f"frustration {self.frustration_trend}"] if ok else []


class SignalCond(_Strict):
    signal: OneOf

    def evaluate(self, facts: Facts) -> Outcome:
        hit = sorted(set(self.signal.in_) & set(facts.signals))
        return bool(hit), [f"signal {', '.join(hit)}"] if hit else []


class KeywordsCond(_Strict):
    keywords: list[str] = Field(min_length=1)

    def _patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        out = []
        for word in self.keywords:
            # ("i'm a lawyer" is also typed "im a lawyer" or with a curly ’.)
            body = r"\s+".join(re.escape(w).replace("'", "['’]?")
                               for w in normalize(word).replace("’", "'").split())
            # Arabic words may carry a clitic prefix (و، ب، ال...).
            out.append((word, re.compile(rf"(?<![\w])(?:و|ف|ب|ل|ال|وال|بال|لل)?{body}(?![\w])", re.I)))
        return out

    def evaluate(self, facts: Facts) -> Outcome:
        text = normalize(facts.text)
        for word, pattern in self._patterns():
            if pattern.search(text):
                return True, [f"said “{word}”"]
        return False, []


class PatternCond(_Strict):
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    def evaluate(self, facts: Facts) -> Outcome:
        match = re.search(self.pattern, normalize(facts.text), re.I)
        return bool(match), [f"matched “{match.group(0)}”"] if match else []


class _CountCond(_Strict):
    """A conversation counter (named by the subclass's one field) reached a threshold."""

    _label: ClassVar[str] = ""

    def evaluate(self, facts: Facts) -> Outcome:
        name = next(iter(type(self).model_fields))
        spec: Count = getattr(self, name)
        value = getattr(facts, name)
        ok = value >= spec.at_least
        return ok, [f"{self._label}: {value}"] if ok else []


class ProgressCond(_CountCond):
    turns_without_progress: Count
    _label: ClassVar[str] = "turns without progress"


class ClarificationsCond(_CountCond):
    clarifications: Count
    _label: ClassVar[str] = "misses in a row"


class LowRetrievalCond(_CountCond):
    low_retrieval: Count
    _label: ClassVar[str] = "low-confidence answers in a row"


class HumanRequestsCond(_CountCond):
    human_requests: Count
    _label: ClassVar[str] = "asked for a person"


class TierCond(_Strict):
    customer_tier: OneOf

    def evaluate(self, facts: Facts) -> Outcome:
        ok = facts.customer_tier in self.customer_tier.in_
        return ok, [f"customer tier {facts.customer_tier}"] if ok else []


class _AmountCond(_Strict):
    """An amount in SAR (named by the subclass's one field) passed a threshold."""

    _label: ClassVar[str] = ""

    def evaluate(self, facts: Facts) -> Outcome:
        name = next(iter(type(self).model_fields))
        spec: Amount = getattr(self, name)
        value = getattr(facts, name)
        ok = spec.check(value)
        return ok, [f"{self._label} {value:g} SAR"] if ok else []


class OrderValueCond(_AmountCond):
    order_value: Amount
    _label: ClassVar[str] = "order value"


class RefundCond(_AmountCond):
    refund_amount: Amount
    _label: ClassVar[str] = "refund"


class ChannelCond(_Strict):
    channel: OneOf

    def evaluate(self, facts: Facts) -> Outcome:
        ok = facts.channel in self.channel.in_
        return ok, [f"channel {facts.channel}"] if ok else []


class HoursCond(_Strict):
    business_hours: bool

    def evaluate(self, facts: Facts) -> Outcome:
        ok = facts.business_hours == self.business_hours
        return ok, [("inside" if facts.business_hours else "outside") + " business hours"] if ok else []


class AvailableCond(_Strict):
    human_available: bool

    def evaluate(self, facts: Facts) -> Outcome:
        ok = facts.human_available == self.human_available
        return ok, [("a person is" if facts.human_available else "no person is") + " available"] if ok else []


_KINDS: dict[str, type[BaseModel]] = {
    "all": AllOf, "any": AnyOf, "not": NotCond, "intent": IntentCond,
    "frustration": FrustrationCond, "frustration_trend": TrendCond, "signal": SignalCond,
    "keywords": KeywordsCond, "pattern": PatternCond,
    "turns_without_progress": ProgressCond, "clarifications": ClarificationsCond,
    "low_retrieval": LowRetrievalCond, "human_requests": HumanRequestsCond,
    "customer_tier": TierCond, "order_value": OrderValueCond, "refund_amount": RefundCond,
    "channel": ChannelCond, "business_hours": HoursCond, "human_available": AvailableCond,
}


def _kind(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return next((k for k, m in _KINDS.items() if isinstance(value, m)), None)
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        return key if key in _KINDS else None
    return None


Condition = Annotated[
    Union[tuple(Annotated[model, Tag(kind)] for kind, model in _KINDS.items())],  # type: ignore[misc]
    Discriminator(
        _kind,
        custom_error_type="condition",
        custom_error_message="a condition is a mapping with exactly one of: " + ", ".join(_KINDS),
    ),
]

for _model in (AllOf, AnyOf, NotCond):
    _model.model_rebuild()
