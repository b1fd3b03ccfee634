"""Questions with more than one facet: "how much is delivery to Jeddah and how long?".

A help-centre entry usually answers one facet (the fee, or the time). When the customer asks
about cost and duration and the best passage states only one of them, the passage that states
the other (found by a second search with the facet's words) is added to the answer, so no part
of the question is silently dropped.
"""

from __future__ import annotations

import re
from typing import Literal

from knowledge.normalize import normalize

Facet = Literal["cost", "time", "coverage"]

# What asks for a facet (on normalised text: ة->ه, ى->ي, أ/إ/آ->ا).
_ASKS: dict[Facet, re.Pattern[str]] = {
    "cost": re.compile(
        r"\b(how much|cost|costs|price|fee|fees|charge|charges|pay for|"
        r"pay (the )?(delivery|shipping))\b|(ادفع|بدفع|ندفع) (رسوم )?(ال)?(توصيل|شحن)|"
        # "whats delivery on the redmi buds, theyre 169": what delivery comes to for it.
        r"\b(what'?s|whats|wats|what is) (the )?(delivery|shipping)\b"
        r"(?! (time|times|date|days|duration|period|like|status|address|company|partner))|"
        # Arabizi: "kam el delivery", "b kam" (not "kam yom", how many days).
        r"\b(b ?kam|kam)\b(?! (yom|youm|yoom|ayam|day|days))|"
        # "is delivery still 99?", "التوصيل ب 99؟": a figure put to the fee is asking it.
        r"\b(delivery|shipping) (is |still |stays )*\d{2,4}\b|(التوصيل|الشحن) (ب|بـ )?\d{2,4}|"
        # ("عندكم توصيل للقرى؟" asks whether, not how much: "كم" is a word of its own.)
        r"((?<![\u0621-\u0647\u0649-\u064a])كم (سعر|رسوم|تكلفه|قيمه|حق)|بكم|بكام|رسوم|تكلفه|سعر|كم يكلف|كم تكلف|كم الرسوم|حق التوصيل|"
        r"قديش|بقديش|(^| )كام(?!\w)|(التوصيل|الشحن|توصيل|شحن)( \S+)? (كم|كام)(?!\w)|"
        r"(?<![\u0621-\u0647\u0649-\u064a])كم (التوصيل|الشحن|توصيل|شحن)|"
        # "kam el delivery", spelled in Arabic letters around the English word.
        r"كم (ال ?)?(delivery|shipping|dilivery|delivry)\b)"),
    "time": re.compile(
        r"\b(how long|how many (business |working )?days|when will|how soon|how fast|delivery time|takes?)\b|"
        r"\b(kam (yom|youm|yoom|ayam)|mata|meta|mita)\b|"
        r"(كم يوم|كم ياخذ|كم تاخذ|قد ايه|متي يوصل|متي توصل|مده|المده|كم مده|بياخد|ياخد|ايام|"
        r"يستغرق|تستغرق|كم يطول|متي يصل|متي تصل)"),
    # "is it still under warranty?", "عليها ضمان؟": whether (and so how long) it is covered.
    "coverage": re.compile(
        r"\b((still |even )?(under|in|within|covered by) (the |its |their )?(manufacturer'?s? )?"
        r"(warranty|guarantee)|is (it|this|that) (still )?covered|are (they|these) (still )?covered|"
        r"(has|have|got|comes? with) (a |any )?(warranty|guarantee))\b|"
        r"((عليه|عليها|عليهم|فيه|فيها|له|لها) (ال)?ضمان|(داخل|مشمول|مشموله|يشمله|يشملها|تحت) "
        r"(في )?(ال)?ضمان|بالضمان|ضمان ولا لا|ضمان او لا)"),
}
# What states it: a figure with its unit.
_STATES: dict[Facet, re.Pattern[str]] = {
    "cost": re.compile(r"\d[\d,.]*\s*(sar|riyals?|ريال|ر\.س)|(sar|ريال)\s*\d|\bfree\b|مجان|"
                       # "the price depends on the product": what it costs, said without a figure.
                       r"\bprice (depends|varies)\b|(يختلف|ويختلف) السعر|السعر (يختلف|يعتمد)"),
    "time": re.compile(r"\d\s*(–|-|to|الي|إلى)?\s*\d*\s*(business )?(days?|hours?|يوم|ايام|ساعه|ساعات)|"
                       r"(day|يوم) (to|الي) \d|same[- ]day|نفس اليوم"),
    "coverage": re.compile(r"\b(\d|two|three) (more |extra )?years?\b|(سنتين|سنتان|عامين|\d سن)"),
}
# Words added to the query to find the passage that states the facet, per language.
_HINTS: dict[Facet, dict[str, str]] = {
    "cost": {"en": "fee cost SAR", "ar": "رسوم ريال"},
    "time": {"en": "how many business days", "ar": "كم يوم عمل مدة"},
    "coverage": {"en": "how long is the warranty years", "ar": "مدة الضمان كم سنة"},
}


