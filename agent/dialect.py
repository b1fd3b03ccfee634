"""Dialect words to one Modern Standard Arabic form, so a classifier taught in one dialect
recognises another.

A model trained on MSA and Palestinian questions has never seen Gulf "ابي" or "وش"; it has
seen "أريد" and "ماذا" (and Palestinian "بدي" and "شو"). Mapping the function words that
differ most between dialects (wanting, asking, negation, time, demonstratives) onto one form
lets the same n-grams fire whatever the customer's dialect. Content words (card, transfer,
order) are mostly shared and are left alone. Works on normalised text (knowledge.normalize):
hamza, ة and ى are already unified.
"""

from __future__ import annotations

import re

# dialect form (normalised) -> MSA form (normalised). Gulf first, then Levantine/Egyptian.
# Left out on purpose: words that mean something else in another dialect (Gulf "هلا" is
# hello, "ايه" is yes; "بس" is both "but" and "only"; "فيه" is also "in it").
_WORDS: dict[str, str] = {
    # to want
    "ابي": "اريد", "ابغي": "اريد", "ابغا": "اريد", "ابا": "اريد", "ودي": "اريد", "بدي": "اريد",
    "عايز": "اريد", "عاوز": "اريد", "اباه": "اريده",
    "تبي": "تريد", "تبغي": "تريد", "بدك": "تريد", "يبي": "يريد", "يبغي": "يريد", "بده": "يريد",
    "نبي": "نريد", "نبغي": "نريد", "بدنا": "نريد", "ابيه": "اريده", "ابغاه": "اريده",
    # question words
    "وش": "ماذا", "ايش": "ماذا", "شو": "ماذا", "شنو": "ماذا", "اش": "ماذا",
    "ليش": "لماذا", "ليه": "لماذا", "شلون": "كيف", "ازاي": "كيف", "وين": "اين", "فين": "اين",
    "منين": "من اين", "امتى": "متى", "ايمتى": "متى", "قديش": "كم", "كام": "كم",
    # time
    "الحين": "الان", "هلق": "الان", "دحين": "الان", "توني": "للتو", "للحين": "حتى الان", "لسه": "حتى الان", "لسا": "حتى الان",
    "لساتني": "ما زلت", "باكر": "غدا", "بكره": "غدا", "بكرا": "غدا",
    # negation and existence
    "مو": "ليس", "مب": "ليس", "موب": "ليس", "مش": "ليس", "مهو": "ليس", "ماهو": "ليس",
    "مافيه": "لا يوجد", "مافي": "لا يوجد", "ماكو": "لا يوجد",
    # demonstratives and connectors
    "هذي": "هذه", "هاذي": "هذه", "هاي": "هذه", "ذي": "هذه", "ذا": "هذا", "هاد": "هذا",
    "هاذا": "هذا", "عشان": "لكي", "علشان": "لكي", "مشان": "لكي", "كذا": "هكذا", "هيك": "هكذا",
    "لين": "حتى",
    # ability, amount, quality
    "اقدر": "استطيع", "تقدر": "تستطيع", "يقدر": "يستطيع", "نقدر": "نستطيع", "بقدر": "استطيع",
    "اقدرش": "لا استطيع", "وايد": "كثيرا", "شوي": "قليلا", "زين": "جيد", "كويس": "جيد",
    "منيح": "جيد", "ابد": "ابدا", "فلوسي": "اموالي", "فلوس": "اموال", "مصاري": "اموال",
    "كرت": "بطاقه", "كرتي": "بطاقتي", "كارت": "بطاقه", "كارتي": "بطاقتي",
    "جوالي": "هاتفي", "جوال": "هاتف", "موبايلي": "هاتفي",
    "ليش ما": "لماذا لم", "يصير": "يمكن", "ينفع": "يمكن",
    # warranty: "الكفالة" in the Levant and much of the Gulf
    "كفاله": "ضمان", "الكفاله": "الضمان", "كفالته": "ضمانه", "كفالتها": "ضمانها",
}
_PHRASES = sorted((k for k in _WORDS if " " in k), key=len, reverse=True)
_TOKEN = re.compile(r"[\u0621-\u064a]+")


def to_msa(normalised: str) -> str:
    """Dialect function words replaced by their MSA form (a leading و is kept)."""
    for phrase in _PHRASES:
        normalised = normalised.replace(phrase, _WORDS[phrase])

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        if word in _WORDS:
            return _WORDS[word]
        if word.startswith("و") and word[1:] in _WORDS:
            return "و" + _WORDS[word[1:]]
        return word

    return _TOKEN.sub(swap, normalised)
