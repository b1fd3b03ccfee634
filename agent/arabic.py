"""Arabic copy rules that templates cannot express alone.

Number-noun agreement (العدد والمعدود): 1 takes the singular after the noun ("دقيقة واحدة"),
2 the dual ("دقيقتين"), 3-10 the plural ("3 دقائق"), 11 and above the singular ("15 دقيقة").
Every template that puts a count before a noun gets the phrase from `count()`, in both
languages, so "خلال 3 دقيقة" cannot happen.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["ar", "en"]

# noun -> (Arabic singular, dual, plural; English singular, plural)
_NOUNS: dict[str, tuple[str, str, str, str, str]] = {
    "minute": ("دقيقة", "دقيقتين", "دقائق", "minute", "minutes"),
    "hour": ("ساعة", "ساعتين", "ساعات", "hour", "hours"),
    "working_hour": ("ساعة عمل", "ساعتي عمل", "ساعات عمل", "working hour", "working hours"),
    "day": ("يوم", "يومين", "أيام", "day", "days"),
    "business_day": ("يوم عمل", "يومي عمل", "أيام عمل", "business day", "business days"),
    "attempt": ("محاولة", "محاولتين", "محاولات", "attempt", "attempts"),
}


def count(n: int, noun: str, lang: Lang) -> str:
    """"3 دقائق" / "3 minutes", with the noun agreeing with the number."""
    one, two, few, en_one, en_many = _NOUNS[noun]
    if lang == "en":
        return f"{n} {en_one if n == 1 else en_many}"
    if n == 1:
        return f"{one} واحدة" if one.endswith("ة") else f"{one} واحد"
    if n == 2:
        return two
    if 3 <= n % 100 <= 10:
        return f"{n} {few}"
    return f"{n} {one}"
