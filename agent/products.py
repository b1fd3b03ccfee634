"""Recognise product names from the company's product catalogue in a customer's message.

Customers never type the full catalogue name ("Apple iPhone 16 Pro 256GB"); they write
"my iphone 16 pro", "ايفون ١٦ برو" or "ثلاجة سامسونج". A product matches when the message
contains enough of its *distinctive* name tokens (weighted by inverse document frequency over
the catalogue), so "dyson" finds the one Dyson, "samsung" alone finds nothing, and of two
iPhones the one whose tokens are all present wins.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

from pydantic import BaseModel

from knowledge.normalize import normalize
from policies.loader import parse_yaml

# Words that describe any product and so never identify one (normalised forms).
# Brands short enough to pass for noise ("cancel the LG"), still words of a product's name.
SHORT_BRANDS = frozenset({"lg", "hp"})
_GENERIC = set(normalize(
    "gb tb l kg cm mm w inch with series gen wireless smart portable electric "
    "by and the of for in on to from a an at or door side top mount front load next easy dual "
    "new fast noise cancelling canceling automatic built cordless freestanding "
    # Features, not products: "ابي الغاء الطلب" is a cancellation, not the noise-cancelling
    # headphones; "a loud noise" is a fault, not them either.
    "الغاء غاء الضوضاء ضوضاء بخاصيه خاصيه بتقنيه تقنيه لاسلكيه اللاسلكيه اسلكيه الذكي ذكي "
    "سريع محموله مدمج دقه جيل الاصدار اصدار ماء "
    "سعه جيجابايت تيرابايت لتر كجم سم ملم واط بوصه مقاس ذاكره مع بدقه الفئه الجيل "
    "إلى الى من في على عن او أو وحده وحدة حده الف ألف فيه فئه "
    # "ألترا" without its article is Gulf "ترا" ("note that…"), said in any message.
    "ترا"
).split())
_TOKEN = re.compile(r"[0-9a-z]+(?:[.][0-9]+)?|[\u0621-\u064a]+")
# Arabic clitics customers attach to product words ("بالثلاجه", "والايفون").
_PREFIXES = ("وبال", "بال", "وال", "فال", "لل", "ال", "و", "ب", "ل")
# Thresholds relative to the rarest possible token (one product in the whole catalogue), so
# they mean the same for a catalogue of 5 products or 5,000: one rare word, or two fairly
# rare ones, identify a product.
_MIN_SCORE = 0.9
_MIN_WORD_IDF = 0.6


class Product(BaseModel):
    sku: str
    name: dict[str, str]
    category: str | None = None
    large_appliance: bool = False
    aliases: list[str] = []
    # Shelf price in SAR including VAT; a catalogue without prices leaves it empty.
    price: float | None = None


# Short brands spelled out in Arabic letters ("شاشة ال جي", "لابتوب اتش بي") are the brand.
# (JBL first: "الجي بي ال" is JBL with its article, not LG followed by other letters.)
_SPELLED_BRANDS = ((re.compile(r"(^| )(و|ال|وال)?جي ?بي ?(ال|ايل|اِل)(?!\w)"), r"\1jbl"),
                   (re.compile(r"(^| )(ال|ل) ?جي(?= |$)"), r"\1lg"),
                   (re.compile(r"(^| )(اتش|اش|اتشي) ?بي(?= |$)"), r"\1hp"),
                   # How customers spell what the catalogue spells one way ("المكرويف",
                   # Egyptian "التلاجة").
                   (re.compile(r"(^| )(ال|وال|بال|لل|و|ب)?(مكرويف|ميكرويف|مكروويف|ميكروويف|"
                               r"مايكروويف)(?!\w)"), r"\1\2مايكرويف"),
                   (re.compile(r"(^| )(ال|وال|بال|لل|و|ب)?تلاجه(?!\w)"), r"\1\2ثلاجه"))


_BARE_PARTICLES = frozenset({"ال", "في", "من", "على", "علي", "عن", "مع"})


def tokens(text: str) -> set[str]:
    """Normalised words of `text`, each also without an Arabic clitic ("بالثلاجه" -> "ثلاجه")."""
    out: set[str] = set()
    norm = normalize(text)
    for pattern, brand in _SPELLED_BRANDS:
        norm = pattern.sub(brand, norm)
    for tok in _TOKEN.findall(norm):
        if (len(tok) == 1 and not tok.isdigit()) or tok in _BARE_PARTICLES:
            # "where's" -> "s" must not match "Magnifica S"; Arabizi "el order" -> "ال" is an
            # article on its own, no word of any product's name.
            continue
        out.add(tok)
        # "Buds3", "Watch7": the model word is said without its number too ("galaxy buds").
        glued = re.fullmatch(r"([a-z]{3,})(\d+)", tok)
        if glued:
            out.add(glued.group(1))
        for prefix in _PREFIXES:
            if tok.startswith(prefix) and len(tok) - len(prefix) >= 3:
                out.add(tok[len(prefix):])
                break
    return out


class ProductMatcher:
    def __init__(self, products: list[Product]) -> None:
        self.products = products
        # Which kind of product each SKU is ("my fridge" finds an order by its category).
        self.category_of = {p.sku: p.category for p in products if p.category}
        # Kinds of product with their own delivery fee and rules ("large appliances").
        self.large_categories = {p.category for p in products if p.large_appliance and p.category}
        self._names: list[set[str]] = []
        for p in products:
            names = list(p.name.values()) + p.aliases
            self._names.append(set().union(*(tokens(n) for n in names)) - _GENERIC)
        df = Counter(t for toks in self._names for t in toks)
        n = max(len(products), 1)
        self._idf = {t: math.log((n + 1) / c) for t, c in df.items()}
        top = math.log(n + 1)
        self._min_score = _MIN_SCORE * top
        self._min_word_idf = _MIN_WORD_IDF * top

    @classmethod
    def load(cls, path: Path) -> "ProductMatcher":
        if not path.exists():
            return cls([])
        raw = parse_yaml(path.read_text("utf-8")) or []
        return cls([Product.model_validate(p) for p in raw])

    def names_any(self, text: str) -> bool:
        """A word of some product's own name is said ("cancel the LG"), even when it does not
        say which product: it may still pick one of the customer's orders."""
        # Words, not figures ("4 days" is no "Watch GT 4"); "LG" is a name though short.
        said = {t for t in tokens(text) if not t.isdigit() and (len(t) >= 3 or t in SHORT_BRANDS)}
        return any(said & names for names in self._names)

    def find(self, text: str) -> Product | None:
        return self._best(tokens(text))

    def find_all(self, text: str, most: int = 3) -> list[Product]:
        """Every product the text names, in order of how surely ("the washer and the LG
        fridge"): each match's words are taken out before looking for the next."""
        said, found = tokens(text), []
        while len(found) < most and (product := self._best(said)) is not None:
            found.append(product)
            said -= self._names[self.products.index(product)]
        return found

    def named_in(self, sku: str, text: str) -> bool:
        """Whether the text names this product by one of its distinctive words ("the
        airpods", "ميديا")."""
        k = next((i for i, p in enumerate(self.products) if p.sku == sku), None)
        if k is None:
            return False
        return any(self._idf[t] >= self._min_word_idf and not t.replace(".", "").isdigit()
                   for t in self._names[k] & tokens(text))

    def _best(self, said: set[str]) -> Product | None:
        best: tuple[float, float, int] | None = None
        for k, name in enumerate(self._names):
            hit = name & said
            if not hit:
                continue
            # A bare number ("16") never identifies a product on its own.
            if not any(not t.replace(".", "").isdigit() and self._idf[t] >= self._min_word_idf
                       for t in hit):
                continue
            score = sum(self._idf[t] for t in hit)
            coverage = score / sum(self._idf[t] for t in name)
            key = (score, coverage, -k)
            if score >= self._min_score and (best is None or key > best):
                best = key
        if best is None:
            return None
        k = -best[2]
        hit = self._names[k] & said
        if any(j != k and hit <= name for j, name in enumerate(self._names)):
            # "a washing machine" is said of three models alike: none of them is meant.
            return None
        return self.products[k]
