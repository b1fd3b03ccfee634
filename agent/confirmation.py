"""Recognise an explicit yes or no to a pending irreversible action.

A classifier's guess is not enough to cancel an order: "English please" must never read as
consent. Consent is a short reply containing a yes word and no negation, in either language.
"""

from __future__ import annotations

import re

from knowledge.normalize import normalize

_YES = {
    # Stretched in chat: "yess", "yesss go ahead", "okk".
    "yess", "yesss", "yass", "yeahh", "yepp", "okk", "okkk", "okayy", "suree",
    "yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "confirm", "confirmed", "correct",
    "proceed", "نعم", "ايوه", "ايوا", "ايه", "اي", "اكيد", "تمام", "اوكي", "موافق", "يب",
    "طيب", "اكد", "اكدت", "صح", "بلي", "سوها", "سوه", "سويه", "اوكيه", "yea", "absolutely", "definitely", "اوك", "ايوة", "أيوة",
    "اه", "طبعا", "تم", "اكيد", "confirming", "اكدي", "موافقه", "سوي", "سوو", "سويه", "سويها",
    "نفذ", "نفذي", "نفذه", "نفذيه", "كملي", "كمليه", "اعتمد", "اعتمدي", "تمم", "تممي", "ابشر",
    "اوكيه", "يس", "حاضر", "مشي", "ماشي", "امشي", "اؤكد", "اوكد", "مؤكد", "موكد", "اكدها", "اكدو",
    "سو",
    # "تمام توكل على الله", "على بركة الله": go ahead, in the Gulf's own words.
    "توكل", "توكلي", "توكلوا", "توكلنا", "توكلت", "بركه",
    # Arabizi yeses that reach here in Latin letters ("ok akd", "eh tmam akeed").
    "akd", "aked", "akkid", "akid", "akeed", "akkd", "tmam", "eh", "ee", "aywa", "ewa", "aiwa",
    "na3am", "n3m", "yb", "yup", "alright", "fine", "yh", "yeh", "yess", "yesss", "yas",
    # "ya go", "go": go on, do it; "ay tamam sawha" (اي، yes). (Not "ya": "ya noura" calls.)
    "go", "yah", "yuh", "ay", "ayy",
    # "ee tamam sawwha", "eh tamam kanselah": do it / cancel it, in Latin letters.
    "sawwha", "sawha", "sawiha", "sawweha", "sawih", "sawwih", "sawiih", "kanselah", "kanselha",
    "kansilah", "kanslah", "kansel", "kansil", "alghih", "alghiha", "al3'ih", "akkedh", "akidha",
    "al8ih", "al8eeh", "al8iha", "al8eha", "alghee", "alghih", "alg8ih",
}
_YES_PHRASES = ("go ahead", "do it", "please do")
_NO = {
    "no", "nope", "nah", "dont", "don't", "not", "stop", "wait", "keep", "لا", "لاء", "لأ",
    "مو", "ما", "لاتلغي", "انتظر", "اصبر", "خليه", "بلاش",
}
# Words that may accompany a yes without changing its meaning ("yes please cancel it").
_FILLER = {
    "please", "pls", "thanks", "thank", "you", "cancel", "it", "the", "order", "that", "go", "ya",
    "ahead", "do", "rw", "لو", "سمحت", "شكرا", "الغ", "الغي", "الغيه", "الغه", "الطلب", "الله",
    "يعطيك", "العافيه", "ابي", "ابغي", "تفضل", "يا", "ليت", "الالغاء", "الغاء", "الغيه", "الغيها",
    "book", "pickup", "issue", "refund", "return", "cancellation", "now", "them", "both", "sure",
    "الارجاع", "الاسترداد", "سجل", "سجله", "اصدر", "اصدره", "ارجعه", "الحين", "لي", "اياه",
    "عليه", "yalla", "يلا", "اوكي", "ok", "عادي", "كمل", "go", "for", "ahead", "with", "request",
    "and", "then", "و", "اكده", "خلاص", "ارجاع", "الاسترجاع", "استرجاع", "الطلبيه", "تحتاج",
    "تاكيد", "التاكيد", "لو", "اذا", "وحده", "واحد", "غلايه", "الحين", "بس", "يا", "نوره", "noura",
    "please", "now", "it", "cancellation", "return", "refund", "booking", "pickup", "go", "of",
    "الاثنين", "كلهم", "all", "يعافيك", "عافيه", "ya", "bro", "habibi", "حبيبي", "اخوي",
    "اختي", "الله", "جزاك", "يجزاك", "يجزيك", "خير", "tamam", "khalas", "inshallah", "ان", "شاء", "start", "arrange",
    "begin", "process", "submit", "ابدا", "ابدأ", "رتب", "رتبها",
    # "تمام اجل الغه" (then cancel it), "كذا خلاص": Gulf words that only carry the yes on.
    "اجل", "كذا", "زين", "علي",
    # "yes to both", "ايه للاثنين": the yes covers what is asked (and what waits its turn).
    "to", "للاثنين", "الثنتين", "للثنتين", "كلها",
    # "ايه الغيه كله", "ok cool yes go ahead", "امم.. طيب خلاص تمام، اطلبه": the whole of it,
    # a pleased word, a hesitation before the yes, and asking us to send the request.
    "كله", "كامل", "الكل", "cool", "great", "perfect", "nice", "k", "kk", "thx", "امم", "ام",
    "one", "too", "also", "well", "as", "كمان", "برضو", "لهم", "له", "يخليك", "يخليكم",
    "hmm", "hm", "umm", "um", "uh", "اممم", "ممم", "mmm", "hmmm", "اطلب", "ارسل", "ارسلها", "send", "submit", "raise",
    "ارسله", "ارسلوه", "ارسلوها", "لهم",
}
# Every word must still be one of consent's own; a longer yes only says more of the same.
_MAX_WORDS = 10
_WORD = re.compile(r"[\w']+", re.U)


