"""Answers computed from the brand's figures (policies/brand.yaml) for questions with a parameter.

A help-centre passage states a rule ("1-2 business days to Riyadh, Jeddah, Dammam and Khobar;
2-4 to Makkah, ..."); the customer asks about one case of it ("how long to Abha?", "how much to
install 3 ACs?", "is cash on delivery OK for 7,299?", "how much of 1,150 is VAT?"). Reading
the case out of the question and applying the rule is arithmetic, not retrieval, so it is done
here, from the same figures the help centre states, and the sentence goes in front of the
passage it comes from. Nothing here acts on an order; it only reads the question.
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass
from typing import Literal

from agent import arabic
from agent.replies import ReplyBook
from agent.slots import mentions_fault
from knowledge import facets
from knowledge.normalize import normalize
from policies.brand import BrandFacts, City
from policies.models import ReturnPolicy

Lang = Literal["ar", "en"]

_DELIVERY = re.compile(
    r"\b(deliver|delivers|delivery|delivering|ship|shipping|shipped|arrive|arrives|courier)\b|"
    r"(توصيل|التوصيل|يوصل|توصل|توصلون|يوصلني|توصلني|الشحن|شحن|يوصلون|يجيني|يوصلنا)")
# "what else can I use?", "وش طرق الدفع؟": which payment methods there are (with a basket
# over the cash-on-delivery limit, which of them apply).
METHODS_ASKED = re.compile(
    r"\b(what else can i (use|pay with)|what (else )?can i pay with|other (ways|options|methods) to pay|"
    r"(other|which) payment (methods|options)|payment (methods|options)|how (else )?(can|do) i pay)\b|"
    r"(طرق الدفع|وسائل الدفع|خيارات الدفع|وش اقدر ادفع|ايش اقدر ادفع|كيف اقدر ادفع|وش البدائل للدفع|"
    r"بايش ادفع|بوش ادفع)")
IF_CANCELLED = re.compile(r"\bif i (cancel|return|refuse)\b|\bwhat happens (to|with) (the|my) "
                           r"(instal+ments|payments)\b|((لو|اذا|ولو|واذا) (الغيت|الغيته|الغيتها|كنسلت|رجعت|"
                           r"ارجعت)|وش يصير (بالاقساط|للاقساط|بالدفعات))")
_CASH_ON_DELIVERY = re.compile(r"\bcash on delivery\b|\bpay(ing)? on delivery\b")
# Installation asked about (also read by agent/nodes.py: "والتركيب عليه فلوس؟").
INSTALL_WORDS = re.compile(
    # ("the midea top mount" is a kind of fridge, not a question about mounting it.)
    r"\b(install|installation|installing|(?<!top )(?<!top-)(?<!bottom )(?<!bottom-)mount|"
    r"mounting|fit|fitting)\b|"
    r"(تركيب|تركيبه|يركب|يركبها|يركبه|يركبون|اركب|اركبها|اركبه|نركب|تركبون|تركبوا|تركبها|تعليق|تثبيت|فني)")
# In a question already about installation, "when does the technician come?" is about it too
# (alone, "a complaint about the technician" is a complaint, which INSTALL_WORDS leaves be).
_INSTALL = re.compile(f"{INSTALL_WORDS.pattern}|\\b(technician|technicians|installed)\\b")
_MOUNT_TYPE = re.compile(r"\b(top|bottom|freezer)[- ]?mount(ed)?\b")
_VAT = re.compile(r"\b(vat|tax|taxes)\b|(ضريبه|الضريبه|ضريبة|القيمه المضافه)")
_COD = re.compile(r"\b(cod|cash on delivery|cash)\b|(كاش|نقد|نقدا|عند الاستلام|الدفع عند)")
_REFUND = re.compile(
    r"\b(refund|refunds|refunded|money back|get my money|see the money|see it)\b|"
    r"(استرداد|الاسترداد|يرجع المبلغ|ترجع الفلوس|يرجع|ترجع|رجعت|ارجعت|ارجع|فلوسي|الفلوس)|"
    r"\b(return|returned)\b")
# ("واليومين", the two days, is no "today": Arabic has no \b, so the word's edges are spelt out.)
_SAME_DAY = re.compile(r"\b(same[- ]day|today)\b|(نفس اليوم|(^|[\s(])[وف]?اليوم(?=$|[\s?؟.,،!]))")
_NOT_SAME_DAY = re.compile(r"\bnot (the )?same[- ]day\b|(مو|مش|مب|غير|بدون) (توصيل )?نفس اليوم")
# "do you deliver to Hail?", "توصلون لأبها؟": a question about delivering to a place.
_DELIVER_TO = re.compile(r"\b(deliver|delivers|delivery|ship|shipping)\b|"
                         r"(توصلون|يوصل|توصل|التوصيل|توصيل|الشحن|شحن)")
_ADDRESS = re.compile(r"\b(address|addresses)\b|(عنوان|العنوان|عنواني)")
# "what's the total", "كم المجموع", "with all the fees": the sum asked for.
_TOTAL = re.compile(r"\b(total|in all|altogether|all (the|in)|all fees|with (all )?the fees|"
                    r"how much (do|will|would) i (pay|give|hand))\b|(المجموع|الاجمالي|اجمالي|كامل|"
                    r"كامله|كم ادفع|كم راح ادفع|كم بدفع|كم اجهز|مع الرسوم|total|el total)")
# A bare count with what it counts: "2 of them", "3 units", "٢ منها".
_COUNTED = re.compile(r"\b([2-9]|1\d|20)\s+(of them|of em|units?|pcs|pieces|ones|منها|منهم|حبات|وحدات)(?!\w)")
# (Public: "يعني كم أدفع بالضبط للمندوب؟" after a cash-on-delivery answer asks this.)
TOTAL_ASKED = _TOTAL
_FREE = re.compile(r"\bfree\b|مجان|ببلاش|بلاش")
# Payment methods, strictly (a bare "مدي" also sits inside "المدينه").
_METHODS = {
    "mada": r"\bmada\b|(^| )(ب|و|بال|وب)?مدي(?=[\s?!.,،؟]|$)",
    "visa": r"\b(visa|credit ?card|credit|mastercard)\b|فيزا|ماستر|ايتمان|ائتمان|كريدت",
    "apple_pay": r"apple ?pay|ابل باي|ابل بي",
    "stc_pay": r"stc ?pay|اس تي سي",
    "tabby": r"tabby|تابي",
    "tamara": r"tamara|تمارا",
    "cod": r"\bcod\b|cash on delivery|\bcash\b|كاش|عند الاستلام|نقدا",
}
# A fee for paying one way ("any extra fee on top?", "عليها رسوم زيادة؟").
_METHOD_FEE = re.compile(r"\b((extra|additional|any) (fee|fees|charge|charges|cost)|surcharge|"
                         r"(fee|fees|charge) on top|cost more|costs more)\b|"
                         r"(رسوم|رسم) (اضافيه|زياده|زيادة|اضافية|زود)|(فيه|فيها|عليه|عليها) رسوم|يزيد السعر")
_ORDER_ID = re.compile(r"(rw-?)?\b10\d{4}\b")
_PHONE = re.compile(r"\b0?5\d{8}\b|\+?9665\d{8}")
_NUMBER = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?(?![\d])")
_CURRENCY = r"(sar|sr|riyals?|ريال|ر\.?س)"
# What a figure counts when it is not money: time, units, and a product's size ("ثلاجة ٢٦٠
# لتر", "9kg washer", "55 inch").
_NOT_AMOUNT = re.compile(
    r"^\s*(?:(?:days?|hours?|years?|months?|units?|pcs|am|pm|l|ltr|lt|liters?|litres?|kg|inch|"
    r"inches|btu|gb|tb|mm|cm|w)\b|%|\"|"
    r"(?:ص|م|يوم|ايام|ساعه|ساعات|سنه|سنوات|شهر|اشهر|دقيقه|دقائق|كجم|كيلو|لتر|بوصه|جيجا|تيرا|ملم|سم|"
    r"واط|وحده)(?![\u0621-\u064a]))")
# "the LG 65 C4 OLED", "سوني ٥٥": a screen size or model number beside a brand, not a price.
_MODEL_BEFORE = re.compile(r"(\b(lg|sony|samsung|tcl|hisense|toshiba|philips|xiaomi|huawei|iphone|"
                           r"galaxy|bravia|oled|qled|tv|model|size)|(سوني|سامسونج|جي|شاشه|"
                           r"تلفزيون|تلفاز|مقاس))\s*$")
_MODEL_AFTER = re.compile(r"^\s*(?:[a-z]\d|oled|qled|uhd|4k|8k|pro\b|ultra\b|max\b|plus\b|"
                          r"بوصه|انش|اوليد)")
_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "both": 2,
    "اثنين": 2, "ثنتين": 2, "اثنتين": 2, "الاثنين": 2, "ثنين": 2, "الثنين": 2, "للثنين": 2,
    "للاثنين": 2, "الثنتين": 2, "للثنتين": 2, "ثلاث": 3, "ثلاثه": 3, "اربع": 4, "اربعه": 4,
    "خمس": 5, "خمسه": 5, "ست": 6, "سته": 6,
    # Arabizi: "3ndi ithnain", "thneen".
    "ithnain": 2, "ethnain": 2, "ithnein": 2, "ethnen": 2, "ithnen": 2, "thnain": 2, "thneen": 2,
    "thnen": 2, "ithneen": 2, "thalath": 3, "thalatha": 3, "arba3": 4, "arba3a": 4,
}
# How many units a count applies to, named by category (singular and dual in Arabic).
_UNIT_NOUN = {"ac": "ac_unit", "tv": "tv_unit"}
# "can I send it back?": asking whether something can be returned (normalised text).
RETURN_ASK = re.compile(
    r"\b(return|returned|returning|send (it|them|em|this|these|both|all( of them)?|the (two|2|rest)|"
    r"one|one of (them|those|the \w+)|the (extra|other|second|spare) (one|\w+)|"
    # "send just the airpods back"
    r"(just |only )?(the|my|those|these) \w+) back|"
    r"send back|give (it|them|em) back|"
    r"take (it|them|em) back|exchange)\b|"
    r"(ارجع|ارجاع|ترجيع|ارجعها|ارجعه|ارجعهم|استرجع|استرجاع|اردها|اردهم|ارده|رجعها|رجعه|"
    r"رجعت|رجعتها|رجعته|برجع|برجعها|برجعه|"
    r"نرجع|ترجعونها|ترجعونه|تسترجعون|بدل|استبدال)")
# In-ear headphones: they have their own return rule (never once opened).
EARBUDS = re.compile(r"\b(earbuds?|airpods|buds\d*|in-?ear)\b|(ايربودز|ايربود|بودز|سماعات اذن|سماعه اذن)")
# The item opened or tried, or still sealed: what the return rules turn on.
OPENED = re.compile(
    r"\b(open|opened|opening|unbox|unboxed|tried|used|wore|worn|(use|try|test|wear) (it|them|em))\b|"
    r"(فتحت|فتحتها|فتحته|فتحتهم|افتح|افتحها|افتحه|فتحها|فتحه|مفتوح|مفتوحه|جربت|جربتها|جربته|"
    r"استخدمت|استخدمتها|استعملت|استعملتها|لبستها|استخدمها|استعملها|جربها|اجربها|اجربه)")
_SEALED = re.compile(
    r"\b(unopened|sealed|never opened|not opened|(didn't|didnt|did not|dont|don't|do not|won't|wont)"
    r" (open|use|unbox)|in (the|its|their) box|unused|brand new|untouched)\b|"
    r"(مفتحتهاش|مفتحتوش|ما فتحتها|مافتحتها|ما فتحته|مافتحته|ما افتحها|ما افتحه|بدون ما افتح|"
    r"بكرتونها|بكرتونه|بكرتونته|بكرتونتها|مغلف|مغلفه|مختوم|مختومه|ما استخدمتها|ما استخدمته|"
    r"ما استعملتها|ما استعملته)")
# (Public: "yep do it, its still sealed" says how the item is, beside a yes.)
SEALED = _SEALED
# The return rules themselves asked about: the window, or what cannot go back.
_RULES_ASKED = re.compile(
    r"\b(return (window|policy|period)|how (long|many days) (do i have|to return)|"
    r"how (long|many days) i have|"
    r"(can'?t|cannot|can not|cant) be returned|non-?returnable|not returnable|"
    r"which (items|stuff|things|products) (can'?t|cannot|cant))\b|"
    r"(مده الارجاع|مهله الارجاع|سياسه الارجاع|كم يوم (الارجاع|للارجاع|ارجع|عندي|معي)|ما ينرجع|ما يترجع|"
    r"ما يمديني ارجع|لا يمكن ارجاع|وش اللي ما ينرجع|ايش اللي ما ينرجع)")
_DUALS = {"ac": ("مكيفين",), "tv": ("تلفزيونين", "شاشتين", "تلفازين")}


@dataclass(frozen=True)
class Question:
    """The parameters a question names: places, product kinds, an amount, a count, methods."""

    cities: list[City]
    remote: bool
    categories: list[str]
    amount: float | None
    units: int | None
    methods: list[str]


@lru_cache(maxsize=512)
def _city_pattern(name: str) -> re.Pattern[str]:
    if re.match(r"[a-z]", name):
        return re.compile(rf"\b{re.escape(name)}\b")
    if name.startswith("ال"):
        core = re.escape(name[2:])
        return re.compile(rf"(^| )(و|ف)?(ب|ل|ع)?(ال|ل){core}( |$)")
    return re.compile(rf"(^| )(و|ف)?(ب|ل|ع)?(ال|لل)?{re.escape(name)}( |$)")


def _words(norm: str) -> str:
    """Letters and digits only, single-spaced (punctuation would hide a city at a boundary)."""
    return " ".join(re.findall(r"[0-9a-z]+|[\u0621-\u064a]+", norm))


def cities_in(text: str, brand: BrandFacts) -> tuple[list[City], bool]:
    """The cities a text names, in order, and whether it asks about remote areas."""
    norm = _words(normalize(text))
    found: list[tuple[int, City]] = []
    for city in brand.delivery.cities:
        for name in city.names:
            m = _city_pattern(normalize(name)).search(norm)
            if m:
                found.append((m.start(), city))
                break
    remote = any(_city_pattern(normalize(n)).search(norm) for n in brand.delivery.remote_names)
    return [c for _, c in sorted(found, key=lambda x: x[0])], remote


# A bare figure this long is an identifier (a VAT number, an IBAN's digits, a tracking
# number), not a basket: nothing in a shop's catalogue costs ten million riyals.
_MAX_BARE_AMOUNT = 10_000_000


def amount_in(text: str, fees: frozenset[float] = frozenset()) -> float | None:
    """A price the text names: with its currency, or a bare figure that is not an order number,
    a phone, a count of days or a year. Of several bare figures, one of the brand's own `fees`
    ("is delivery still 99?") is the fee asked about, not the price."""
    norm = normalize(text)
    norm = _PHONE.sub(" ", _ORDER_ID.sub(" ", norm))
    bare: list[float] = []
    fee_like: list[float] = []
    for m in _NUMBER.finditer(norm):
        value = float(m.group(1).replace(",", "") + ("." + m.group(2) if m.group(2) else ""))
        after, before = norm[m.end():m.end() + 12], norm[max(0, m.start() - 8):m.start()]
        if re.match(rf"\s*{_CURRENCY}", after) or re.search(rf"{_CURRENCY}\s*$", before):
            if (_FEE_AFTER.match(norm[m.end():m.end() + 24])
                    or _FEE_BEFORE.search(norm[max(0, m.start() - 24):m.start()])):
                # "ليش حاسبين علي ٢٥ ريال توصيل؟ طلبي كان فوق ٢٥٠ ريال": the fee charged is
                # what is asked about; the order's value is the other price.
                fee_like.append(value)
                continue
            return value
        if (not _NOT_AMOUNT.match(after) and 50 <= value < _MAX_BARE_AMOUNT
                and not 1900 <= value <= 2100 and not _MODEL_BEFORE.search(before)
                and not _MODEL_AFTER.match(after)):
            bare.append(value)
    if len(bare) > 1 or (bare and re.search(r"\b(charge|charged|fee|fees|delivery|shipping)\b|"
                                             r"رسوم|توصيل|التوصيل|شحن", norm)):
        # "no delivery charge? thought ACs were 99": a figure that is one of the brand's own
        # fees, said beside the fee, is that fee, not the order's value.
        bare = [v for v in bare if v not in fees]
    if len(bare) == 1:
        return bare[0]
    return fee_like[0] if len(fee_like) == 1 and not bare else None


_FEE_BEFORE = re.compile(r"(delivery|shipping|fee|fees|charge|التوصيل|توصيل|الشحن|شحن|رسوم)"
                         r"( fee| charge| is| was| of| cost| costs)*\s*$")
# A price followed by what it paid for: "25 SAR delivery", "٢٥ ريال توصيل", "15 riyal fee".
_FEE_AFTER = re.compile(rf"\s*{_CURRENCY}\s*(for |لل|ل)?(delivery|shipping|fee|fees|cod|"
                        r"توصيل|التوصيل|شحن|الشحن|رسوم|زياده)")


def units_in(text: str, category: str) -> int | None:
    """How many units of a product kind: "3 split ACs", "مكيفين", "two TVs", "both"."""
    norm = _words(normalize(text))
    if any(f" {d} " in f" {norm} " or f"{d} " in f"{norm} " for d in _DUALS.get(category, ())):
        return 2
    for m in re.finditer(r"\b(\d{1,2})\b", norm):
        after = norm[m.end():m.end() + 10]
        # "how much for 2 units": units are what is counted here.
        counted = re.match(r"^\s*(units?|pcs|pieces|وحده|وحدات|حبه|حبات)\b", after)
        if (counted or not _NOT_AMOUNT.match(after)) and 1 <= int(m.group(1)) <= 20:
            return int(m.group(1))
    for word in norm.split():
        if word in _NUMBER_WORDS:
            return _NUMBER_WORDS[word]
        if word.startswith("ال") and _NUMBER_WORDS.get(word[2:], 0) >= 3:
            return _NUMBER_WORDS[word[2:]]  # "المكيفات الثلاثه": the three of them
    return None


def read(text: str, brand: BrandFacts, words: dict[str, tuple[str, ...]]) -> Question:
    from agent.dialogue import categories_in

    cities, remote = cities_in(text, brand)
    cats = categories_in(text, words)
    norm = normalize(text)
    methods = [m for m, p in _METHODS.items() if re.search(p, norm)]
    units = next((u for c in cats if c in brand.installation.services
                  if (u := units_in(text, c)) is not None), None)
    if units is None and not cats:
        # "طيب لو ثنتين؟", "and for 3?" after the price of one: a count with nothing else;
        # "if i install 2 of them?": a figure with what it counts.
        units = next((_NUMBER_WORDS[w] for w in _words(norm).split() if w in _NUMBER_WORDS), None)
        if units is None and (m := _COUNTED.search(norm)):
            units = int(m.group(1))
    d, p = brand.delivery, brand.payment
    fees = frozenset({d.standard_fee, d.large_fee, d.same_day_fee, p.cod_fee})
    return Question(cities=cities, remote=remote, categories=cats,
                    amount=amount_in(text, fees), units=units, methods=methods)


def _sar(value: float, lang: Lang) -> str:
    figure = f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    return f"{figure} ريال" if lang == "ar" else f"{figure} SAR"


def _days(days: tuple[int, int], lang: Lang) -> str:
    lo, hi = days
    if lang == "en":
        return f"{lo}–{hi} business days"
    # As the help centre writes ranges: "يوم إلى يومين من أيام العمل", "2 إلى 4 أيام عمل". The
    # construct dual "يومي عمل" is correct but customers read it as a typo of "يومين", so 1-2 is
    # spelt out; otherwise the noun agrees with the upper bound (plural up to 10, singular from 11).
    if (lo, hi) == (1, 2):
        return "يوم إلى يومين من أيام العمل"
    return f"{'يوم' if lo == 1 else lo} إلى {hi} {'أيام عمل' if hi <= 10 else 'يوم عمل'}"


def answer(text: str, query: str, lang: Lang, brand: BrandFacts, book: ReplyBook,
           words: dict[str, tuple[str, ...]], large: set[str],
           focus: list[str] | None = None,
           basket: tuple[float | None, list[str], bool] | None = None,
           message: str | None = None) -> list[str]:
    """The sentences the brand's figures give for this question (empty when it has no
    parameter they answer). `text` is the message; `query` adds, for a follow-up ("and to
    Jeddah?"), the question it continues, so the facets asked carry over; `focus` the kinds of
    product in the order being discussed ("is installation included?" about the washer);
    `basket` what the customer is thinking of buying: its total, its kinds of product and
    whether this message changed it ("and if I add the fridge?")."""
    q = read(text, brand, words)
    install_q = bool(_INSTALL.search(normalize(text)))
    changed = bool(basket and basket[2])
    own = set(facets.asked(text))
    # "fee to Abha? and how many days?": the same case, another of its figures.
    new_facet = query != text and bool(own - set(facets.asked(query.replace(text, " "))))
    # "…can I pay cash on delivery? and how much is delivery on it?": the delivery fee is a
    # new question beside the cash one before it.
    before = normalize(query.replace(text, " "))
    new_delivery = (query != text and bool(_DELIVERY.search(_CASH_ON_DELIVERY.sub(" ", normalize(text))))
                    and not _DELIVERY.search(_CASH_ON_DELIVERY.sub(" ", before)))
    if query != text and not (q.cities or q.remote or q.categories or q.amount or q.units
                              or q.methods or (install_q and focus) or changed or new_facet
                              or new_delivery
                              # "so how much do I pay the courier in all?": the sum of it.
                              or _TOTAL.search(normalize(text))):
        # A follow-up that names no new case ("can I pay it in instalments?") is a new
        # question about the same thing, for the help centre to answer.
        return []
    whole = read(query, brand, words) if query != text else q
    # "how much to install a split ac? i got 2 units": the count may be in another part of
    # the message, when that message names no other kind of product it could count.
    told = read(message, brand, words) if message and message != text else None
    told_units = told.units if told and len(told.categories) <= 1 else None
    asked = own if new_facet else set(facets.asked(query))
    norm = normalize(query)
    out: list[str] = []
    # "the COD fee" asks about paying cash, not about the delivery fee.
    delivery = bool(_DELIVERY.search(_CASH_ON_DELIVERY.sub(" ", norm)))
    cities = q.cities or whole.cities
    remote = q.remote or (whole.remote and not q.cities)
    cats = q.categories or whole.categories or list(focus or [])
    amount = q.amount if q.amount is not None else whole.amount
    # The VAT in a figure is about that figure; the basket only decides fees and limits.
    quoted = amount
    if basket and basket[0] is not None:
        # The whole basket decides the threshold and the limit, not the last thing named.
        amount = basket[0]
        cats = list(dict.fromkeys(cats + basket[1]))
    d = brand.delivery

    # "top-mount fridge" is a kind of fridge, not a question about mounting it.
    install = bool(_INSTALL.search(_MOUNT_TYPE.sub(" ", norm)))
    if install and mentions_fault(text):
        # "and if the screen turns out faulty after it's installed?": a fault, not the price.
        install = False
    if install:
        for cat in cats:
            service = brand.installation.services.get(cat)
            if service is None:
                continue
            visit = _days(brand.installation.visit_days, lang).replace(
                "business days", "days").replace("أيام عمل", "أيام").replace("يوم عمل", "يوماً")
            if service.price == 0:
                out.append(book.text("facts.install_free", lang, visit=visit))
            else:
                # "both units" about the order in focus names no product: count it anyway.
                units = q.units or whole.units or units_in(text, cat) or told_units or 1
                counted = arabic.count(units, _UNIT_NOUN.get(cat, "unit"), lang)
                out.append(book.text(
                    "facts.install", lang, units=counted,
                    total=_sar(service.price * units, lang), price=_sar(service.price, lang),
                    visit=visit))
        paid = [service.price * (q.units or whole.units or units_in(text, cat) or told_units or 1)
                for cat in cats if (service := brand.installation.services.get(cat)) is not None
                and service.price]
        if len(paid) >= 2:
            # "install the 3 ACs and mount the TV, how much in all?": the sum too.
            out.append(book.text("facts.install_total", lang, total=_sar(sum(paid), lang)))
        if out:
            return out
        if not cats and ("time" in asked or _SAME_DAY.search(norm)):
            # "can the technician come the day it's delivered?": when the visit is.
            visit = _days(brand.installation.visit_days, lang).replace(
                "business days", "days").replace("أيام عمل", "أيام").replace("يوم عمل", "يوماً")
            return [book.text("facts.install_visit", lang, visit=visit)]

    # "so I'd still pay the 99, right?": one of the delivery fees, named, asks about the fee.
    fee_named = any(re.search(rf"(?<![\d,.]){int(f)}(?![\d,])", normalize(text))
                    for f in (d.standard_fee, d.large_fee, d.same_day_fee))
    # ("and delivery for just the kettle? its 129": a price given with delivery asks its fee.)
    cost = ("cost" in asked or bool(_FREE.search(norm)) or fee_named
            or (delivery and q.amount is not None and "time" not in asked))
    delivery = delivery or fee_named
    same_day = bool(_SAME_DAY.search(norm)) and not _NOT_SAME_DAY.search(norm)
    same_day_city = getattr(brand.same_day_city(), lang)
    if same_day and delivery and (cost or not (cities or remote)) and not install:
        # "is there same-day delivery? how much?": where, until when, and its fee.
        if not cities or any(c.names[0] == d.same_day_city for c in cities):
            out.append(book.text("facts.same_day", lang, city=same_day_city,
                                 fee=_sar(d.same_day_fee, lang), before=d.same_day_before))
            same_day = False
    to_place = bool(_DELIVER_TO.search(norm)) and not _ADDRESS.search(norm)
    if (cities or remote) and ("time" in asked or same_day or (to_place and not cost)):
        for city in cities[:3]:
            out.append(book.text("facts.delivery_time", lang, place=getattr(city, lang),
                                 days=_days(brand.zone(city.zone).days, lang)))
            if city.names[0] == d.same_day_city and (same_day or "time" in asked):
                out.append(book.text("facts.same_day", lang, city=getattr(city, lang),
                                     fee=_sar(d.same_day_fee, lang), before=d.same_day_before))
            elif same_day:
                out.append(book.text("facts.same_day_only", lang, city=same_day_city))
        if remote:
            out.append(book.text("facts.delivery_time_remote", lang,
                                 days=_days(brand.zone(d.remote_zone).days, lang)))

    if cost and (delivery or cities or remote) and not install and not _VAT.search(norm):
        is_large = any(c in large for c in cats)
        if is_large:
            out.append(book.text("facts.fee_large", lang, fee=_sar(d.large_fee, lang),
                                 free_from=_sar(d.large_free_from, lang)))
        else:
            out.append(book.text("facts.fee_standard", lang, fee=_sar(d.standard_fee, lang),
                                 free_from=_sar(d.free_from, lang)))
        if any(c.names[0] == d.same_day_city for c in cities) and not is_large and not any(
                "same-day" in o or "نفس اليوم" in o for o in out):
            # "how much is delivery to Riyadh?": there, same-day delivery is an option too.
            out.append(book.text("facts.same_day", lang, city=same_day_city,
                                 fee=_sar(d.same_day_fee, lang), before=d.same_day_before))
        if amount is not None:
            fee, free_from = (d.large_fee, d.large_free_from) if is_large else (
                d.standard_fee, d.free_from)
            key = "facts.fee_amount_free" if amount >= free_from else "facts.fee_amount_paid"
            out.append(book.text(key, lang, amount=_sar(amount, lang), fee=_sar(fee, lang),
                                 free_from=_sar(free_from, lang), total=_sar(amount + fee, lang)))

    if _VAT.search(norm) and quoted is not None and not delivery:
        vat = round(quoted * brand.vat_rate / (1 + brand.vat_rate), 2)
        out.append(book.text("facts.vat", lang, amount=_sar(quoted, lang), vat=_sar(vat, lang),
                             net=_sar(round(quoted - vat, 2), lang),
                             rate=f"{brand.vat_rate * 100:.0f}%"))

    p = brand.payment
    # "and tabby?" after a cash-on-delivery answer asks about Tabby, not cash again.
    other_method = bool(q.methods) and "cod" not in q.methods
    methods_asked = bool(METHODS_ASKED.search(norm))
    if ((_COD.search(norm) or (methods_asked and amount is not None and amount > p.cod_limit))
            and amount is not None and not _REFUND.search(norm) and not other_method):
        if amount > p.cod_limit:
            out.append(book.text("facts.cod_over_limit", lang, amount=_sar(amount, lang),
                                 limit=_sar(p.cod_limit, lang), fee=_sar(p.cod_fee, lang),
                                 instalments=arabic.count(p.instalments, "instalment", lang)))
        else:
            out.append(book.text("facts.cod_ok", lang, amount=_sar(amount, lang),
                                 limit=_sar(p.cod_limit, lang), fee=_sar(p.cod_fee, lang)))
            if _TOTAL.search(norm) and (cats or amount >= max(d.free_from, d.large_free_from)):
                # "the fridge is 1299, what's the total I pay the driver?": its delivery fee
                # (free above the threshold for its size) and the cash fee added up. ("my order
                # is 2,800": free delivery whatever it holds, so the total needs no product.)
                is_large = any(c in large for c in cats)
                fee, free_from = (d.large_fee, d.large_free_from) if is_large else (
                    d.standard_fee, d.free_from)
                fee = 0.0 if amount >= free_from else fee
                delivery_text = _sar(fee, lang) if fee else book.label("amount.free_delivery", lang)
                out.append(book.text("facts.cod_total", lang, delivery=delivery_text,
                                     fee=_sar(p.cod_fee, lang),
                                     total=_sar(amount + fee + p.cod_fee, lang)))

    if (out and amount is None and _COD.search(normalize(text)) and not _REFUND.search(norm)
            and not other_method and not any(_sar(p.cod_limit, lang) in o for o in out)):
        # "fee for the washer? and do you have cash on delivery?": the second question too.
        out.append(book.text("facts.cod_general", lang, limit=_sar(p.cod_limit, lang),
                             fee=_sar(p.cod_fee, lang)))

    if (q.methods and "cod" not in q.methods and _METHOD_FEE.search(norm) and not delivery
            and not _REFUND.search(norm) and not install):
        # "if i pay w stc pay is there any extra fee on top?": none; only cash on delivery
        # has a fee of its own.
        named = [book.label(f"payment.{'credit' if m == 'visa' else m}", lang) for m in q.methods]
        out.append(book.text("facts.method_no_fee", lang, method=" / ".join(named),
                             fee=_sar(p.cod_fee, lang)))

    methods = q.methods or whole.methods
    # "mada or visa? and stc pay?": each method's own timing, side by side; "and mada?" after
    # a refund-timing answer: that method's.
    follow_up = query != text and bool(q.methods)
    # "the one I paid with Tamara, if I cancel it what happens to the instalments?": that
    # method's refund rule.
    if_cancelled = bool(IF_CANCELLED.search(normalize(text))) and bool(q.methods)
    if (_REFUND.search(norm) or if_cancelled) and (len(methods) >= 2 or follow_up or if_cancelled):
        for method in methods:
            label = book.label(f"payment.{'credit' if method == 'visa' else method}", lang)
            out.append(f"{label[:1].upper() + label[1:]}: "
                       + book.label(f"refund_timing.{method}", lang))
    return out


def fee_rule(data: dict[str, object], lang: Lang, brand: BrandFacts, book: ReplyBook,
             large: bool = False) -> str:
    """The delivery-fee rule an order's fee came from ("why 99 SAR delivery?"); `large`: the
    order holds a large appliance (its free delivery came from the large-appliance rule)."""
    d = brand.delivery
    fee = float(data.get("delivery_fee") or 0.0)  # type: ignore[arg-type]
    if fee == d.large_fee or (large and fee == 0.0):
        return book.text("facts.fee_large", lang, fee=_sar(d.large_fee, lang),
                         free_from=_sar(d.large_free_from, lang))
    if fee == d.same_day_fee:
        city = getattr(brand.same_day_city(), lang)
        return book.text("facts.same_day", lang, city=city, fee=_sar(d.same_day_fee, lang),
                         before=d.same_day_before)
    return book.text("facts.fee_standard", lang, fee=_sar(d.standard_fee, lang),
                     free_from=_sar(d.free_from, lang))


def return_rule(text: str, lang: Lang, policy: ReturnPolicy, book: ReplyBook,
                faulty: bool = False, earbuds: bool = False) -> list[str]:
    """"If I open the buds and don't like them, can I send them back?", "and if it's still
    sealed?": the return rule for that case, from the action policy's windows. The return
    flow cannot see whether an item was opened, so the rule is stated, not applied."""
    norm = normalize(text)
    if not RETURN_ASK.search(norm):
        return []
    sealed = bool(_SEALED.search(norm))
    opened = bool(OPENED.search(norm)) and not sealed
    if not (sealed or opened or _RULES_ASKED.search(norm) or earbuds):
        return []
    window = arabic.count(policy.window_days, "day", lang)
    defective = arabic.count(policy.defective_window_days, "day", lang)
    if faulty:
        # "the left one crackles.. does that change anything?": the faulty item's own rule.
        return [book.text("facts.return_faulty", lang, defective=defective)]
    if sealed and earbuds:
        # "if i take the airpods and dont open them can i send them back?": yes while sealed,
        # and why opening them matters.
        return [book.text("facts.return_sealed_earbuds", lang, window=window, defective=defective)]
    # "what's your return window and what can't be returned?": the window and the exceptions.
    key = "facts.return_opened" if opened or not sealed else "facts.return_window"
    return [book.text(key, lang, window=window, defective=defective)]
