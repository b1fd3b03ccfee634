"""Release gates for transcript scores (evals/thresholds.yaml) and how the checks measure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from policies.loader import parse_yaml

DEFAULT_FILE = Path(__file__).with_name("thresholds.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Share = float | None
# The gates `cx eval score` checks; `cx eval replay` checks REPLAY_SECTIONS.
SCORE_SECTIONS = ("escalation", "policy", "grounding", "language", "voice", "privacy", "outcomes")
REPLAY_SECTIONS = ("replay",)


class EscalationGates(_Strict):
    min_recall: Share = Field(None, ge=0, le=1)
    min_precision: Share = Field(None, ge=0, le=1)
    max_missed: int | None = Field(None, ge=0)


class PolicyGates(_Strict):
    max_violations: int | None = Field(None, ge=0)


class GroundingGates(_Strict):
    min_supported_rate: Share = Field(None, ge=0, le=1)


class LanguageGates(_Strict):
    min_match_rate: Share = Field(None, ge=0, le=1)


class VoiceGates(_Strict):
    max_banned_phrases: int | None = Field(None, ge=0)
    max_unbacked_promises: int | None = Field(None, ge=0)
    min_empathy_rate: Share = Field(None, ge=0, le=1)
    max_long_reply_share: Share = Field(None, ge=0, le=1)


class PrivacyGates(_Strict):
    max_findings: int | None = Field(None, ge=0)


class OutcomeGates(_Strict):
    min_containment: Share = Field(None, ge=0, le=1)
    min_fcr: Share = Field(None, ge=0, le=1)
    min_csat_average: float | None = Field(None, ge=1, le=5)


class ReplayGates(_Strict):
    min_pass_rate: Share = Field(None, ge=0, le=1)
    min_pass_k: Share = Field(None, ge=0, le=1)
    max_invalid: int | None = Field(None, ge=0)


class CheckSettings(_Strict):
    long_reply_chars: int = Field(600, ge=50)
    grounding_min_overlap: float = Field(0.5, ge=0, le=1)
    grounding_min_similarity: float = Field(0.92, ge=0, le=1)
    fcr_reopen_hours: float = Field(24, gt=0)


class Thresholds(_Strict):
    version: int = 1
    escalation: EscalationGates = Field(default_factory=EscalationGates)
    policy: PolicyGates = Field(default_factory=PolicyGates)
    grounding: GroundingGates = Field(default_factory=GroundingGates)
    language: LanguageGates = Field(default_factory=LanguageGates)
    voice: VoiceGates = Field(default_factory=VoiceGates)
    privacy: PrivacyGates = Field(default_factory=PrivacyGates)
    outcomes: OutcomeGates = Field(default_factory=OutcomeGates)
    replay: ReplayGates = Field(default_factory=ReplayGates)
    settings: CheckSettings = Field(default_factory=CheckSettings)

    @classmethod
    def load(cls, path: Path | None = None) -> "Thresholds":
        """ValueError naming the file and every wrong field when it is not valid."""
        path = path or DEFAULT_FILE
        try:
            raw = parse_yaml(path.read_text("utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"{path}: {exc}") from None
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
            raise ValueError(f"{path}: " + "; ".join(problems)) from None

    def gates(self, sections: tuple[str, ...] = SCORE_SECTIONS) -> list[tuple[str, str, float]]:
        """(metric, "min" | "max", limit) for every gate of `sections` that is set."""
        out = []
        for section in sections:
            for name, limit in getattr(self, section).model_dump().items():
                if limit is None:
                    continue
                op, metric = name.split("_", 1)
                out.append((f"{section}.{metric}", op, limit))
        return out


class GateResult(BaseModel):
    metric: str
    op: str
    limit: float
    value: float | None
    ok: bool
    applicable: bool


def check(thresholds: Thresholds, metrics: dict[str, Any],
          sections: tuple[str, ...] = SCORE_SECTIONS) -> list[GateResult]:
    """Each gate against the report's flat metrics (e.g. "escalation.recall")."""
    results = []
    for metric, op, limit in thresholds.gates(sections):
        value = metrics.get(metric)
        if value is None:
            results.append(GateResult(metric=metric, op=op, limit=limit, value=None, ok=True,
                                      applicable=False))
            continue
        ok = value >= limit if op == "min" else value <= limit
        results.append(GateResult(metric=metric, op=op, limit=limit, value=value, ok=ok,
                                  applicable=True))
    return results
