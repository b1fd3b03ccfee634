"""Load policy files and evaluate escalation rules against typed facts (no eval of text)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from policies.loader import PolicyError, load_model
from policies.models import ActionPolicy, Decision, EscalationPolicy, Facts, FiredRule
from policies.staffing import StaffingPolicy

__all__ = ["Policies", "PolicyError"]


@dataclass(frozen=True)
class Policies:
    actions: ActionPolicy
    escalation: EscalationPolicy
    staffing: StaffingPolicy

    @classmethod
    def load(cls, folder: Path) -> "Policies":
        return cls(
            actions=load_model(folder / "actions.yaml", ActionPolicy),
            escalation=load_model(folder / "escalation.yaml", EscalationPolicy),
            staffing=load_model(folder / "staffing.yaml", StaffingPolicy),
        )

    def decide_escalation(self, facts: Facts) -> Decision:
        """Every rule is evaluated (so the record shows all that fired); the first decides."""
        fired: list[FiredRule] = []
        for rule in self.escalation.rules:
            holds, reasons = rule.when.evaluate(facts)
            if holds:
                fired.append(FiredRule(rule_id=rule.id, reasons=reasons))
        if not fired:
            return Decision(escalate=False, policy_version=self.escalation.version)
        first = next(r for r in self.escalation.rules if r.id == fired[0].rule_id)
        return Decision(
            escalate=True,
            rule_id=first.id,
            reason=f"{first.description} ({'; '.join(fired[0].reasons)})",
            fired=fired,
            priority=first.priority,
            skill=first.skill,
            policy_version=self.escalation.version,
        )
