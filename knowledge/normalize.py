"""Arabic-aware text normalisation and tokenisation for lexical matching.

Customers write the same Arabic word many ways (with or without hamza, ة or ه, ى or ي,
diacritics, tatweel, Arabic-Indic digits). Matching happens on one canonical form.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

import Stemmer

_DIACRITICS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_CHAR_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ؤ": "و",
        "ئ": "ي",
        "ک": "ك",
        "ی": "ي",
        "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4",
        "٥": "5", "٦": "6", "٧": "7", "٨": "8", "٩": "9",
        "۰": "0", "۱": "1", "۲": "2", "۳": "3", "۴": "4",
        "۵": "5", "۶": "6", "۷": "7", "۸": "8", "۹": "9",
        "،": ",", "؛": ";", "؟": "?",
    }
)
_WORD = re.compile(r"[0-9a-z]+|[\u0621-\u064a]+")
# "ابي اcancel الorder حقي": an English word glued to an Arabic prefix is still two words.
_SCRIPT_SEAM = re.compile(r"(?<=[\u0621-\u064a])(?=[a-z])|(?<=[a-z])(?=[\u0621-\u064a])")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")

# Words too common to carry meaning in a support question, in both languages (normalised form).
_STOPWORD_TEXT = (
    """
    a an the is are was were be been am i you we they he she it my your our their me us
    to of in on at for from by with and or but if do does did can could would should will
    what how when where which who why this that these those there here please hi hello
    any some about as so not no yes just
    في من الى على عن مع او ثم ان انا انت نحن هو هي هم هذا هذه ذلك تلك التي الذي اللي
    ما ماذا متى كيف هل لو يا و ف ب ل ك كم وش ايش
    """
)


_ARABIC_LETTERS = re.compile(
    r"[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]"
)
_LATIN_LETTERS = re.compile(r"[A-Za-z]")
# A Gulf customer often drops English words into Arabic ("ابغى اسوي cancel"), so a text
# counts as Arabic once a modest share of its letters are Arabic.
_ARABIC_SHARE = 0.3


def detect_language(text: str) -> Literal["ar", "en"] | None:
    """'ar' or 'en' by the share of Arabic letters; None when the text has no letters."""
    arabic = len(_ARABIC_LETTERS.findall(text))
    latin = len(_LATIN_LETTERS.findall(text))
    if arabic + latin == 0:
        return None
    return "ar" if arabic / (arabic + latin) >= _ARABIC_SHARE else "en"


def normalize(text: str) -> str:
    """Canonical form: lower-case, no diacritics or tatweel, unified letters, ASCII digits."""
    text = _DIACRITICS.sub("", text).replace(_TATWEEL, "")
    text = _SCRIPT_SEAM.sub(" ", text.translate(_CHAR_MAP).lower())
    return " ".join(text.split())


_STOPWORDS = frozenset(normalize(_STOPWORD_TEXT).split())


@lru_cache(maxsize=1)
def _stemmers() -> tuple[Stemmer.Stemmer, Stemmer.Stemmer]:
    return Stemmer.Stemmer("arabic"), Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Normalised, stop-word-free, stemmed word tokens (Arabic and English stemmers by script)."""
    arabic, english = _stemmers()
    out: list[str] = []
    for word in _WORD.findall(normalize(text)):
        if word in _STOPWORDS:
            continue
        if _ARABIC_LETTER.match(word):
            # Stemming after normalising can leave a letter form normalise() would change,
            # so the stem is normalised again to keep one canonical vocabulary.
            stem = arabic.stemWord(word)
            out.append(normalize(stem) or word)
        else:
            out.append(english.stemWord(word))
    return out