def _words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


# Words a yes to a pending change may carry besides the usual ones ("yes do it now").
ACTION_WORDS = frozenset(normalize(w) for w in (
    "only", "just", "bas", "بس", "فقط", "do", "it", "now", "الحين", "سوي", "سويه", "نفذ",
))


# Words a yes may carry that name the pending action itself ("ايه رجعوه ابي استبدال").
TOOL_WORDS: dict[str, frozenset[str]] = {
    tool: frozenset(normalize(w) for w in words) for tool, words in {
        "start_return": ("arrange", "collect", "replacement", "replace", "exchange", "new",
                         "one", "send", "pick", "up", "take", "back", "i", "want", "a", "رجعوه", "ارجعوه", "رجعه", "رجعيه",
                         "استبدال", "بدل", "بدال", "بدالها", "بداله", "استبدلوه", "استلموه",
                         "خذوه", "تعالوا", "يستلمه", "رتبوا", "رتبي", "جديد", "جديده"),
        "cancel_order": ("الغوه", "الغيه", "الغيها", "كنسل", "كنسله", "cancell", "cancelled"),
        "request_refund": ("رجعوا", "فلوسي", "المبلغ", "money", "back", "my", "رجعها", "رجعه",
                           "ارجعها", "رجعوها", "رجعيها", "اصدره", "اصدريه", "refund", "issue",
                           "حولوها", "حولها", "حولوه", "حوله", "حول", "transfer", "send",
                           "ارفع", "ارفعه", "ارفعوه", "ارسلوه", "للفريق", "الفريق", "team",
                           "لفريق", "فريق", "الاستردادات", "refunds", "them"),
    }.items()
}


# Words a yes to our offer of a person may carry ("sure, connect me", "ايه حولني").
CONNECT = frozenset(normalize(w) for w in (
    "connect", "me", "transfer", "to", "a", "an", "person", "human", "agent", "someone",
    "somebody", "talk", "speak", "with", "real", "them", "حولني", "وصلني", "كلمني",
    "موظف", "للموظف", "إنسان", "أحد", "أكلم", "أبي", "أبغى", "بسرعة", "call", "on", "pls",
    "حوليني", "حولوني", "وصليني", "وصلوني", "كلميني", "حول", "حولي",
    "please", "now", "asap", "اتصل", "اتصلوا", "كلموني", "الحين",
))


# An object pronoun on an imperative ("اعتمده", "سجلي", "نفذوها") keeps the word's meaning.
_SUFFIXES = ("ها", "يه", "وه", "وا", "ه", "ي")
# The yes words that carry a last sentence alone ("ok, shame. yes cancel it"): not "ok" or
# "طيب", which also just acknowledge what was said.
_STRONG_YES = frozenset(normalize(w) for w in (
    "yes", "yess", "yesss", "yeah", "yeahh", "yep", "yup", "confirm", "confirmed", "proceed",
    "نعم", "ايه", "ايوه",
    "اكيد", "موافق", "اكد", "اؤكد", "اوكد", "اكدي", "اعتمد", "نفذ"))
_SENTENCE = re.compile(r"[.!\n؛;]+")


def _known(word: str, extra: frozenset[str]) -> bool:
    def ok(w: str) -> bool:
        return w in _YES or w in _FILLER or w in extra
    if ok(word) or word.isdigit():
        return True
    return any(word.endswith(s) and len(word) - len(s) >= 2 and ok(word[:-len(s)])
               for s in _SUFFIXES)


def _consents(words: list[str], extra: frozenset[str]) -> bool:
    if not words or len(words) > _MAX_WORDS or any(w in _NO for w in words):
        return False
    joined = " ".join(words)
    stems = {w[:-len(s)] for w in words for s in _SUFFIXES if w.endswith(s)}
    if not (any(w in _YES for w in words) or stems & _YES
            or any(p in joined for p in _YES_PHRASES)):
        return False
    return all(_known(w, extra) for w in words)


