"""Frustration: a 0..1 score, a level and the signals behind it, so a human can see why."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel

from knowledge.normalize import normalize

Level = Literal["calm", "annoyed", "frustrated", "angry"]


class FrustrationSignal(BaseModel):
    kind: str
    evidence: str
    weight: float


class FrustrationReading(BaseModel):
    score: float
    level: Level
    signals: list[FrustrationSignal]


# (kind, weight, patterns) — patterns match the normalised text (see knowledge.normalize).
_LEXICON: list[tuple[str, float, list[str]]] = [
    (
        "negative",
        0.25,
        [
            r"\b(annoyed|annoying|disappointed|unacceptable|ridiculous|useless|terrible|awful|worst)\b",
            r"\b(still (not|no|waiting)|again and again|every time|nobody (answers|replies|responds))\b",
            r"(زهقت|طفشت|مليت|للحين|كل مره نفس الشي|ما فيه احد يرد|محد يرد|ما احد يرد|سيء|سيئه|مزعج|تعبت)",
            r"(غير مقبول|خدمه سيئه|اسوا خدمه|مو معقول|ما يصير كذا|وش ذا)",
        ],
    ),
    (
        "anger",
        0.45,
        [
            r"\b(furious|angry|outraged|fed up|sick of|scam|scammers|thieves|liars?)\b",
            r"(نصابين|حراميه|كذابين|نصب|سرقه|معصب|قهر|حسبي الله)",
        ],
    ),
    (
        "insult",
        0.5,
        [
            r"\b(stupid|idiot|idiots|damn|crap|wtf|shit|fuck\w*)\b",
            r"(غبي|اغبياء|تافه|زباله|حمار)",
        ],
    ),
    (
        "threat_to_leave",
        0.4,
        [
            r"\b(cancel my account|never (buy|order) (from you )?again|switch(ing)? to|take my business)\b",
            r"\b(lawyer|sue|legal action|court|ministry of commerce|report you|social media|twitter|review)\b",
            r"(ما راح اشتري|اخر مره اشتري|بشتكي|اشتكي عليكم|وزاره التجاره|محامي|بفضحكم|تويتر|محكمه)",
        ],
    ),
]

_COMPILED = [(kind, w, [re.compile(p, re.I) for p in pats]) for kind, w, pats in _LEXICON]
_ELONGATION = re.compile(r"([\u0621-\u064aA-Za-z])\1{3,}")
_REPEATED_MARKS = re.compile(r"[!?؟]{3,}")


def _level(score: float) -> Level:
    if score >= 0.75:
        return "angry"
    if score >= 0.5:
        return "frustrated"
    if score >= 0.25:
        return "annoyed"
    return "calm"


def read(text: str, previous_texts: list[str] | None = None, failures: int = 0) -> FrustrationReading:
    """Score one customer message in the context of the conversation so far.

    `failures` counts recent assistant failures (not understood, repeated clarifications).
    """
    norm = normalize(text)
    signals: list[FrustrationSignal] = []
    for kind, weight, patterns in _COMPILED:
        for pat in patterns:
            match = pat.search(norm)
            if match:
                signals.append(FrustrationSignal(kind=kind, evidence=match.group(0), weight=weight))
                break
    letters = [c for c in text if c.isalpha() and c.isascii()]
    if len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) > 0.7:
        signals.append(FrustrationSignal(kind="shouting", evidence="capital letters", weight=0.2))
    marks = _REPEATED_MARKS.search(text)
    if marks:
        signals.append(FrustrationSignal(kind="shouting", evidence=marks.group(0), weight=0.15))
    stretched = _ELONGATION.search(text)
    if stretched:
        signals.append(FrustrationSignal(kind="elongation", evidence=stretched.group(0), weight=0.15))
    if previous_texts and norm and norm in {normalize(t) for t in previous_texts[-3:]}:
        signals.append(FrustrationSignal(kind="repetition", evidence=text[:60], weight=0.25))
    if failures:
        signals.append(
            FrustrationSignal(kind="assistant_failing", evidence=f"{failures} failed turns",
                              weight=min(0.3, 0.15 * failures))
        )
    score = min(1.0, sum(s.weight for s in signals))
    return FrustrationReading(score=round(score, 3), level=_level(score), signals=signals)
