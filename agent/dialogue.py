"""The dialogue state: what is in focus, what the assistant waits for, what is still open.

Every node and both brains read it (DESIGN.md, "Data flow of one customer turn"): a short or
elliptical message ("and the fridge?", "متى يوصل بالضبط؟", an email typed after a question) is
read against it instead of on its own. The state lives in the checkpointed conversation state
under `dialogue`, as a plain typed dict so checkpoints stay readable.

This module holds the pure parts: the state's shape, reading dialogue acts (yes, no, wait),
follow-ups, splitting a message into its parts, and finding which of the customer's own orders
a message means. The graph's nodes and the brains decide what to do with them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, TypedDict

from agent.basket import Item
from agent.products import SHORT_BRANDS as _SHORT_BRANDS, tokens as _tokens
from knowledge.normalize import normalize
from policies.loader import parse_yaml

Act = Literal["affirm", "deny", "hesitate"]


class _TaskContext(TypedDict, total=False):
    # What a follow-up next turn continues, when the part is searched alone ("…can it come
    # today? and do u take apple pay": the next "and if i get the LG one instead?" is about
    # both).
    context: str


class Task(_TaskContext):
    """One part of a multi-part message, still to be handled."""

    text: str
    intent: str
    confidence: float
    slots: dict[str, str]
    # What to search the knowledge base with ("and how long?" carries the part before it).
    query: str


class Dialogue(TypedDict, total=False):
    # A lookup asked beside a change waiting for its yes: once answered, the change is
    # said to still wait.
    hold_pending: bool
    # Orders the conversation is about, most recent first (named, resolved or acted on).
    focus_orders: list[str]
    # Kinds of product in the order in focus ("washer"), for "is installation included?".
    focus_categories: list[str]
    # The intent of the last question answered and the customer's words that asked it.
    topic: str | None
    topic_text: str | None
    # What the assistant asked for: order_id, contact, which_order, confirmation, human.
    awaiting: str | None
    # Orders offered when the assistant asked "which one?".
    choices: list[str]
    # The intent waiting for the customer's order to be resolved from their own orders.
    want: str | None
    # The parts of the current message still to handle, in order.
    open_tasks: list[Task]
    # The order number and contact that failed the identity check last, not to be retried.
    failed_pair: list[str] | None
    # Items (SKUs) of the order in focus the customer meant ("only the watch"); empty: all.
    focus_items: list[str]
    # A note to say before the reply to the next tool result (e.g. "one item can't be
    # cancelled alone" before the whole order's confirmation): template key and values.
    notice: dict[str, Any] | None
    # The amount the last action on the order in focus refunds (a return of one item: its price).
    amount: float | None
    # Payment method of the order in focus (what refund timings apply).
    payment_method: str | None
    # The last action asked about an order (a corrected number repeats it) and its outcome.
    last_action: str | None
    last_outcome: str | None
    # A second change asked for in the same message, waiting for the first to be settled.
    deferred: Task | None
    # What the customer is thinking of buying, for fees and payment limits (agent/basket.py).
    basket: list[Item]
    # A question about one order read through its record ("address": can its delivery address
    # still change?), kept while the identity check asked for on the way is answered.
    order_question: str | None
    # The last change summarised for a yes (a Pending), kept when a question about something
    # else drops it, so "yes send the refund request to the team" later still means it.
    offer: dict[str, Any] | None
    # Another person's order the customer asked about and was refused (privacy), so "it's
    # just the status, I'm family" is refused again rather than read as their own order.
    other_order: str | None


def of(state: dict[str, Any]) -> Dialogue:
    return dict(state.get("dialogue") or {})  # type: ignore[return-value]


def focus(d: Dialogue, order_id: str | None, **more: Any) -> Dialogue:
    """`d` with `order_id` first in focus (and any other fields replaced)."""
    out: Dialogue = dict(d)  # type: ignore[assignment]
    if order_id:
        rest = [o for o in d.get("focus_orders") or [] if o != order_id]
        out["focus_orders"] = [order_id] + rest[:4]
    out.update(more)  # type: ignore[typeddict-item]
    return out


# --- dialogue acts -----------------------------------------------------------------------------

_WORD = re.compile(r"[\w']+", re.U)
# A deny overrides anything else in the message: "no wait, don't cancel it", "خلاص لا تلغيه".
# "when would it arrive if i keep it?": a supposition, not a no.
_IF_KEEP = r"(?<!if i )(?<!if we )(?<!if u )(?<!if you )"
_DENY = re.compile(
    r"^(no|nope|nah|no no)\b|\b(don'?t|dont|do not|pls don'?t|please don'?t) (cancel|return|refund|do it|"
    r"proceed|go ahead|book)|" + _IF_KEEP + r"\bkeep (it|the order|them|my order)\b|\bnever ?mind\b|\bnevermind\b|"
    r"\bnvm\b|\bforget (it|that|about it|the (return|refund|cancel|cancellation|whole thing))\b|\bchanged my mind\b|\bleave it\b|\bi'?ll keep\b|\bstop\b|"
    r"\b(no|not) (wait|thanks|now)\b|\bactually no\b|"
    # "wait no sorry not the tv!!": a no after a word of surprise, or the thing named refused.
    r"\b(wait|oh|oops|sorry|hmm|ah|uh),? no\b|\bno,? sorry\b|\bnot (the|that|this) \w+\b"
    r"|(^| )(لا|لاء|لا|بلاش|خلاص لا|لا خلاص|لا تلغي\w*|لاتلغي\w*|لا ترجع\w*|خليه\w*|خلي الطلب|"
    r"غيرت رايي|تراجعت|لا تسوي|لا تكمل|انسي الموضوع|لا متلغيش|لا تلغيش|سيبه|خليها|"
    r"(ما|مو|مش|مب) ?(ابي|ابغي|ابغي|عايز|عاوز|بدي) ?(ا|اني )?(الغي|ارجع|الغيه|ارجعه|استرجع|الغيها))( |$)"
)
# Said with nothing waiting for a yes: "don't cancel it", "خلاص لا تلغيه", "keep it".
KEEP = re.compile(
    r"\b(don'?t|dont|do not) (cancel|return|refund)|" + _IF_KEEP + r"\bkeep (it|the order|them|my order)\b|"
    r"\bnever ?mind\b|\bnvm\b|\bforget (it|that|about it|the (return|refund|cancel|cancellation))\b|"
    r"(^| )(لا تلغي\w*|لاتلغي\w*|لا ترجع\w*|خليه\w*|بلاش|"
    r"لا تسوي|لا متلغيش|لا تلغيش)( |$)|"
    # "تراجعت عن الإلغاء. أبقِ الطلب كما هو": the change taken back, the order kept.
    r"(^| )(ابق|ابقي|ابقوا|ابقو) (الطلب|عليه|عليها)|تراجعت عن (ال)?(الغاء|ارجاع|استرداد)"
)
# A hedge holds the decision: nothing changes until the customer says yes or no.
_HESITATE = re.compile(
    r"\b(hmm+|let me think|not sure|i'?m not sure|maybe|wait|hold on|one sec|give me a (sec|minute)|"
    r"thinking|let me (check|ask|confirm)|check with (my )?\w+|ask my \w+ first)\b"
    r"|(^| )(خلني افكر|خليني افكر|مدري|ما ادري|مو متاكد|مش متاكد|لحظه|لحظه|اصبر|انتظر|شوي|"
    r"دقيقه|يمكن|مش عارف|استني|بفكر|افكر|بشاور|اشاور|خلني اتاكد|خليني اتاكد|بتاكد|"
    r"خلني اسال|بسال)( |$)"
)
# "before you cancel it, how long is the refund?", "قبل لا تلغينه.. كم ياخذ المبلغ؟": whatever
# yes came first, the decision waits for the answer.
_BEFORE_ACTING = re.compile(
    r"\bbefore (you|u|we|i) (cancel|confirm|go ahead|proceed|do (it|that)|process|book|issue|"
    r"start|return|refund|send|say yes)\w*|\bbefore (cancell?ing|confirming|returning|refunding|"
    r"booking|processing|you do (it|that))\b|"
    r"قبل (لا |ما )?(ت|ن|ا)?(لغي|لغو|كد|اكد|وكد|تاكد|نفذ|سوي|رجع|سجل|صدر|عتمد|كمل)\w*|"
    r"قبل (الالغاء|الارجاع|الاسترداد|التاكيد|التنفيذ)")


def before_acting(text: str) -> bool:
    """The message asks something first, before the change waiting for a yes is made."""
    return bool(_BEFORE_ACTING.search(normalize(text)))


def without_hedge(text: str) -> str:
    """The text after an opening hedge or acknowledgement ("wait is pickup free" -> "is pickup
    free"), for the question it carries."""
    norm = normalize(text)
    rest = re.sub(r"^(?:(?:hmm+|wait|hold on|one sec|ok|okay|oh|ah|umm+|um|uh|actually|so|but|"
                  r"and|لحظه|اصبر|استني|طيب|طب|امم+|بس|و)\b[\s,.!،]*)+", "", norm)
    return rest.strip() or norm


_YES_WORDS = frozenset(normalize(w) for w in (
    "yes", "y", "yeah", "yea", "yep", "yup", "sure", "ok", "okay", "k", "confirm", "confirmed",
    "yess", "yesss", "yass", "yeahh", "yepp", "okk", "okkk", "okayy", "suree",
    "correct", "proceed", "absolutely", "definitely", "نعم", "ايوه", "ايوا", "ايه", "اي", "اكيد",
    "تمام", "اوكي", "موافق", "يب", "اكد", "اكدت", "صح", "بلي", "بلي", "ايوه", "ايوه", "اه", "اه",
    "طبعا", "يلا", "اوك", "اكيد", "اكدي", "موافقة", "سوي", "سوو", "سويه", "سويها", "نفذ", "نفذي",
    "كمل", "كملي", "اعتمد", "اعتمدي", "ابشر", "ماشي", "حاضر", "يس", "توكل", "توكلي",
))


def act(text: str) -> Act | None:
    """The dialogue act of a reply to a yes/no question: deny beats hedge beats yes."""
    norm = normalize(text)
    # "قبل لا أأكد" is "before I confirm": its "لا" says no to nothing.
    norm = re.sub(r"قبل (لا|ما)|\bbefore (i|we) (confirm|decide|say yes|say no)\b", "قبل", norm)
    # "does it show the VAT or no?", "انشحن ولا لا؟": "or no" closes a question, no answer.
    norm = re.sub(r"\b(or|or maybe) (no|not)\b(?=\W*$)|(ولا|او|أو) (لا|لأ)(?=\W*$)", " ", norm)
    plain = " ".join(_WORD.findall(norm))
    if _DENY.search(plain):
        return "deny"
    if _HESITATE.search(plain):
        return "hesitate"
    words = plain.split()
    if words and any(w in _YES_WORDS for w in words):
        return "affirm"
    return None


# --- follow-ups ----------------------------------------------------------------------------------

# A message that leans on what came before: "and …", "what about …", "طيب و…", "وش عن …".
# "ok and the other one?", "تمام وطلب المكيف؟": an acknowledgement may come first.
_ACK = (r"^(?:(?:ok|okay|k|kk|cool|great|nice|thanks|thx|alright|right|oh|ah|hmm|tamam|ugh|uh|"
        r"fine|lol|تمام|اوكي|اوك|زين|حلو|ممتاز|شكرا|اها|اوه|طيب|طب|اف|اوف)[\s,.!،]+){0,3}")
CONTINUES = _CONTINUES = re.compile(
    _ACK + r"(and|also|(?:and |n )?(?:what|wat|wht|whta) (?:about|abt|bout)|how (?:about|abt|bout)|"
    r"same for|and for|and the|plus|"
    # "what if its a fridge", "and if it's the big one": the same question, supposing.
    r"what if (its|it'?s|it is|i get|i order|i buy)|"
    r"و|طيب و|طب و|طيب|وش عن|وشو عن|ايش عن|بالنسبه ل|بالنسبه|حتي|وبالنسبه|وكم|ومتي|وكيف|وهل|"
    r"و ?ال)\b|" + _ACK + r"و(ال|بال|لل|ب|ل|لو|كم|متي|كيف|هل|اذا|طلب)|"
    # "وطلب الماك بوك نفس الشي", "the tv order, same thing": the question before, again.
    r"\bsame (thing|for|here|again|question)\b|(نفس الشي|نفس الشيء|نفس الكلام|نفس السؤال|بالمثل)"
)
_MAX_FOLLOWUP_WORDS = 6
_WHERE_WE_ARE = re.compile(
    r"\b(we'?re|we are|i'?m|i am|im|we live|i live|living|based) (in|at) [\w-]+( city)?\b|"
    r"(^| )(احنا|انا|ساكن|ساكنه|ساكنين|نسكن|اسكن) (في|ب|بال)\s?\S+")
_SAME_AGAIN = re.compile(r"\bsame (thing|again|question|for|company|details)\b|\bthe same\b|"
                         r"\border( \d+)?( pls| please| plz)? (too|as well)\b|"
                         r"(نفس الشي|نفس الشيء|نفس السؤال|نفس الشركه|بعد\b|كمان$|برضو$|ايضا$)")
_COURTESY = {"pls", "plz", "please", "thanks", "thx", "لوسمحت", "سمحت", "لو", "فضلك", "من"}


# "it's my cousin Razan's TV", "طلب اخوي", "for my wife": an order said to be someone else's.
OTHER_PERSONS_ORDER = re.compile(
    r"\b(my|for my|it'?s my|its my|of my) (cousin|brother|bro|sister|sis|wife|husband|friend|mom|"
    r"mum|mother|dad|father|son|daughter|uncle|aunt|colleague|neighbou?r|boss|relative|family)"
    r"('?s)?\b|\bsomeone else'?s\b|\b(her|his|their) order\b|"
    r"(حق|طلب|طلبيه|اوردر|ل|لـ) ?(اخوي|اختي|زوجتي|زوجي|امي|ابوي|اخي|ولد عمي|بنت عمي|ولد خالي|"
    r"بنت خالي|صديقي|صاحبي|خويي|جاري|زميلي|قريبي|قريبتي|عمي|خالي|عمتي|خالتي|جدي|جدتي|ولدي|بنتي|"
    r"نسيبي)(?![\u0621-\u064a])|(طلب|اوردر) (واحد|شخص) ثاني")
# "come on it's just the status, im family", "عادي هو اخوي وسامح لي": pushing to see it anyway.
PUSHES_FOR_IT = re.compile(
    r"\b(just the status|just tell me|only the status|im family|i'?m family|we'?re family|"
    r"she (said|asked|allowed)|he (said|asked|allowed)|(she|he)'?s fine with it|it'?s fine|"
    r"come on|please just|with (her|his) permission)\b|"
    r"(بس الحاله|بس وش صار|عادي|سامح لي|سامحه لي|مسامح|هو طلب مني|هي طلبت مني|برضاه|برضاها|"
    r"يا شيخ|ياخي|اهل|من اهلي|قرايبي)")


def asks_same_again(norm: str) -> bool:
    """"the same for order 100254", "نفس الشي لطلب 100225": the question before, again."""
    return bool(_SAME_AGAIN.search(norm))


def only_where_they_are(text: str) -> bool:
    """"im in riyadh", "احنا في الدمام": where the customer is, and nothing else."""
    norm = normalize(text).strip(" ?؟!.,")
    rest = _WHERE_WE_ARE.sub(" ", norm)
    return rest != norm and not [w for w in _WORD.findall(rest) if w not in _COURTESY]


# "وسؤال ثاني…", "another question: …": a new question, whatever "and" opens it.
NEW_QUESTION = re.compile(r"\b(another|one more|different|other|unrelated|separate|new|last|final|quick) "
                          r"(question|q|thing)\b|"
                          r"\bside (question|note)\b|(سؤال (ثاني|اخر|آخر|جانبي|جديد|ثالث|اخير|أخير)|شي ثاني|"
                          r"موضوع (ثاني|اخر|آخر))")


def leans_on_context(text: str) -> bool:
    """Short or elliptical: only makes sense with the previous answer."""
    norm = normalize(text).strip(" ?؟!.")
    if NEW_QUESTION.search(norm):
        return False
    # "and same for the macbook order pls": courtesy words add nothing to the question.
    # "and the washing machine? we're in dammam": where they are adds a detail, not a question.
    norm = _WHERE_WE_ARE.sub(" ", norm)
    words = [w for w in _WORD.findall(norm) if w not in _COURTESY]
    if not words:
        return False
    if len(words) > _MAX_FOLLOWUP_WORDS:
        # "طيب والغسالة ميديا 8 كيلو حقت 1099؟ نفس الشي؟": a longer "and the …?" that says
        # it asks the same again.
        if len(words) <= 10 and bool(_CONTINUES.search(norm)) and bool(_SAME_AGAIN.search(norm)):
            return True
        # "طيب والثلاجة؟ ناوي آخذ ثلاجة ميديا اللي بـ ١٢٩٩": a short "and the …?" and, after
        # it, only what they are thinking of (no question of its own).
        head, mark, tail = normalize(text).replace("؟", "?").partition("?")
        return bool(mark) and len(_WORD.findall(head)) <= 3 and bool(_CONTINUES.search(head)) \
            and "?" not in tail and "؟" not in tail and not _ASKS.search(tail) and len(
                _WORD.findall(tail)) <= 10
    return bool(_CONTINUES.search(norm)) or len(words) <= 3


# --- multi-part messages -------------------------------------------------------------------------

# Where one request ends and another begins. Splitting is conservative: a part must be long
# enough to stand on its own, and the caller keeps the split only when the parts ask for
# different things.
_SPLIT = re.compile(
    # ("VAT no. for the macbook order": an abbreviation's dot ends nothing.)
    r"\s*(?:[?؟]+\s*|(?<![\s(][Nn]o)(?<![\s(][Nn]r)\.\s+|"
    r"(?<=[\s(][Nn][or])\.\s+(?!for\b|of\b|on\b|\d)|"
    r"\n+|,?\s+(?:and also|and then|also|plus|and|n|&|\+|anyway,?|anyways,?|btw,?|by the way,?)"
    r"\s+(?=(?:can|could|"
    r"what|how|when|where|why|is|are|do|does|will|would|cancel|track|return|refund|i|tell|"
    r"please|pls|check|change|whats|what'?s|wheres|where'?s|hows|how'?s|whens|when'?s|wen|wat|"
    r"wht|hw|whr|wer|r u|can u|if|has|have|did)\b"
    # "ابي الغي طلب 100303 and also كم رسوم ال COD؟": English joins an Arabic question.
    r"|(?:كم|متى|متي|وين|هل|ليش|كيف|ايش|وش|ابي|ابغى|ابغي|ممكن)(?=\s))|،?\s*(?:وكمان|وبعد|وايضا|وايضا|وبعدين|كمان|المهم|بالمناسبه|بالمناسبة|على فكره|على فكرة)،?\s+|"
    r"،\s*و(?=(?:ابي|ابغى|ابغي|الغ(?!ل)|كم|متى|متي|وين|هل|ليش|كيف|ايش|وش|ودي|لو |طلب ))|"
    # "ابي اكنسل الساعة، and the microwave one متى يشحن؟": an Arabic comma, then English "and".
    r"،\s*(?:and|also|plus)\s+)",
    re.I,
)
_MIN_PART_CHARS = 6


# A reply that opens with its answer ("Yes. Also, ...", "لا، وكم ..."): the answer stands alone.
_LEAD_ANSWER = re.compile(
    r"^\s*((?:yes|yeah|yep|ok|okay|sure|no|nope|confirm(?:ed)?|go ahead|ايه|اي|ايوه|نعم|لا|"
    r"اوكي|تمام|اكيد|اكد|موافق)(?:\s+(?:please|pls|thanks|اكد|لو سمحت))?)\s*[.,!،؛;]+\s*(.+)$",
    re.I | re.S)


def answer_and_rest(text: str) -> list[str]:
    """The message's parts when it may answer our question first: the answer, then the rest."""
    m = _LEAD_ANSWER.match(text)
    if m and len(m.group(2).split()) >= 2:
        return [m.group(1), *split_parts(m.group(2))]
    # "ايه اكيد الغيه، والفلوس متى ترجع؟": a short yes or no clause before the first comma.
    m = _FIRST_CLAUSE.match(text)
    # Up to 7 words: "لا لحظة خل الشاشة لا تلغيها، الغي المكيف بدالها" says no in six.
    if (m and len(m.group(1).split()) <= 7 and len(m.group(2).split()) >= 2
            and act(m.group(1)) is not None):
        return [m.group(1), *split_parts(m.group(2))]
    # "لا لا سوري غلطت قصدي طلب المكيف": a no, then which one was meant.
    m = _NO_THEN_MEANT.match(text)
    if m and act(m.group(1)) == "deny":
        return [m.group(1), *split_parts(m.group(2))]
    return split_parts(text)


def question_after_but(text: str) -> str | None:
    """"لا خلاص لا تلغينه خليه، بس كم ياخذ التوصيل؟", "no keep it but how long to riyadh?": the
    question a yes or no carries after "but", to be answered too."""
    m = _BUT_THEN.search(text)
    if not m or len(m.group(2).split()) < 3:
        return None
    tail = m.group(2).strip()
    return tail if ("?" in tail or "؟" in tail or _ASKS.search(normalize(tail))
                    or _ASKS_FOR.search(normalize(tail)) or _OPENS_QUESTION.match(normalize(tail))
                    ) else None


# "…btw has my kettle order shipped yet": a question by its opening word (the mark may have
# gone with the split into parts).
_OPENS_QUESTION = re.compile(r"(has|have|is|are|did|does|do|will|can|could|what|whats|which)\s")


# "…but I need a VAT invoice with the company name, still possible": asking for something
# (the question mark may have gone with the split into parts).
_ASKS_FOR = re.compile(r"\b(i need|i want|i'?d like|can i|can you|can u|could you|possible|is it)\b|"
                       r"(^| )(ابي|ابغي|ابغا|ممكن|ينفع|يصير|اقدر|محتاج|احتاج|يمديني)( |$)")


_BUT_THEN = re.compile(r"(^|\s)(?:but|bs|bas|btw|by the way|بس|لكن|بلكن|بالمناسبه|بالمناسبة|"
                       r"على فكره|على فكرة)\s+(.+)$", re.I | re.S)

_NO_THEN_MEANT = re.compile(r"^\s*(.{1,50}?)\s+((?:قصدي|اقصد|أقصد|كنت اقصد|i meant|i mean|meant)\s.+)$",
                            re.I | re.S)


_FIRST_CLAUSE = re.compile(r"^\s*([^,،.!؟?;؛]{1,60}?)\s*[,،.!;؛]+\s*(.+)$", re.S)


_ASKS = re.compile(r"\b(when|where|how long|how much|why)\b|(متي|وين|كم|ليش|امتي|ايمتي)")


def _own_question(part: str, text: str) -> bool:
    """A two-word part that is a whole question: a question word, and a question mark after
    it in the message ("ومتى يوصل؟")."""
    at = text.find(part)
    after = text[at + len(part):].lstrip() if at >= 0 else ""
    if not after.strip(" .!") and normalize(part).startswith(("و", "and ")) and _ASKS.search(
            normalize(part)) and _TOPIC_NOUN.search(normalize(part)):
        # "…متى يطلع؟ وكم تركيبه": a question of its own at the end, without its mark.
        return True
    return after[:1] in {"?", "؟"} and bool(
        _ASKS.search(normalize(part)) or _ARE_YOU.search(normalize(part))
        or _AND_THE.search(normalize(part)) or _TOPIC_NOUN.search(normalize(part)))


# "…يستلم الطلب؟ وبتجيني فاتورة؟": a topic of its own named in two words is its own question.
_TOPIC_NOUN = re.compile(r"\b(invoice|receipt|warranty|installation)\b|"
                         r"(فاتوره|الفاتوره|ضمان|الضمان|تركيب|التركيب)(ه|ها|هم)?( |$)")


# "طيب والغسالة؟": "and the washer?", the question before asked again about another thing.
_AND_THE = re.compile(r"(^| )وال[\u0621-\u064a]{2,}$")
_AND_THE_EN = re.compile(r"^((ok|okay|k|and|so|hmm|then|what about|how about|n)\s+)*(and|what about|how about|n) "
                         r"(the|a|an|my)?\s*[\w-]+( [\w-]+)?$")


def and_the(part: str) -> bool:
    """"طيب والغسالة", "ok and the washing machine": another thing, nothing else asked."""
    norm = normalize(part).strip(" ?؟.!,،")
    return len(norm.split()) <= 5 and bool(_AND_THE.search(norm) or _AND_THE_EN.match(norm))


# "انتي بوت؟ فيه موظف حقيقي؟": whether we are a bot is a question of its own, however short.
_ARE_YOU = re.compile(r"\b(bot|robot|ai|human)\b|(^| )(بوت|روبوت|ذكاء اصطناعي|انسان)( |$)")


# A bare no that stands as its own part ("…, keep it. can I change the address instead?").
_PLAIN_NO = re.compile(r"^(no|nope|nah|keep it|keep them|no wait|wait no|لا|لا لا|لا خلاص|خليه|خله|"
                       r"خلها|خليها|خلاص خليه|لا تلغيه)$")


def split_parts(text: str) -> list[str]:
    """The message's parts, in order ("fee to Riyadh, and how long?" -> two parts)."""
    parts = [p.strip(" ,،;؛") for p in _SPLIT.split(text) if p and p.strip(" ,،;؛")]
    merged: list[str] = []
    carry = ""
    for part in parts:
        # "ok, and how long…": a word or two is not a request of its own; it joins the next,
        # unless it is a question of its own ("ومتى يوصل؟ وكم اجهز للمندوب؟").
        # "…, keep it. can i change the address instead?": a short no stands alone.
        if (len(part) < _MIN_PART_CHARS or (len(part.split()) <= 2 and not re.search(r"\d{6}", part))) \
                and not (len(part.split()) == 2 and _own_question(part, text)) \
                and not _PLAIN_NO.match(normalize(part).strip(" .!,")):
            if merged and not carry and len(part.split()) <= 2 and part is parts[-1]:
                merged[-1] = f"{merged[-1]} {part}"
            else:
                carry = f"{carry} {part}".strip()
            continue
        merged.append(f"{carry} {part}".strip() if carry else part)
        carry = ""
    if carry:
        # Short pieces at the end that add up to a question ("…؟ وتركبونه انتم؟ بكم؟") are a
        # part of their own; a word or two ("…? and when?") finishes the part before.
        if merged and len(carry.split()) < 3:
            merged[-1] = f"{merged[-1]} {carry}"
        else:
            merged.append(carry)
    return merged


# --- which of the customer's orders --------------------------------------------------------------

_LAST = re.compile(
    r"\b(last(?! (month|week|year|time|night|weekend|ramadan|eid))|latest|recent|newest|most recent|"
    r"the new one|new order|newer one)\b|"
    r"(اخر|اخر|احدث)\s*(طلب|طلبيه|اوردر)|طلبي الاخير|الطلب الاخير|الطلب الجديد|طلبي الجديد|"
    r"الجديد|الجديده"
)
_ORDINALS = {
    0: re.compile(r"\b(first|1st)\b|(الاول|الاول|اول واحد|الاولي)"),
    1: re.compile(r"\b(second|2nd)\b|(الثاني|الثانيه|ثاني واحد)"),
    2: re.compile(r"\b(third|3rd)\b|(الثالث|الثالثه)"),
}
# Statuses each request is usually about, when the customer names no order.
# Defaults for intents whose catalogue flow sets no `statuses`. Tiers, most likely first: "where is my order" means the one on its way before one that is
# still being prepared; "refund my order" the one that came back before one still at home.
INTENT_TIERS: dict[str, tuple[tuple[str, ...], ...]] = {
    "track_order": (("out_for_delivery", "shipped"), ("processing", "pending")),
    "cancel_order": (("pending", "processing"),),
    "change_address": (("pending", "processing"),),
    "start_return": (("delivered",),),
    "return_request": (("delivered",),),
    "request_refund": (("returned", "return_requested"), ("delivered",)),
    "refund_status": (("returned", "return_requested"), ("refunded", "cancelled")),
}


def by_tier(orders: list[dict[str, Any]], intent: str | None,
             tiers: tuple[tuple[str, ...], ...] | None = None) -> list[dict[str, Any]]:
    for tier in tiers if tiers is not None else INTENT_TIERS.get(intent or "", ()):
        hits = [o for o in orders if o["status"] in tier]
        if hits:
            return hits
    return []


@lru_cache(maxsize=4)
def product_words(path: Path) -> dict[str, tuple[str, ...]]:
    raw = parse_yaml(path.read_text("utf-8")) or {}
    return {cat: tuple(normalize(str(w)) for w in words) for cat, words in raw.items()}


def _singulars(toks: set[str], short: bool = False) -> set[str]:
    """The tokens with the singulars of English plurals and Arabic duals added ("ACs" too
    when `short`: kind-of-product words are short, product names are not)."""
    out = set(toks)
    out |= {t[:-1] for t in toks if t.endswith("s") and len(t) >= (3 if short else 4)
            and t.isascii()}
    if short:
        out |= {t[:-2] for t in toks if t.endswith("es") and len(t) >= 5 and t.isascii()}
    out |= {t[:-3] + "ه" for t in toks if t.endswith("تين") and len(t) >= 6}
    out |= {t[:-2] for t in toks if t.endswith("ين") and len(t) >= 5 and not t.isascii()}
    # "الغلايات", "شاشات": the sound feminine plural of a word ending in ة.
    # ("ساعات العمل" are hours, not watches.)
    out |= {t[:-2] + "ه" for t in toks if t.endswith("ات") and len(t) >= 5 and not t.isascii()
            and t not in {"ساعات", "الساعات", "بساعات", "وساعات"}}
    return out


_TIME_OF_DAY = re.compile(
    r"(?<= )(اعرف|اعرفه|نعرف|وش|ايش|اي|كم|بكم|على|علي|قبل|بعد|متي|لين|حتي|تحديد|بالضبط) ال?ساعه(?= )|"
    r"(?<= )ال?ساعه (كم|الكم|بالضبط|بالظبط|كام|\d+|وحده|ثنتين|ثلاث|اربع|خمس|ست|سبع|ثمان|تسع|عشر)(?= )")


def categories_in(text: str, words: dict[str, tuple[str, ...]]) -> list[str]:
    """Product categories the text names, longest phrase first ("غساله صحون" is a dishwasher,
    not a washer)."""
    norm = " " + " ".join(re.findall(r"[0-9a-z/]+|[\u0621-\u064a]+", normalize(text))) + " "
    # ("ابي اعرف الساعه عشان اكون بالبيت", "الساعه كم يوصل": the hour, not a watch.)
    norm = _TIME_OF_DAY.sub(" ", norm)
    text = _TIME_OF_DAY.sub(" ", " " + normalize(text) + " ")
    # "2 kettles", "the ACs", "both watches", "غلايتين": a plural or dual names the kind.
    toks = _singulars(_tokens(text), short=True)
    found: list[str] = []
    at: dict[str, int] = {}
    whole = norm
    phrases = sorted(((w, c) for c, ws in words.items() for w in ws), key=lambda x: -len(x[0]))
    for phrase, cat in phrases:
        # ("وغساله الصحون": a phrase may carry "and" or a preposition on its first word.)
        joined = re.search(rf" (?:و|ف|ب|ل|وال|بال|لل)?{re.escape(phrase)} ", norm) if " " in phrase \
            else None
        hit = bool(joined) if " " in phrase else (phrase in toks)
        if hit:
            if cat not in found:
                found.append(cat)
            # ("الشاحن والمكنسة": a word may carry the article or "and" before it.)
            where = re.search(rf" (?:و|ف|ب|ل|وال|بال|لل|ال)?{re.escape(phrase)}", whole)
            at[cat] = min(at.get(cat, len(whole)), where.start() if where else len(whole))
            if " " in phrase and joined:
                norm = norm.replace(joined.group(0), " ")
                toks -= set(phrase.split()) | set(joined.group(0).split())
    if ("tv" in found and _SCREEN_OF.intersection(found) and not _TV_ITSELF.search(norm)
            and _SCREEN_FAULT.search(norm)):
        # "the tab, its screen has a green line": the screen of the phone, tablet, laptop or
        # watch named, not a TV.
        found.remove("tv")
    # In the order the customer named them ("cancel my tv order and the huawei one": the TV
    # first); the sort is stable, so a kind found only through a plural keeps its place.
    return sorted(found, key=lambda c: at.get(c, len(whole)))


_SCREEN_OF = frozenset({"phone", "tablet", "laptop", "wearable"})
# "the screen has a green line", "الشاشه فيها خط": a device's screen described, not a TV.
_SCREEN_FAULT = re.compile(r" (the |its |his |her )?(screen|الشاشه|شاشته|شاشتها) (has|is|keeps|got|"
                           r"فيها|فيه|صار|صارت|ما|مكسوره|مشروخه|تطفي|طافيه) ")
# A TV named as such, not only as "a screen".
_TV_ITSELF = re.compile(r" (tv|television|telly|تلفزيون|تلفاز|التلفزيون|تي في) ")


# Words in product names that tell nothing apart. Brand names are not among them: within one
# customer's orders "the samsung" is a good way to say which.
_GENERIC_NAME_WORDS = frozenset(normalize(
    "with and the gb tb pro max plus series inch kg l w mm cm smart wireless portable electric "
    "new مع سعه جيجابايت تيرابايت بوصه مقاس لتر كجم سم ملم واط الفئه فئه فيه الجيل برو ذاكره "
    # "24 ألف وحدة" (BTU) is no "one" ("ابي ارجع وحده").
    "وحده حده الف"
).split())




def _item_score(item: dict[str, Any], said: set[str], cats: list[str],
                category_of: dict[str, str]) -> int:
    score = 0
    if category_of.get(item.get("sku", "")) in cats:
        score += 2
    names = item.get("name") or {}
    name_toks = set().union(*(_tokens(n) for n in names.values())) if names else set()
    distinctive = {t for t in name_toks if (len(t) >= 3 or t in _SHORT_BRANDS)
                   and not t.isdigit()} - _GENERIC_NAME_WORDS
    score += len(distinctive & said)
    return score


_THAT_ONE = re.compile(
    r"\b(it|them|those|this one|that one|this order|that order|the same one|same order|the order|cancel that|"
    r"cancel this)\b|"
    r"(^| )(الغيه|الغيها|الغوه|الغه|ارجعه|ارجعها|رجعه|رجعها|تتبعه|هذا الطلب|نفس الطلب|هذي|هذا|منه|"
    r"الطلب|الاوردر|الطلبيه|"
    # "متى يوصلني؟" right after that order: it, reaching them.
    r"يوصلني|توصلني|يجيني|تجيني|يوصلنا)( |$|[?!.,،])")


# "the other one", "والغسالة الثانية": not the order in focus, another like it.
OTHER = re.compile(r"\b(the other( one| order)?|other one|the second( one| order)?)\b|"
                   r"(الثاني|الثانيه|الثانية|الطلب الثاني|الثاني حقي|الباقي|التانيه|الاخري)")


def means_that_one(text: str) -> bool:
    """"ok cancel it", "الغيه": the order we were just talking about."""
    return bool(_THAT_ONE.search(normalize(text)))


_CLOSED = {"cancelled", "refunded"}


def still_open(orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The orders not cancelled or refunded (the same product bought twice: the live one)."""
    return [o for o in orders if o["status"] not in _CLOSED]


_ONLY = re.compile(r"\b(just|only|keep|remove|without|except|alone|by itself|on its own)\b|"
                   r"(^| )(بس|فقط|خل|خلي|اشيل|شيل|احذف|بدون|ما عدا|الا|بروحه|بروحها|لحاله|لحالها|"
                   r"لوحده|لوحدها|بحاله|بحالها)( |$)")


def means_only(text: str) -> bool:
    """"cancel just the air fryer", "ابي اشيل السماعة بس": part of an order, not all of it."""
    return bool(_ONLY.search(" ".join(_WORD.findall(normalize(text)))))


def only_clause(text: str) -> str:
    """Of "I have an order with an iPad, a speaker and a charger, I want to remove just the
    speaker", the clause that says which part is meant (else the whole text)."""
    clauses = [c for c in re.split(r"[،,.؛;\n]+", text) if c.strip()]
    meant = [c for c in clauses if means_only(c)]
    clause = meant[-1] if meant and len(clauses) > 1 else text
    # "take off the air fryer and keep the earbuds": what is kept is not what is meant.
    kept = _KEEP_REST.search(clause)
    return clause[:kept.start()] if kept and kept.start() > 0 and clause[:kept.start()].strip() \
        else clause


_KEEP_REST = re.compile(r"\s(and |but |then )?(keep|leave)\b|"
                        r"\s(و|بس )?(خلي|خل|ابقي|اترك|تخلون|خلوا|تتركون)\s", re.I)


def means_last(text: str) -> bool:
    """"my last order", "آخر طلب": the newest of the orders meant."""
    return bool(_LAST.search(normalize(text)))


# Brands too short to count as a word on their own, as Arabic writes them ("تلفاز إل جي").
_SHORT_BRANDS_AR = ("ال جي", "اتش بي")


def _stem(token: str) -> str:
    """A word without its plural or article: "kettles" ~ "kettle", "الغلايات" ~ "غلايه"."""
    if token.endswith("s") and len(token) > 3 and token.isascii():
        return token[:-1]
    for lead in ("وال", "بال", "ال", "لل"):
        if token.startswith(lead) and len(token) - len(lead) >= 3:
            token = token[len(lead):]
            break
    for tail in ("ات", "ه"):
        if token.endswith(tail) and len(token) - len(tail) >= 3:
            return token[:-len(tail)]
    return token


def most_named(orders: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """Of several orders holding the product meant, those holding more of the products the
    text names ("the microwave from my order with the 2 kettles")."""
    if len(orders) < 2:
        return orders
    stems = {_stem(t) for t in _tokens(text)}

    said = " " + re.sub(r"[^\w\s]", " ", normalize(text)) + " "
    brands = [b for b in (*_SHORT_BRANDS, *_SHORT_BRANDS_AR) if f" {b} " in said]

    def held(o: dict[str, Any]) -> int:
        # How many of the words and brands the text names this order's items carry ("the
        # JBL headphones": the order with a JBL speaker beats one with Sony headphones).
        names = [n for i in o["items"] for n in (i.get("name") or {}).values()]
        own = {_stem(t) for n in names for t in _tokens(n)
               if len(t) >= 3 and not t.isdigit() and t not in _GENERIC_NAME_WORDS}
        return len(stems & own) + sum(1 for b in brands
                                      if any(f" {b} " in f" {normalize(n)} " for n in names))
    most = max(held(o) for o in orders)
    return [o for o in orders if held(o) == most]


def match_orders(
    text: str, orders: list[dict[str, Any]], intent: str | None,
    words: dict[str, tuple[str, ...]], category_of: dict[str, str],
    choices: list[str] | None = None, tiers: tuple[tuple[str, ...], ...] | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """The customer's orders `text` may mean, best first, and whether the text named a product.

    `orders` are the customer's own (newest first, as list_orders returns them). A product or
    its kind ("my fridge", "الماك بوك") picks the orders holding it; "my last order" the newest;
    "the second one" a position among `choices`; otherwise the orders whose status fits the
    request (an active one to track, a pending one to cancel...).
    """
    pool = [o for o in orders if not choices or o["order_id"] in choices] or orders
    # ("الغ اللي بتابي واللي بمدى خله": the way of paying of the order that stays names none.)
    paid = paid_with(without_kept(text))
    if paid:
        # "the one I paid with Tabby": the payment method tells two like orders apart.
        by_method = [o for o in pool if o.get("payment_method") in paid]
        if len(by_method) == 1 and (choices or len(pool) > 1):
            return by_method, True  # pointed at as surely as by name
        pool = by_method or pool
    if choices:
        for pos, pattern in _ORDINALS.items():
            if pattern.search(normalize(text)) and pos < len(pool):
                return [pool[pos]], True
    # What the message says stays ("…and I'm keeping the laptop") names no order to act on.
    basis = without_kept(text)
    said = _singulars(_tokens(basis))
    cats = categories_in(basis, words)
    scored = []
    for order in pool:
        best = max((_item_score(i, said, cats, category_of) for i in order["items"]), default=0)
        if best:
            scored.append((best, order))
    if scored:
        top = max(s for s, _ in scored)
        named = [o for s, o in scored if s == top]
        if len(named) > 1 and basis != text:
            # "cancel the watch and keep the phone": what stays still tells two orders with
            # a watch apart (the one with the phone in it).
            full_said, full_cats = _singulars(_tokens(text)), categories_in(text, words)
            again = [(sum(1 for i in o["items"] if _item_score(i, full_said, full_cats, category_of)), o)
                     for o in named]
            most = max(n for n, _ in again)
            named = [o for n, o in again if n == most]
        named = most_named(named, text)
        # The same product bought twice: one order already cancelled or refunded is not the
        # one meant when the other is still open.
        named = still_open(named) or named
        if len(named) > 1 and _LAST.search(normalize(text)):
            return named[:1], True  # "the microwave from my last order": the newest of them
        return (by_tier(named, intent, tiers) or named), True
    if _LAST.search(normalize(text)):
        return pool[:1], False
    if tiers is not None or intent in INTENT_TIERS:
        return by_tier(pool, intent, tiers), False
    return pool, False


_REFERENCE = re.compile(
    r"\b(my|the|this|that|last|latest) (order|purchase|package|parcel|delivery|stuff|item)s?\b|"
    r"\b(it|order|the whole (thing|lot))\b|(طلبي|الطلب|طلب|طلبيتي|الطلبيه|الاوردر|اوردري|شحنتي|الشحنه|مشترياتي|اغراضي)|"
    # "my return", "فلوس المرتجع حقي": the order sent back (one returned order is the one meant).
    r"\b(my|the) returns?\b|\bwhat i (sent|returned)\b|(المرتجع|مرتجعي|المرتجعات|اللي رجعته|اللي رجعتها)"
)


_ALL = re.compile(r"\b(all|everything|the whole order|whole order|whole thing|the whole lot|"
                  r"entire order|all of it|all of them|both)\b|(كله|كلها|كلهم|الطلب كامل|"
                  r"الطلب كله|كامل الطلب|جميعها|الكل|الاثنين|الاثنتين|بالكامل)")


def picks_position(text: str) -> bool:
    """"the second one", "الاخير", "my last order"."""
    norm = normalize(text)
    return bool(_LAST.search(norm)) or any(p.search(norm) for p in _ORDINALS.values())


def means_all(text: str) -> bool:
    """"all of them", "الطلب كامل": the whole order."""
    return bool(_ALL.search(normalize(text)))


_SOME = re.compile(r"\b(one of|something|smth|sth|somthing|somethin|some of|an item|one item|"
                   r"a product|one thing|part of|some items|which items?|stuff from|a thing)\b|"
                   r"(غرض|قطعه|منتج من|واحد من|شي من|بعض|جزء من|حاجه من|واحده من|كم غرض|اغراض من)")


def means_some(text: str) -> bool:
    """"something from my order", "غرض من الطلب": part of it, not yet which part."""
    return bool(_SOME.search(normalize(text))) and not means_all(text)


def refers_to_order(text: str) -> bool:
    """The message points at an order ("my order", "الطلب", "it"), not only at money or a wish."""
    return bool(_REFERENCE.search(normalize(text)))


_PAID_WITH = {
    "tabby": r"tabby|تابي", "tamara": r"tamara|تمارا", "mada": r"\bmada\b|(?<!ال)مدي(?![\u0621-\u064a])",
    "apple_pay": r"apple ?pay|ابل باي|ابل بي", "stc_pay": r"stc ?pay|اس تي سي",
    "cod": r"\bcod\b|cash on delivery|\bcash\b|كاش|نقد|عند الاستلام",
    "visa": r"\bvisa\b|فيزا", "mastercard": r"master ?card|ماستر",
}


def paid_with(text: str) -> set[str]:
    """Payment methods the text names ("اللي دفعته بتابي")."""
    norm = normalize(text)
    return {m for m, pattern in _PAID_WITH.items() if re.search(pattern, norm)}


# "the microwave, not the macbook", "بدون اللابتوب": an item named to be left out ("الا صح
# الثلاجة" is "oh right, the fridge", not "except the fridge").
_LEFT_OUT = re.compile(
    r"\b(not|except|without|but not|apart from|other than|keep|keeping|i'?ll keep|im keeping|"
    r"leave|leaving)\s+"
    r"(the\s+|my\s+)?[\w-]+(\s+(?!(keep|keeping|and|but|i|cancel|return)\b)[\w-]+)?|"
    r"(^| )(مو|مش|مب|غير|بدون|ما عدا|عدا|الا(?!\s+(صح|صحيح|صدق|اقول)(\s|$))|اخلي|بخلي|خلي|خل|وخل|وخلي|واخلي|وبخلي|تخلون|وتخلون|"
    r"خلوا|وخلوا|ابقي|وابقي|ابقوا|وابقوا|اترك|واترك)\s+[^\s.,،!?؟]+(\s+[^\s.,،!?؟]+)?|"
    # "والماك بوك خلوه عندي": the thing kept comes before the verb in Arabic.
    r"(^| )\S+(\s+\S+)?\s+(خلوه|خلوها|خلوهم|خله|خليه|خليها|خليهم|خلها|خلهم|اخليه|اخليها|اخليهم|"
    r"بخليه|بخليها|بخليهم|ابيه|ابيها|ابيهم)\s+(عندي|معي)|"
    # "الساعة خلها", "والتلفزيون خليه": one word, then "leave it".
    r"(^| )[^\s,،.!?؟]+\s+(خلوه|خلوها|خلوهم|خله|خليه|خليها|خليهم|خلها|خلهم)(?=[\s,،.!?؟]|$)|"
    # "washer n watch r fine", "kettles are ok": what stays.
    r"(\b[\w-]+\s+){1,3}(r|are|is)\s+(fine|ok|okay|good|great|perfect|staying|working|all good)\b|"
    # "the microwave stays", "the tv can stay".
    r"(\b[\w-]+\s+){1,2}(stays|can stay|will stay|stay with me)\b|"
    # "الغسالة والساعة ما فيها شي", "التاب كلش زين": nothing wrong with those.
    r"(^| )(\S+\s+){1,3}(ما فيها شي|ما فيه شي|ما فيهم شي|مافيها شي|مافيه شي|ما فيها شيء|"
    r"ما فيه شيء|كلش زين|كلها زينه|زينه|زين|سليمه|سليم|شغاله|شغال|تمام|حلو|حلوه|ممتاز|ممتازه|"
    r"كويس|كويسه|عاجبني|عاجبتني)( |$)|"
    # "أما اللابتوب فسأحتفظ به", "the laptop i'll hold on to": kept.
    r"(^| )(اما )?(\S+\s+){1,2}(فسأحتفظ|فساحتفظ|سأحتفظ|ساحتفظ|بحتفظ|راح احتفظ|احتفظ) (به|بها|بهم)(?=[\s.,،!?؟]|$)|"
    # "التاب ما ابي ارجعه": said not to go back.
    r"(^| )(\S+\s+){1,2}(ما ابي|ما ابغي|ما ابغا|مابي|مابغي) (ارجعه|ارجعها|ارجعو|ارجعهم|ارجعوه)( |$)")
# "the earbuds that came with the washer", "اللي جات مع الغسالة": the other item only locates
# the one meant.
_CAME_WITH = re.compile(
    r"\b(came|come|comes|arrived|ordered|bought|got)\s+(them |it )?with\s+(the |my )?[\w-]+|"
    r"(^| )(جات|جا|جت|جاء|جاءت|وصلت|وصل|طلبتها|طلبته|طلبتهم|اشتريتها|اشتريته|جاتني|وصلتني|"
    r"جاني|جتني|اجاني|وصلني|وصلتني|جاءني)"
    r"\s+(مع)\s+\S+(\s+(بوك|برو|بلس|ماكس|الترا|ميني|اير))?")
_RETURN_CLAUSE = re.compile(
    r"\b(return|send (\w+ ){0,3}back|refund|exchange|replace|broken|faulty|defective|crackl\w*|"
    r"doesn'?t work|not working|stopped)\b|(ارجع|ارجاع|رجع|استرجع|استبدال|بدل|معيب|خربان|خربانه|"
    r"عطلان|عطلانه|مشكله|ما يشتغل|ما تشتغل|ما يطلع|تقطيع)")
# "from my order with the 2 kettles", "من طلب الماك بوك": which order, not what goes back.
_ORDER_DESCRIBED = re.compile(
    r"\bfrom (my|the|this|that) ([\w-]+ ){0,3}order( with (the )?([\w-]+ ?){1,3})?|"
    # ("من الطلب اللي فيه الماك بوك": the order named by what else is in it.)
    r"(^| )(من|في) (طلب|الطلب|طلبي)( (اللي|الي|الذي|حق) (فيه|فيها|فيهم)?)?( \S+){0,2}")
# Another change asked in the same breath ("return the microwave, keep the kettles").
ACTION_ASKED = re.compile(r"\b(return|send (it |them )?back|refund|cancel|exchange)\b|"
                          r"(ارجع|ارجاع|رجع|الغ(?!ل)|استرجع|استبدال|بدل)")


def without_kept(text: str) -> str:
    """The text without what it says stays ("keep the tv", "الشاشة خلها", "not the tv")."""
    rest = _LEFT_OUT.sub(" ", normalize(text))
    return rest if _tokens(rest) else text


def says_only_kept(text: str) -> bool:
    """The text only says what stays ("الشواحن بخليها عندي", "keep the chargers")."""
    norm = normalize(text)
    rest = _LEFT_OUT.sub(" ", norm)
    return rest.strip() != norm.strip() and not _tokens(rest)


def staying_items(text: str, order: dict[str, Any], words: dict[str, tuple[str, ...]],
                  category_of: dict[str, str]) -> set[int]:
    """Positions of the order's items the text says stay ("keep the vacuum")."""
    norm = _CAME_WITH.sub(" ", normalize(text))
    return {k for m in _LEFT_OUT.finditer(norm) for k in _named(m.group(0), order, words, category_of)}


def items_named(text: str, order: dict[str, Any], words: dict[str, tuple[str, ...]],
                category_of: dict[str, str]) -> list[int]:
    """Positions of the order's items the text names (empty when it names none of them)."""
    norm = _CAME_WITH.sub(" ", normalize(text))
    # Items said to stay ("اللابتوب خلوه عندي", "the tab is fine") are never the ones meant.
    staying = {k for m in _LEFT_OUT.finditer(norm)
               for k in _named(m.group(0), order, words, category_of)}
    # What is kept first ("…100242 بدون الماك بوك"), then the order's own description.
    rest = _ORDER_DESCRIBED.sub(" ", _LEFT_OUT.sub(" ", norm))
    # The clause that asks for the return or names the fault says which item ("وصلني الماك
    # بوك والمايكرويف. المايكرويف ابي ارجعه بس").
    for clause in re.split(r"[،,.؛;!?؟\n]+", rest):
        if _RETURN_CLAUSE.search(clause):
            # ("the kettles r fine but i dont need 2 of them, can i send both kettles back":
            # named with the return itself, they go back, whatever "fine" said of them.)
            named = _named(clause, order, words, category_of)
            if named:
                return named
    if rest.strip() != norm.strip() and _tokens(rest):
        named = [k for k in _named(rest, order, words, category_of) if k not in staying]
        if named:
            return named
    named = [k for k in _named(norm, order, words, category_of) if k not in staying]
    left = [k for k in range(len(order.get("items") or [])) if k not in staying]
    if not named and staying and len(left) == 1 and means_only(text):
        # "ابي ارجعها هي بس، الغسالة والساعة ما فيها شي": the one not said to be fine.
        return left
    return named


def _named(text: str, order: dict[str, Any], words: dict[str, tuple[str, ...]],
           category_of: dict[str, str]) -> list[int]:
    # "the 2 chargers", "غلايتين": a plural or dual names the product as its singular does.
    said = _singulars(_tokens(text))
    cats = categories_in(text, words)
    scores = [_item_score(i, said, cats, category_of) for i in order.get("items") or []]
    top = max(scores, default=0)
    return [k for k, s in enumerate(scores) if s == top and s > 0]


# --- units of one item -----------------------------------------------------------------------

# "send one back", "return 1 of them", "ابي ارجع وحده": one unit goes back.
_ONE_BACK = re.compile(
    r"\b((send|return|give|take) (back )?(one|1|a single)|(one|1) back)\b|"
    r"(ارجع|ارجاع|ترجيع|رجع|ابي ارجع) (وحده|واحد|واحده|حبه|حبه وحده|قطعه)")
# "one of them", "just one": one unit, unless what is kept is the one ("only need one").
_ONE_OF = re.compile(r"\b((one|1) of (them|the|my)|just one|only one)\b|"
                     r"(وحده|واحد|حبه) (منهم|من ال|من (\S+ )?(ال)?\S+ اللي)|(^| )(وحده|واحد|حبه) من ")
# "I only need one", "keep one": the rest go back.
_KEEP_ONE = re.compile(r"\b((only|just) (need|want) one|keep one|need only one|want only one)\b|"
                       r"(احتاج وحده|احتاج واحد|ابي وحده بس|ابي واحد بس|اخلي وحده|اخلي واحد|"
                       r"يكفيني وحده|يكفيني واحد)")


def units_back(text: str, ordered: int) -> int | None:
    """How many of an item ordered `ordered` times go back, when the text says fewer than
    all ("I got 2 kettles, only need one, can I send one back?" -> 1); None: all of them."""
    if ordered < 2:
        return None
    norm = normalize(text)
    if _ONE_BACK.search(norm):
        return 1
    if _KEEP_ONE.search(norm):
        return ordered - 1
    if _ONE_OF.search(norm):
        return 1
    return None