# A short reply that opens with an outright yes ("ee tamam sawwi lee tadhkara", "ايه ارسله
# للفريق الله يجزاك خير") is consent whatever else it says, unless it asks, turns ("but"),
# or says no anywhere: the rest of a yes only says how gladly.
_LEAD_YES = _STRONG_YES | frozenset(("ee", "eh", "aywa", "ewa", "aiwa", "na3am", "n3m", "ايوا"))
_LEAD_MAX_WORDS = 8
_ASKS_OR_TURNS = re.compile(
    r"[?؟]|\b(how|when|what|why|where|which|but|instead|however|also|other|another)\b|"
    r"(^| )(كم|متى|وش|ايش|ليش|وين|هل|كيف|لكن|بدال|بدل|وشلون|شلون|كمان|وكمان|ثاني|الثاني|"
    r"الثانيه|الاخر)( |$)")


# Sounds that only acknowledge before the yes ("oh ok, yes please send it to them").
_BEFORE_YES = frozenset(normalize(w) for w in (
    "oh", "ohh", "ah", "ahh", "ok", "okay", "okk", "alright", "right", "hmm", "well", "so",
    "اها", "اوه", "طيب", "تمام", "اوكي", "اوك", "امم", "اها،"))


def _leads_with_yes(text: str, words: list[str]) -> bool:
    if not words or any(w in _NO for w in words) or _ASKS_OR_TURNS.search(normalize(text)):
        return False
    lead = 0
    while lead < min(2, len(words) - 1) and words[lead] in _BEFORE_YES:
        lead += 1
    if lead and words[lead] in _STRONG_YES:
        words = words[lead:]
    if len(words) <= _LEAD_MAX_WORDS:
        return words[0] in _LEAD_YES
    # "ايه ارسلوه للفريق بس بسرعه، والله تعبت، كل مره نفس السالفه": the yes is the first
    # clause; what follows vents, and neither asks nor says no.
    first = _words(_CLAUSE.split(text, maxsplit=1)[0])
    return bool(first) and len(first) <= _LEAD_MAX_WORDS and first[0] in _LEAD_YES


_CLAUSE = re.compile(r"[,،.!\n؛;]+")


def is_yes(text: str, extra: frozenset[str] = frozenset()) -> bool:
    """An explicit yes; `extra` words may accompany it (e.g. CONNECT for the human offer)."""
    words = _words(text)
    if _consents(words, extra) or _leads_with_yes(text, words):
        return True
    # "ok shame about the invoice. yes cancel 312": the last sentence answers the question,
    # when it says yes outright and nothing in the message says no or asks something.
    sentences = [s for s in _SENTENCE.split(text) if _words(s)]
    if len(sentences) < 2 or "?" in text or "؟" in text:
        return False
    if any(w in _NO for w in _words(text)):
        return False
    last = _words(sentences[-1])
    return any(w in _STRONG_YES for w in last) and _consents(last, extra)


# The pending action ordered outright ("الغه", "cancel it then"): a yes in the action's own verb.
_ORDERS: dict[str, frozenset[str]] = {
    tool: frozenset(normalize(w) for w in words) for tool, words in {
        "cancel_order": ("الغه", "الغيه", "الغيها", "الغوه", "الغوها", "كنسله", "كنسلوه",
                         "كنسليه", "cancel"),
        "start_return": ("رجعوه", "ارجعوه", "رجعيه", "سجلوه", "سجليه", "سجله", "احجزه",
                         "احجزيه", "book", "return"),
        "request_refund": ("اصدره", "اصدريه", "رجعوها", "refund", "issue"),
    }.items()
}
_ORDER_FILLER = frozenset(normalize(w) for w in (
    "خلاص", "يلا", "الحين", "طيب", "تمام", "then", "now", "just", "it", "please", "pls", "ok",
    "okay", "go", "ahead", "لو", "سمحت", "سمحتي", "الله", "يعافيك", "the", "order", "الطلب"))


def orders_it(text: str, tool: str) -> bool:
    """"خلاص كلمته، الغه" while its cancellation waits: the last clause orders the pending
    action in its own verb and says nothing else, so it is the yes."""
    verbs = _ORDERS.get(tool, frozenset())
    if not verbs or "?" in text or "؟" in text or any(w in _NO for w in _words(text)):
        return False
    last = _words([c for c in _CLAUSE.split(text) if _words(c)][-1]) if _words(text) else []
    return (any(w in verbs for w in last)
            and all(w in verbs or w in _ORDER_FILLER for w in last))


def is_no(text: str) -> bool:
    words = _words(text)
    return bool(words) and len(words) <= _MAX_WORDS and any(w in _NO for w in words)