# How the help centre names the products with their own delivery fee and rules.
LARGE_APPLIANCES = {"en": "large appliances", "ar": "الأجهزة الكبيرة"}
_STOP = re.compile(r"\b(and|the|to|how|much|long|does|it|take|is|what|a|for|of|in|do|you|i|my)\b|"
                   r"(^| )(كم|و|ال|هل|في|من|الى|على|متي|وكم|يوم|ياخذ)( |$)")


def topic_words(question: str) -> str:
    """The earlier question without its question words ("fee to jeddah" -> "fee jeddah")."""
    return " ".join(_STOP.sub(" ", normalize(question)).split())


# Something that does not happen or work ("the code doesn't come", "ما يجيني الكود"): the
# customer wants the entry about that problem, not the one about the normal case.
_PROBLEM = re.compile(
    r"\b(not (coming|arriving|working|received|receiving|getting)|(didn't|didnt|did not|haven't|"
    r"havent|have not|never) (get|got|receive|received|arrive|arrived|come|came)|"
    r"(doesn't|doesnt|does not|isn't|isnt|won't|wont|can't|cant|cannot) (work|arrive|come|go through|"
    r"sign in|log ?in|load)|no (otp|code|sms)|failed|failing|rejected|declined|keeps? failing|"
    r"(charged|deducted|billed|paid) (me )?(twice|two times|double)|double[- ]charged)\b|"
    r"(ما يوصل|ما يوصلني|ما وصلني|ما وصل|ما جاني|ما يجيني|ما يجي|ماجاني|مايجيني|مايوصل|ما تجيني|"
    r"لم يصل|لم يصلني|لا يصل|لا يصلني|ما يشتغل|ما اشتغل|لا يعمل|ما يقبل|مرفوض|يرفض|ترفض|انرفض|"
    r"فشل|فشلت|ما قدرت|ما اقدر|لا استطيع|لم استطع|معلق|ما يفتح|"
    r"(انخصم|خصم|خصمتوا|خصمتو|انسحب|سحب|اندفع|دفعت)\S*( \S+){0,2} (مرتين|دبل)|تكرر الخصم|خصم مكرر)")


def problem(text: str) -> bool:
    """The text tells of something that does not happen or work."""
    return bool(_PROBLEM.search(normalize(text)))


def asked(question: str) -> list[Facet]:
    norm = normalize(question)
    return [f for f, pattern in _ASKS.items() if pattern.search(norm)]


def states(text: str, facet: Facet) -> bool:
    return bool(_STATES[facet].search(normalize(text)))


def covered(title: str, answer: str) -> set[Facet]:
    """What a passage is about: the facets its own question (title) asks, or, for a title
    that asks none ("Do you offer free shipping?"), those its answer states. A figure in
    passing ("same-day delivery for 49 SAR" under "how long does delivery take") does not
    make a passage about cost."""
    by_title = set(asked(title))
    # (How long a warranty lasts is said in years, whatever its question asks: "How long is
    # the warranty?" covers "is it still covered?".)
    coverage = {"coverage"} if states(answer, "coverage") else set()
    return (by_title | coverage) if by_title else (
        {f for f in _STATES if states(answer, f)})


def missing(question: str, title: str, answer: str) -> list[Facet]:
    """The facets asked about that the passage does not cover."""
    have = covered(title, answer)
    return [f for f in asked(question) if f not in have]


def hint(facet: Facet, lang: str) -> str:
    return _HINTS[facet]["ar" if lang == "ar" else "en"]
