"""Slot extraction from one customer message, in English and Arabic, in any digit script.

Slots (all values are strings, so they live in checkpointed state as they are):
- order_id: RW-123456 (from "RW-123456", "#123456", "طلب ١٢٣٤٥٦")
- email, phone (+9665XXXXXXXX from 05..., +9665..., 009665..., with spaces or dashes), and
  contact (whichever of the two was given, for identity checks)
- amount (a decimal, e.g. "1299.5") with currency "SAR", from "SAR 1,299.50", "٢٥٠ ريال", "250 ر.س"
- date (ISO, e.g. "2026-11-22") from dates and relative dates: today, yesterday, tomorrow,
  "3 days ago", أمس, البارحة, بكرة, قبل يومين, 20/11/2026, 20 نوفمبر
- product (SKU) and product_name, when a product of the catalogue is named (agent.products)
"""

from __future__ import annotations

import re
from functools import lru_cache
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from knowledge.normalize import normalize, tokenize
from tools.contact import normalize_phone, to_ascii_digits

if TYPE_CHECKING:
    from agent.products import ProductMatcher

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.U)
_PHONE = re.compile(r"(?<![\d-])(?:\+|00)?(?:966[\s-]?)?0?5(?:[\s-]?\d){8}(?!\d)")
_ORDER = re.compile(r"(?:\bRW[\s#-]*|#)?(?<!\d)(\d{6})(?!\d)", re.I)

# Arabic decimal and thousands separators (٫ ٬) become ASCII before numbers are read.
_SEPARATORS = str.maketrans({"٫": ".", "٬": ","})
_NUMBER = r"(\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)"
_CURRENCY = r"(?:sar|sr|s\.r\.?|saudi riyals?|riyals?|ryals?|rials?|ر\.?\s?س\.?|ريالات|ريالا|ريال)"
_AMOUNT = re.compile(
    rf"(?<![\w.]){_CURRENCY}\s?{_NUMBER}(?![\d])|(?<![\d.,]){_NUMBER}\s?{_CURRENCY}(?![a-z])", re.I
)

_MONTHS = {
    **{m: i for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"], 1)},
    **{m[:3]: i for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"], 1)},
    "sept": 9,
    # Gulf usage: Egyptian/Gulf Gregorian names (normalised spelling).
    **{normalize(m): i for i, m in enumerate(
        ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
         "أكتوبر", "نوفمبر", "ديسمبر"], 1)},
    normalize("إبريل"): 4, normalize("اغسطس"): 8, normalize("يونيه"): 6, normalize("يوليه"): 7,
}
_MONTH_ALT = "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True))
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_DMY = re.compile(r"(?<![\d/.-])(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}|\d{2}))?(?![\d/.-])")
_DAY_MONTH = re.compile(rf"(?<!\d)(\d{{1,2}})\s*(?:of\s+)?({_MONTH_ALT})\b\.?(?:,?\s*(\d{{4}}))?", re.I)
_MONTH_DAY = re.compile(rf"\b({_MONTH_ALT})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s*(\d{{4}}))?", re.I)

# Relative dates, matched on the normalised text (see knowledge.normalize).
_RELATIVE: list[tuple[re.Pattern[str], int]] = [
    (re.compile(p, re.I), days)
    for p, days in [
        (r"\bday before yesterday\b|(?:قبل|اول) (?:امس|البارحه)", -2),
        (r"\bday after tomorrow\b|بعد (?:بكره|بكرا|باكر|غدا)", 2),
        (r"\byesterday\b|(?<![\w])(?:امس|البارحه|البارح|يوم امس)(?![\w])", -1),
        (r"\btomorrow\b|(?<![\w])(?:بكره|بكرا|باكر|غدا|غدوه)(?![\w])", 1),
        (r"\btoday\b|\btonight\b|(?<![\w])(?:اليوم|الحين اليوم|الليله)(?![\w])", 0),
    ]
]
_AGO_EN = re.compile(r"\b(\d{1,3}|a|an|one|two|three|four|five|six|seven)\s+(day|week)s?\s+ago\b", re.I)
_AGO_AR = re.compile(r"(?:قبل|من|صار له|صار لي|لي|له)\s+(?:(\d{1,3})\s+)?(يوم|يومين|ايام|اسبوع|اسبوعين|اسابيع)(?![\w])")
_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                 "seven": 7}


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def extract_date(text: str, today: date) -> date | None:
    """The first date a message mentions, resolved against `today` (day-first, as in the Gulf)."""
    norm = normalize(text).translate(_SEPARATORS)
    if m := _ISO_DATE.search(norm):
        return _safe_date(int(m[1]), int(m[2]), int(m[3]))
    for pattern, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        if m := pattern.search(norm):
            month = _MONTHS[m[month_group].lower()]
            year = int(m[3]) if m[3] else today.year
            found = _safe_date(year, month, int(m[day_group]))
            if found:
                return found
    if m := _DMY.search(norm):
        year = int(m[3]) if m[3] else today.year
        year = year + 2000 if year < 100 else year
        found = _safe_date(year, int(m[2]), int(m[1]))
        if found:
            return found
    for pattern, days in _RELATIVE:
        if pattern.search(norm):
            return today + timedelta(days=days)
    if m := _AGO_EN.search(norm):
        n = int(m[1]) if m[1].isdigit() else _WORD_NUMBERS[m[1].lower()]
        return today - timedelta(days=n * (7 if m[2].lower() == "week" else 1))
    if m := _AGO_AR.search(norm):
        unit = m[2]
        n = int(m[1]) if m[1] else (2 if unit in {"يومين", "اسبوعين"} else 1)
        if m[1] is None and unit in {"ايام", "اسابيع"}:
            n = 3  # "قبل أيام" (a few days ago): the usual reading
        return today - timedelta(days=n * (7 if unit.startswith("اسبوع") or unit == "اسابيع" else 1))
    return None


