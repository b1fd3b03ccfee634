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
    current: Lang, locked: bool, text: str
) -> tuple[Lang, bool, bool]:
    """(language, locked, switched_on_request) after the customer's message.

    An explicit request locks the language; otherwise each message with letters decides,
    so a customer who changes language is answered in the new one.
    """
    asked = requested(text)
    if asked is not None:
        return asked, True, asked != current
    if locked:
        return current, True, False
    detected = detect(text)
    return (detected or current), False, False
