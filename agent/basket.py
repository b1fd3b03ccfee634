"""What a customer is thinking of buying, kept across a conversation about fees and payment.

"How much is delivery for the AirPods?" -> "and if I throw in the LG fridge too?" -> "forget the
fridge, just the AirPods. cash OK for that?": each answer depends on the whole basket (the
free-delivery threshold, the cash-on-delivery limit, whether a large appliance is in it), and
the customer only ever names the change. The basket is a list of items with their catalogue
price (or the price the customer quoted); this module reads each message's change to it.
Nothing here touches an order: a basket is a question, not a purchase.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypedDict

from agent.products import ProductMatcher
from knowledge.normalize import normalize


class Item(TypedDict):
    sku: str | None
    price: float
    category: str | None


# "and if I throw in the fridge too?", "ولو ضفت معها ثلاجة": something added to what was asked.
ADDS = re.compile(
    r"\b(add|adding|added|throw in|throw|plus|too|as well|along with|together with|"
    r"with it|with them|on top)\b|(^| )(ضفت|اضيف|اضفت|نضيف|ضيف|زود|معها|معاها|معه|معاه|وياها|"
    r"وياه|كمان|بعد|زياده|مع)(?=[\s?!.,،؟]|$)")
# Adding to an order already placed is a change to that order, not to a basket.
TO_AN_ORDER = re.compile(r"\b(to|in|into|on) (the|my|this|that|same|an|one) (same |existing )?order\b|"
                         r"(نفس الطلب|على الطلب|للطلب|على طلبي|لطلبي|في طلبي|بالطلب)")
# "cash OK for all that?", "اقدر اقسطها؟": a question about the basket already discussed.
REFERS = re.compile(
    r"\b(that|this|it|them|those|these|all|everything|both|total|the lot)\b|"
    r"(^| )(ذلك|هذا|هذي|هاذي|كلها|كله|الكل|المجموع|الاثنين|كلهم|كذا)(?=[\s?!.,،؟]|$)|"
    r"[\u0621-\u064a]{2,}(ها|هم)(?=[\s?!.,،؟]|$)")
# "forget the fridge", "بدون الثلاجة": something taken out.
_DROPS = re.compile(
    r"\b(forget|without|remove|minus|drop|skip|except|not the|no)\b|"
    r"(^| )(بدون|شيل|انس|انسي|خل عنك|بلاش|الا|غير|لا)(?=[\s?!.,،؟]|$)")
# "just the airpods", "بس السماعات": only that.
_ONLY = re.compile(r"\b(just|only)\b|(^| )(بس|فقط|بروحها|لحالها|بروحه|لحاله)(?=[\s?!.,،؟]|$)")


# How many of the thing in the basket ("if i get 2", "make it 3", "واذا اخذت ثنتين").
COUNT = re.compile(r"\b(?:get|buy|take|order|make it|want) (\d{1,2}|two|three|four|both)\b(?! (sar|riyals?|days?))|"
                    r"(?:اخذت|اخذ|اطلب|طلبت|خذيت|ابي) (اثنين|ثنتين|ثلاث|ثلاثه|اربع|\d{1,2})(?=[\s?!.,،؟]|$)")
COUNT_WORDS = {"two": 2, "three": 3, "four": 4, "both": 2, "اثنين": 2, "ثنتين": 2, "ثلاث": 3,
                "ثلاثه": 3, "اربع": 4}


def _matches(item: Item, text: str, products: ProductMatcher, cats: list[str]) -> bool:
    if item["category"] and item["category"] in cats:
        return True
    return bool(item["sku"]) and products.named_in(item["sku"] or "", text)


def _clause(norm: str, marker: re.Pattern[str]) -> str | None:
    """The words after a marker, up to the end of its clause ("forget the fridge, just the
    airpods" -> "the fridge" after "forget")."""
    m = marker.search(norm)
    if m is None:
        return None
    return re.split(r"[,.،؛;!?؟]| بس | just | only ", norm[m.end():] + " ")[0]


def update(items: list[Item], text: str, products: ProductMatcher,
           cats_of: Callable[[str], list[str]], amount: float | None,
           context: list[str] | None = None) -> list[Item]:
    """The basket after this message. `cats_of` reads the kinds of product a text names and
    `amount` is the price the message quotes, if any ("a Midea washer for 1,099"); `context`
    the kinds of product the question it follows named ("delivery for a washing machine?" ->
    "its the midea one, 1099")."""
    norm = normalize(text)
    found = [p for p in products.find_all(text) if p.price is not None]
    count = COUNT.search(norm)
    if count and items and not found and len({(i["sku"], i["price"]) for i in items}) == 1:
        # "and if I get 2?", "make it 3": more of the one thing in the basket.
        word = next(g for g in count.groups() if g)
        n = int(word) if word.isdigit() else COUNT_WORDS.get(word, 0)
        if 1 <= n <= 10:
            return [dict(items[0]) for _ in range(n)]  # type: ignore[misc]
    new: list[Item] = [Item(sku=p.sku, price=float(p.price or 0), category=p.category)
                       for p in found]
    if amount is not None and len(new) <= 1:
        # The price the customer quotes is the one they are looking at.
        cats = cats_of(text) or (list(context or []) if not items else [])
        new = [Item(sku=new[0]["sku"] if new else None, price=amount,
                    category=new[0]["category"] if new else (cats[0] if cats else None))]
    if items:
        only = _clause(norm, _ONLY)
        if only:
            kept = [i for i in items if _matches(i, only, products, cats_of(only))]
            if kept:
                return kept
        dropped = _clause(norm, _DROPS)
        if dropped:
            left = [i for i in items if not _matches(i, dropped, products, cats_of(dropped))]
            if len(left) < len(items):
                return left
    if not new:
        return items
    if items and ADDS.search(norm):
        have = {i["sku"] for i in items if i["sku"]}
        return items + [i for i in new if not i["sku"] or i["sku"] not in have]
    return new


def total(items: list[Item]) -> float | None:
    return round(sum(i["price"] for i in items), 2) if items else None


def categories(items: list[Item]) -> list[str]:
    return list(dict.fromkeys(i["category"] for i in items if i["category"]))