def extract_amount(text: str) -> Decimal | None:
    norm = normalize(text).translate(_SEPARATORS)
    m = _AMOUNT.search(norm)
    if not m:
        return None
    raw = (m[1] or m[2]).replace(",", "")
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


# "auto_approve_up_to=999999" in a pasted "policy": a setting's value, never an order number.
_SETTING = re.compile(r"[A-Za-z_]+\s*=\s*\d+")


def order_ids(text: str) -> list[str]:
    """Every order number in a message, in order ("cancel 100297 and 100310")."""
    plain = _SETTING.sub(" ", to_ascii_digits(text)).translate(_SEPARATORS)
    plain = _PHONE.sub(" ", _EMAIL.sub(" ", plain))
    rest = _AMOUNT.sub(" ", normalize(plain))
    return list(dict.fromkeys(f"RW-{m.group(1)}" for m in _ORDER.finditer(rest)))


# Between two order numbers: the first was a slip ("sorry", "i meant", "غلطت", "قصدي").
_CORRECTED = re.compile(r"\b(sorry|sry|oops|i meant|i mean|meant|wrong|typo|correction|actually|"
                        r"ghlat|ghalat|ghlt|as7a|asdi|a9di|qasdi)\b|"
                        r"(غلط|غلطت|قصدي|اقصد|اسف|آسف|سوري|لا لا|الصح|الصحيح|عفوا)")


def extract(
    text: str, today: date | None = None, products: "ProductMatcher | None" = None
) -> dict[str, str]:
    """Slots found in one message (see the module docstring for the names and forms)."""
    plain = _SETTING.sub(" ", to_ascii_digits(text)).translate(_SEPARATORS)
    slots: dict[str, str] = {}
    email = _EMAIL.search(plain)
    if email:
        slots["email"] = email.group(0).lower()
        plain = plain.replace(email.group(0), " ")
    for match in _PHONE.finditer(plain):
        phone = normalize_phone(match.group(0))
        if phone:
            slots["phone"] = phone
            plain = plain.replace(match.group(0), " ")
            break
    amount_match = _AMOUNT.search(normalize(plain))
    if amount_match:
        amount = extract_amount(amount_match.group(0))
        if amount is not None:
            slots["amount"] = _plain(amount)
            slots["currency"] = "SAR"
    # An amount ("250000 SAR") is not an order number, nor a date.
    rest = _AMOUNT.sub(" ", normalize(plain))
    found = list(_ORDER.finditer(rest))
    order = found[0] if found else None
    if len(found) > 1 and _CORRECTED.search(rest[found[0].end():found[-1].start()]):
        # "100265... la sorry ghlat 100256", "100265 لا قصدي 100256": the number after the
        # correction is the one meant.
        order = found[-1]
    if order:
        slots["order_id"] = f"RW-{order.group(1)}"
        rest = rest.replace(order.group(0), " ")
    contact = slots.get("email") or slots.get("phone")
    if contact:
        slots["contact"] = contact
    if today is not None:
        when = extract_date(rest, today)
        if when:
            slots["date"] = when.isoformat()
    if products is not None:
        product = products.find(mask(text))
        if product:
            slots["product"] = product.sku
            slots["product_name"] = product.name.get("en", product.sku)
    return slots


