"""The brand and its voice (policies/voice.yaml): who the assistant is and how it speaks.

Read by the LLM brain for its system prompt. Every customer-facing text is bilingual and both
languages are required, so a guide edited in one language only is refused at start-up.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from policies.types import TimeZoneName

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF]")
_LATIN = re.compile(r"[A-Za-z]")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _arabic(v: str) -> str:
    if not _ARABIC.search(v):
        raise ValueError("the Arabic text has no Arabic letters (languages swapped?)")
    return v


def _english(v: str) -> str:
    if not _LATIN.search(v):
        raise ValueError("the English text has no Latin letters (languages swapped?)")
    return v


ArabicText = Annotated[Text, AfterValidator(_arabic)]
EnglishText = Annotated[Text, AfterValidator(_english)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BilingualText(_Strict):
    """A text the customer may read: English and Arabic, both required, neither empty."""

    en: EnglishText
    ar: ArabicText


class Brand(_Strict):
    name: BilingualText
    full_name: BilingualText
    assistant_name: BilingualText
    website: str = Field(pattern=r"^https://\S+$")
    support_phone: Text
    support_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. SAR")
    vat_rate: float = Field(ge=0, lt=1, description="0.15 for 15%")
    timezone: TimeZoneName = "Asia/Riyadh"



class BannedPhrases(_Strict):
    """Phrases the assistant must never use, per language (matched by people and prompts,
    not as patterns)."""

    en: list[EnglishText] = Field(min_length=1)
    ar: list[ArabicText] = Field(min_length=1)

    @field_validator("en", "ar")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        folded = [p.casefold() for p in v]
        dupes = sorted({p for p in v if folded.count(p.casefold()) > 1})
        if dupes:
            raise ValueError(f"phrases listed twice: {dupes}")
        return v


class Voice(_Strict):
    summary: BilingualText
    principles: list[BilingualText] = Field(min_length=1)
    do: list[BilingualText] = Field(default_factory=list)
    dont: list[BilingualText] = Field(default_factory=list)
    banned_phrases: BannedPhrases
    arabic_style: BilingualText
    ai_disclosure: BilingualText


class VoicePolicy(_Strict):
    version: Text
    brand: Brand
    voice: Voice

    def banned(self) -> list[str]:
        """Every banned phrase, English first then Arabic (the order the prompt lists them)."""
        return [*self.voice.banned_phrases.en, *self.voice.banned_phrases.ar]
