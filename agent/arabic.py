"""Arabic copy rules that templates cannot express alone.

Number-noun agreement (العدد والمعدود): 1 takes the singular after the noun ("دقيقة واحدة"),
2 the dual ("دقيقتين"), 3-10 the plural ("3 دقائق"), 11 and above the singular ("15 دقيقة").
Every template that puts a count before a noun gets the phrase from `count()`, in both
languages, so "خلال 3 دقيقة" cannot happen.
"""

from __future__ import annotations

import re
from typing import Literal

Lang = Literal["ar", "en"]

# noun -> (Arabic singular, dual, plural; English singular, plural)
# noun -> (Arabic singular, dual, plural, singular after 11-99 (tamyiz); English forms)
_NOUNS: dict[str, tuple[str, str, str, str, str, str]] = {
    "minute": ("دقيقة", "دقيقتين", "دقائق", "دقيقة", "minute", "minutes"),
    "hour": ("ساعة", "ساعتين", "ساعات", "ساعة", "hour", "hours"),
    "working_hour": ("ساعة عمل", "ساعتي عمل", "ساعات عمل", "ساعة عمل", "working hour",
                     "working hours"),
    "day": ("يوم", "يومين", "أيام", "يوماً", "day", "days"),
    "year": ("سنة", "سنتين", "سنوات", "سنة", "year", "years"),
    "business_day": ("يوم عمل", "يومي عمل", "أيام عمل", "يوم عمل", "business day", "business days"),
    "attempt": ("محاولة", "محاولتين", "محاولات", "محاولة", "attempt", "attempts"),
    "unit": ("وحدة", "وحدتين", "وحدات", "وحدة", "unit", "units"),
    "ac_unit": ("مكيف", "مكيفين", "مكيفات", "مكيفاً", "split AC", "split ACs"),
    "tv_unit": ("تلفزيون", "تلفزيونين", "تلفزيونات", "تلفزيوناً", "TV", "TVs"),
    "instalment": ("دفعة", "دفعتين", "دفعات", "دفعة", "instalment", "instalments"),
    "product": ("منتج", "منتجين", "منتجات", "منتجاً", "item", "items"),
}


def count(n: int, noun: str, lang: Lang) -> str:
    """"3 دقائق" / "3 minutes", with the noun agreeing with the number."""
    one, two, few, many, en_one, en_many = _NOUNS[noun]
    if lang == "en":
        return f"{n} {en_one if n == 1 else en_many}"
    if n == 1:
        return f"{one} واحدة" if one.endswith("ة") else f"{one} واحد"
    if n == 2:
        return two
    if 3 <= n % 100 <= 10:
        return f"{n} {few}"
    return f"{n} {many}"


_GREETINGS = [
    # (what the customer said, normalised) -> the answer in kind, per language
    (re.compile(r"(السلام عليكم|سلام عليكم|^سلام\b|^السلام\b|\bsalam\b|\bslam\b|assalam)"),
     {"ar": "وعليكم السلام ورحمة الله", "en": "Wa alaikum assalam"}),
    (re.compile(r"(مساء الخير|مسا الخير|مساء النور|\bgood evening\b)"),
     {"ar": "مساء النور", "en": "Good evening"}),
    (re.compile(r"(صباح الخير|صباح النور|\bgood morning\b)"), {"ar": "صباح النور", "en": "Good morning"}),
]


def greeting_in_kind(normalised_text: str, lang: Lang) -> str | None:
    """The answer a greeting calls for ("السلام عليكم" -> "وعليكم السلام"), or None."""
    for pattern, answer in _GREETINGS:
        if pattern.search(normalised_text):
            return answer[lang]
    return None


_APOLOGY = re.compile(r"^\W*(sorry|i'?m sorry|i apologi[sz]e|we apologi[sz]e|"
                      r"أعتذر|اعتذر|نعتذر|عذراً|عذرا|آسف|اسف)", re.I)


def apologises(text: str) -> bool:
    """The reply already opens with an apology (so no second one goes in front of it)."""
    return bool(_APOLOGY.search(text))


# Day and month names, for dates a customer reads ("الاثنين 7 ديسمبر", "Monday 7 December").
DAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "ar": ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"],
}
MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "ar": ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
           "أكتوبر", "نوفمبر", "ديسمبر"],
}