# A faulty or damaged product has a longer return window (actions.yaml).
_FAULT = re.compile(
    r"\b(broken|broke|defective|faulty|damaged|not working|doesn'?t work|won'?t (turn on|work)|"
    # "one of them doesnt even work", "it does not even turn on".
    r"(?<!\bi )(doesn'?t|does not|don'?t|do not|won'?t|isn'?t|is not|not) even (work|working|turn on|charge|"
    r"charging|power on)|does not work|do not work|"
    r"(doesn'?t|does not|won'?t|not|isn'?t|stopped) (spin|spinning|drain|draining|drying|freezing|"
    r"cooling down|heating up)|"
    r"stopped working|stopped charging|stops working|stop working|stops charging|"
    r"(won'?t|doesn'?t|does not|can'?t|cannot|not) focus(ing)?|stopped focusing|won'?t charge|doesn'?t charge|not charging|not cooling|"
    r"doesn'?t cool|doesn'?t heat|isn'?t (cooling|working|charging|heating)|not heating|won'?t heat|leaks?|leaking|dead on arrival|cracked|crackling|no sound|screen flickers?|"
    r"keeps turning off|turns off by itself|faulty|defect|crackles|crackle|crackly|buzzing|cuts out|"
    r"swollen|swelling|bulging|overheats|overheating|"
    r"sparks|sparking|smoke|smoking|overheats|overheating|rattles|rattling|loud noise|"
    r"shakes violently|won'?t (connect|pair|charge|start)|stopped (cooling|heating|connecting)|"
    # "wasal with a crack in the door glass", "dead pixels", "a dent in the side".
    r"(a|with) (crack|dent|scratch|chip)|dead pixels?|arrived (broken|damaged|smashed)|smashed|"
    r"shattered)\b|"
    r"(خربان|خربانه|خربانة|خربت|خرب|عطلان|عطلانه|معطل|معطله|معطلة|تالف|تالفه|تالفة|مكسور|مكسوره|"
    r"مكسورة|ما ?يشتغل|ما ?تشتغل|وقف عن الشغل|فيه عطل|فيها عطل|ما ?يبرد|ما ?تبرد|ما ?يشحن|"
    r"ما ?تشحن|ما ?يسخن|ما ?تسخن|ما ?يطبع|ما ?يشغل|ما ?يعمل|ما ?تعمل|ما ?يفتح|ما ?يقلع|يسرب|تسرب|يخر|تخر|ما ?يطلع صوت|لا تعمل|لا يعمل|ما تشتغل|خربت|خرب|فيه مشكله|"
    r"فيها مشكله|فيه مشكلة|فيها مشكلة|تطفي|يطفي|ينطفي|تنطفي|تفصل كل|يفصل كل|ما تتصل|ما يتصل|ما تقرن|فيه عيب|فيها عيب|معيوب|معيوبه|عيب مصنعي|"
    r"فيه كسر|فيها كسر|مشروخ|مشروخه|فيه شرخ|فيها شرخ|انكسر|انكسرت|مطعوج|مطعوجه|بكسل ميت|بكسلات ميته|"
    r"ما ?تطلع صوت|ما فيها صوت|ما فيه صوت|تهز بقوه|تهز بقوة|يهز بقوه|صوت عالي|تشرر|يشرر|شرار|"
    r"يدخن|تدخن|طلع دخان|يطلع دخان|تقطع الصوت|يقطع الصوت|ما ?تقرا|ما ?يقرا|"
    r"خطوط في الشاشه|خط في الشاشه|بكسلات|ما ?تسحب|ما ?يسحب|حراره زايده|تسخن بزياده|"
    # "يعني معيبة", "فيها تقطيع", "ما يطلع منها صوت", "شاشته فيها خط"
    r"معيب|معيبه|معيبة|تقطيع|تقطّع|يقطّع|ما ?(ي|ت)طلع (منها|منه|منهم) ?صوت|"
    r"(شاشته|شاشتها|الشاشه|الشاشة) فيها (خط|خطوط)|"
    # "صار فيها خلل بالشحن", "فيه خلل", "dead pixels", "stopped holding charge".
    r"(فيه|فيها|صار فيه|صار فيها|في) (خلل|عطل|خراب)|خلل (في|ب)|"
    r"dead pixels?|(stopped|won'?t|doesn'?t) hold(ing)? (a )?charge|died after|just died|"
    r"(it|they|theyre|they're|its|it's|it is) dead|"
    # "طلع فيها خشخشة", "وقفت عن العصر": a crackle, a washer that stopped spinning.
    r"(اليسار|اليمين|اليسري|اليمني|الصوت) (ت|ي)قطع|(ت|ي)قطع (الصوت|فيها|فيه|كل شوي)|منتفخه|منتفخة|منتفخ|انتفخت|انتفخ|خشخشه|خشخشة|خشخش|تشويش|طنين|وشوشه|(فيها|فيه) (زن|صفير)|(وقفت|وقف) عن (العصر|التبريد|الشحن|التسخين)|ما ?(ت|ي)عصر|"
    # "وقف يسخن", "بطلت تعصر", "صارت تفصل لحالها": stopped doing its job, in Gulf words.
    r"(وقف|وقفت|بطل|بطلت|تبطل|يبطل) (ي|ت)(سخن|برد|عصر|شحن|شتغل|نشف|شفط|طبع)|"
    r"(تفصل|يفصل|تطفي|يطفي) (لحالها|لحاله|بروحها|بروحه|فجاه|فجأه)|"
    r"stopped (spinning|draining|working properly)|(keeps|kept) cutting out|cutting out|cut out|"
    r"(keeps|kept) (disconnecting|dropping|losing (connection|signal)|turning off|restarting)|"
    r"won'?t (connect|pair)|doesn'?t (connect|pair)|not (connecting|pairing)|"
    r"leaked|leaks water|leaking water|"
    # "a green line across the screen", "black screen", "شاشة سودا".
    r"(green|pink|white|purple|blue|black|grey|gray) lines?|lines? (on|across|in|down) (the |my )?"
    r"(screen|display)|black screen|screen (is |went )?(black|blank|dead)|(won'?t|doesn'?t|does not|"
    r"will not) (turn|switch|power) on|(شاشه|الشاشه) (سودا|سوداء|سوده)|"
    r"(خط|خطوط) (اخضر|خضر|ابيض|بيض|وردي|بنفسجي|ازرق|اسود|سود)? ?(في|ب|على) ?(ال)?شاش[هة]|"
    # "makes a crazy banging noise on spin", "وحده منها طفت وما عاد تشتغل", "تطلع صوت غريب".
    r"(banging|grinding|clicking|squeaking|squealing|screeching|strange|weird|crazy|funny|"
    r"horrible|scary|knocking|thumping) (noise|noises|sound|sounds)|\bbanging\b|"
    r"ما ?عاد (ي|ت)?(شتغل|يشتغل|تشتغل|يشحن|تشحن|يبرد|تبرد)|ما ?عادت (تشتغل|تشحن|تبرد)|"
    r"(صوت|اصوات) (غريب|غريبه|مزعج|مزعجه|قوي|عالي)|(تطق|يطق|تخبط|يخبط|تدق|يدق) (بقوه|وقت العصر)|"
    # "صوتها يقطع من جهة وحدة", "تهرب موية", "تسرب ماء": sound cutting out, water leaking.
    r"(صوتها|صوته|الصوت) (يقطع|يتقطع|مقطع|يروح|يختفي)|(تهرب|يهرب|تسرب|يسرب|تنقط|ينقط|يطلع منه|"
    r"تطلع منها) (موي[هة]|ماء|ماي|مويه)|(تسريب|يسرب|تسرب) )",
    re.I,
)
# "they're not broken, I just don't like the sound": a fault named only to deny it.
_DENIED = re.compile(r"(\b(not|never|no|isn'?t|aren'?t|wasn'?t|weren'?t)|(^| )(مو|مب|مش|ليس|ليست|"
                     r"مهو|مهي|موب|ماهو|ماهي|مافيها|مافيه))\s+(really\s+|even\s+|actually\s+|"
                     r"at all\s+)?$", re.I)


