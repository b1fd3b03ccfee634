"""Which language to reply in: detected per message, kept for the conversation, overridable."""

from __future__ import annotations

import re
from typing import Literal

from knowledge.normalize import detect_language, normalize

Lang = Literal["ar", "en"]

_ASK_ENGLISH = re.compile(
    r"\b(in english|english please|speak english|reply in english|switch to english)\b"
    r"|(بالانجليزي|بالإنجليزي|انجليزي لو سمحت|إنجليزي لو سمحت|كلمني انجليزي)",
    re.I,
)
_ASK_ARABIC = re.compile(
    r"\b(in arabic|arabic please|speak arabic|reply in arabic|switch to arabic)\b"
    r"|(بالعربي|عربي لو سمحت|كلمني عربي|تكلم عربي)",
    re.I,
)


# Messages of at most this many words do not change the conversation's language.
_SHORT = 3
# A message in both scripts of at most this many words does not change it either.
_MIXED_SHORT = 6


def detect(text: str) -> Lang | None:
    """The message's language, or None when it has no letters (digits, emoji, an order id)."""
    # Order ids (RW-100234) and emails carry Latin letters that say nothing about language.
    return detect_language(re.sub(r"\bRW-?\d+|\S+@\S+", " ", text, flags=re.I))


def requested(text: str) -> Lang | None:
    """An explicit request to switch language ("English please", "بالعربي لو سمحت")."""
    if _ASK_ENGLISH.search(text) or _ASK_ENGLISH.search(normalize(text)):
        return "en"
    if _ASK_ARABIC.search(text) or _ASK_ARABIC.search(normalize(text)):
        return "ar"
    return None


def choose(
    current: Lang, locked: bool, text: str, established: bool = False
) -> tuple[Lang, bool, bool]:
    """(language, locked, switched_on_request) after the customer's message.

    An explicit request locks the language; otherwise each message with letters decides,
    so a customer who changes language is answered in the new one. Once the customer has
    written (`established`), a message of a few words does not switch it.
    """
    asked = requested(text)
    if asked is not None:
        return asked, True, asked != current
    if locked:
        return current, True, False
    detected = detect(text)
    # (An order number said bare, "sorry I meant 100273", is no word of either language.)
    words = re.sub(r"\bRW-?\d+|\S+@\S+|\+?\d[\d\s-]{6,}|\b\d{6}\b", " ", text, flags=re.I).split()
    if established and detected and detected != current and len(words) <= _SHORT:
        # "yes please", "ok", "شكرا" in a conversation held in the other language is a
        # code-switch, not a change of language.
        return current, False, False
    if (established and current == "ar" and detected == "en" and len(words) <= _MIXED_SHORT
            and re.search(r"[\u0621-\u064a]{2,}", text)):
        # "yes تمام go ahead": a short message with Arabic in it, in a chat held in Arabic,
        # is a code-switch. (An English chat's "ابغى اسوي cancel للطلب" is a change to
        # Arabic: there the Arabic carries the request.)
        return current, False, False
    if (established and current == "ar" and detected == "en"
            and re.search(r"[\u0621-\u064a]{2,}(\s+[\u0621-\u064a]{2,}){2,}", text)):
        # "ok just give me a person please، ابي اكلم احد": a chat held in Arabic that says it
        # in Arabic too stays Arabic.
        return current, False, False
    return (detected or current), False, False
