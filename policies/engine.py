"""Load policy files and evaluate escalation rules against typed facts (no eval of text)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from policies.brand import BrandFacts
from policies.loader import PolicyError, load_model
from policies.models import ActionPolicy, Decision, EscalationPolicy, Facts, FiredRule
from policies.privacy import PrivacyPolicy
from policies.staffing import StaffingPolicy
from policies.voice import VoicePolicy

__all__ = ["POLICY_FILES", "Policies", "PolicyError"]

# Each field of `Policies`, the file it is read from and the model that validates it.
# (replies.yaml is read by agent.replies.ReplyBook, also through load_model.)
POLICY_FILES: dict[str, tuple[str, type]] = {
    "actions": ("actions.yaml", ActionPolicy),
    "escalation": ("escalation.yaml", EscalationPolicy),
    "staffing": ("staffing.yaml", StaffingPolicy),
    "voice": ("voice.yaml", VoicePolicy),
    "privacy": ("privacy.yaml", PrivacyPolicy),
    "brand": ("brand.yaml", BrandFacts),
}


@dataclass(frozen=True)
class Policies:
    actions: ActionPolicy
    escalation: EscalationPolicy
    staffing: StaffingPolicy
    voice: VoicePolicy
    privacy: PrivacyPolicy
    brand: BrandFacts

    @classmethod
    def load(cls, folder: Path) -> "Policies":
        """Every file is validated; a PolicyError lists the problems of all of them."""
        loaded, problems = {}, []
        for field, (name, model) in POLICY_FILES.items():
            try:
                loaded[field] = load_model(folder / name, model)
            except PolicyError as exc:
                problems.extend(exc.problems)
        if problems:
            raise PolicyError(problems)
        return cls(**loaded)

    def versions(self) -> dict[str, str]:
        """The version of each policy file in force (for audit records and the admin API)."""
        return {field: getattr(self, field).version for field in POLICY_FILES}

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