# How long the customer says they have had it: "صار لها تقريبا ٤٠ يوم", "a month and a half",
# "من شهرين", "got it 6 weeks ago".
_HAD_FOR = re.compile(
    r"(\b(?:ago|for|about|almost|over|after)\s+|(?:صار (?:له|لها|لي|لهم)|من|قبل|بعد|له|لها|لي)\s+"
    r"(?:تقريبا\s+|حوالي\s+|اكثر من\s+)?)?(\d{1,3}|a|an|one|two|three|four|five|six)?\s*"
    r"(days?|weeks?|months?|يومين|يوم|ايام|اسبوعين|اسابيع|اسبوع|شهرين|شهور|اشهر|شهر)(?![\w])"
    r"(\s+(?:and a half|ونص|و ?نصف))?")
_UNIT_DAYS = {"day": 1, "يوم": 1, "ايام": 1, "يومين": 2, "week": 7, "اسبوع": 7, "اسابيع": 7,
              "اسبوعين": 14, "month": 30, "شهر": 30, "شهور": 30, "اشهر": 30, "شهرين": 60}


def stated_age_days(text: str) -> int | None:
    """The longest time the customer says has passed since they got it, in days."""
    best = None
    for m in _HAD_FOR.finditer(normalize(text)):
        lead, number, unit, half = m[1], m[2], m[3], m[4]
        unit = unit.rstrip("s") if unit.isascii() else unit
        if number is None and not (lead and unit in {"يومين", "اسبوعين", "شهرين", "شهر", "اسبوع"}):
            continue  # "how many days", "كم يوم": no time said
        n = (int(number) if number.isdigit() else _WORD_NUMBERS[number]) if number else 1
        per = _UNIT_DAYS[unit]
        best = max(best or 0, n * per + (per // 2 if half else 0))
    return best


# Said to have nothing wrong with it ("ما عجبتني بس هي سليمة"): not a fault.
NO_FAULT = re.compile(r"\b(nothing (is )?wrong|no (problem|issue|fault)s? with|works (fine|perfectly)|"
                      r"working (fine|perfectly))\b|(ما فيها شي|ما فيه شي|مافيها شي|مافيه شي|"
                      r"ما فيها عيب|ما فيه عيب|شغاله تمام|شغال تمام|سليمه|سليم)|"
                      # "theyre basically brand new in the box": as good as new, no fault.
                      r"\b(brand new|like new|as good as new|basically new)\b|"
                      r"(جديده بكرتونها|جديد بكرتونه|جديده بالكرتون|جديد بالكرتون|زي الجديد|زي الجديده)")


def mentions_fault(text: str) -> bool:
    """The customer says the product is broken, faulty or damaged (either language)."""
    return any(not _DENIED.search(text[max(0, m.start() - 20):m.start()])
               for m in _FAULT.finditer(text))


def fault_denied(text: str) -> bool:
    """A fault is named only to be denied ("they're not broken")."""
    return any(_DENIED.search(text[max(0, m.start() - 20):m.start()])
               for m in _FAULT.finditer(text))


def words_besides_slots(text: str) -> int:
    """How many meaningful words a message has once its order numbers, emails and phones are
    taken out: "0501234567" or "my number is 0501234567" is an answer, not a new request."""
    rest = re.sub(r"\b(EMAIL|PHONE|ORDERNUM)\b", " ", mask(text))
    labels = _slot_labels()
    # "وايميلي", "وجوالي": the label with "and" joined to it is still only a label.
    return sum(1 for w in tokenize(rest)
               if w not in labels and not (w.startswith("و") and w[1:] in labels)
               and not (w.startswith("وال") and w[3:] in labels))


@lru_cache(maxsize=1)
def _slot_labels() -> frozenset[str]:
    """Words that only name the value they precede ("رقمي 05…", "my email is …", "طلبي RW-…"):
    they do not make an answer a new request."""
    words = ("number phone mobile email mail order contact whatsapp no num is its it's my the "
             "here this raqam ra8m rqm el "
             "رقم رقمي الرقم جوال جوالي الجوال ايميل ايميلي الايميل بريد بريدي طلب طلبي الطلب "
             "هاتف هاتفي تلفون موبايل واتساب هذا هذي هو "
             # "طيب جرب 05…", "ok try 05…", "خلاص هذا الصح 05…": another try at the same answer.
             "ok okay try again sorry correct right one طيب اوكي جرب جربي خلاص الصح الصحيح اسف "
             "معليش "
             # "sorry typo, 05…", "oops wrong one, it's 05…", "غلطت، الصح 05…".
             "typo oops wrong mistake meant mean i bad my غلطت غلط عفوا قصدي اقصد")
    return frozenset(tokenize(words))


def mask(text: str) -> str:
    """Replace slot values with placeholders, so a classifier learns "order <num>" rather
    than particular numbers or addresses."""
    text = _EMAIL.sub(" EMAIL ", to_ascii_digits(text))
    text = _PHONE.sub(" PHONE ", text)
    return _ORDER.sub(" ORDERNUM ", text)
