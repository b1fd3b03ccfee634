"""Load policy files and evaluate escalation rules against typed facts (no eval of text)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from policies.models import (
    FRUSTRATION_ORDER,
    ActionPolicy,
    Condition,
    Decision,
    EscalationPolicy,
    Facts,
)


M = TypeVar("M", bound=BaseModel)


class PolicyError(ValueError):
    """A policy file is missing, unreadable or does not match its model."""


def _load(path: Path, model: type[M]) -> M:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"{path}: {exc}") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise PolicyError(f"{path}: {details}") from exc


def _holds(cond: Condition, facts: Facts) -> bool:
    if cond.intent is not None and (
        facts.intent != cond.intent or facts.intent_confidence < cond.min_intent_confidence
    ):
        return False
    if cond.min_frustration_level is not None and (
        FRUSTRATION_ORDER[facts.frustration_level] < FRUSTRATION_ORDER[cond.min_frustration_level]
    ):
        return False
    return True


@dataclass(frozen=True)
class Policies:
    actions: ActionPolicy
    escalation: EscalationPolicy

    @classmethod
    def load(cls, folder: Path) -> "Policies":
        return cls(
            actions=_load(folder / "actions.yaml", ActionPolicy),
            escalation=_load(folder / "escalation.yaml", EscalationPolicy),
        )

    def decide_escalation(self, facts: Facts) -> Decision:
        for rule in self.escalation.rules:
            if _holds(rule.when, facts):
                return Decision(
                    escalate=True,
                    rule_id=rule.id,
                    reason=rule.description,
                    priority=rule.priority,
                    skill=rule.skill,
                    policy_version=self.escalation.version,
                )
        return Decision(escalate=False, policy_version=self.escalation.version)
