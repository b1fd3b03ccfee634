"""Frustration: a 0..1 score, a level and the signals behind it, so a human can see why.

One message is read for tone (the learned model in agent/tone.py, with the words that raised
it as evidence), for what stays explicit in the lexicon frustration.yaml (insults, threats to
leave, to go public or to court, relief, in English and Gulf Arabic), shouting
(capitals, !!! or ؟؟؟, stretched letters like ليييش), waiting time it mentions, repetition of
an earlier request and the assistant's own failures. Signals combine as 1 - Π(1 - w), so
several mild signals add up without ever passing 1.

Over a conversation the level carries over: the previous score decays by 30% each turn
and combines with the new message, so a customer who grows angrier is seen to rise, and one
whose problem is solved ("thanks, that sorted it") falls again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from agent import tone as tone_model
from knowledge.normalize import normalize
from policies.loader import parse_yaml

Level = Literal["calm", "annoyed", "frustrated", "angry"]
Trend = Literal["rising", "steady", "falling"]
LEVELS: tuple[Level, ...] = ("calm", "annoyed", "frustrated", "angry")
_LEXICON_FILE = Path(__file__).with_name("frustration.yaml")

_CARRY = 0.7  # share of the previous score that carries into the next turn
_RELIEF_CARRY = 0.15  # ...when the customer says the problem is solved or thanks us
_TREND_STEP = 0.1
# Lexicon kinds that the learned tone model replaces when it is loaded: word lists of negative
# and angry words flag calm problem reports and miss anger phrased any other way.
_LEARNED_KINDS = frozenset({"negative"})
_SEEN_BY_TONE = frozenset({"shouting", "elongation", "waiting", "anger"})
_TONE_ALONE = 0.3  # tone weight (0.25 = the model's threshold) that needs no second witness
SHIPPED = "shipped"  # read_message(tone=...): the shipped model; None = the lexicon alone


class FrustrationSignal(BaseModel):
    kind: str
    evidence: str
    weight: float


class FrustrationReading(BaseModel):
    score: float = Field(ge=0, le=1)
    level: Level
    signals: list[FrustrationSignal]
    message_score: float = Field(0.0, ge=0, le=1, description="this message alone")
    trend: Trend = "steady"


class _Lexicon:
    def __init__(self, path: Path) -> None:
        raw = parse_yaml(path.read_text("utf-8"))
        self.calm = [self._compile(p) for p in raw.get("calm", [])]
        self.jobs = [self._compile(p) for p in raw.get("jobs", [])]
        # One alternation per kind: a message is matched once per kind, not once per phrase.
        self.signals: list[tuple[str, float, list[re.Pattern[str]]]] = [
            (kind, float(spec["weight"]),
             [re.compile("|".join(f"(?:{self._compile(p).pattern})" for p in spec["phrases"]),
                         re.I)])
            for kind, spec in raw["signals"].items()
        ]

    @staticmethod
    def _compile(phrase: str) -> re.Pattern[str]:
        if phrase.startswith("re:"):
            return re.compile(phrase[3:], re.I)
        words = [re.escape(w) for w in normalize(phrase).split()]
        body = r"\s+".join(words)
        if re.match(r"[\u0621-\u064a]", words[0]):
            # Arabic words take clitic prefixes: "وللحين", "بالتجاره", "فزهقت".
            return re.compile(rf"(?<![\w])(?:و|ف|ب|ل|ال|وال|بال|لل)?{body}(?![\w])")
        # ("i'm" is typed "im" and "i’m" too.)
        body = body.replace("'", "['’]?")
        return re.compile(rf"(?<![\w']){body}(?![\w'])", re.I)


@lru_cache(maxsize=4)
def lexicon(path: Path = _LEXICON_FILE) -> _Lexicon:
    return _Lexicon(path)


# One word in capitals inside a normal sentence ("postponed AGAIN"); five letters or more so
# that product names and acronyms (OLED, USB, SAR) are not taken for shouting.
# Short words that are emphasis, never acronyms, count too ("I want my money back NOW").
_SHOUTED_WORD = re.compile(r"(?<![A-Za-z])([A-Z]{5,}|NOW|ASAP|WHY|STOP|EVER|EVEN)(?![A-Za-z])")
# The customer owning a slip of their own (a typo, the wrong number).
_OWN_SLIP = re.compile(
    r"\b(my bad|my mistake|my fault|typo|i mistyped|i typed (it )?wrong|wrong number sorry|"
    r"(oh|oops|ops|opps|oh no) sorry)\b|(غلطتي|غلطه مني|خطا مني|قلبت|كتبته غلط|كتبت غلط|"
    r"(سوري|اسف|اسفه|معليش) (غلطت|قلبت|كتبت|سوري))|^\W*(اوه|اووه|اوووه|اوووووه|اوبس)\S* (سوري|اسف|معليش)")
_ELONGATION = re.compile(r"([\u0621-\u064aA-Za-z])\1{2,}")
# Laughter ("هههه", "خخخ", "hahaha") is stretched too, and means the opposite of anger.
_LAUGHTER = re.compile(r"^(ه+|خ+|ha(ha)+h?|lo+l)$", re.I)
_REPEATED_MARKS = re.compile(r"[!?؟]{3,}|(?:[!؟?]\s*){2}[!؟?]|[?؟]!|![?؟]")
_WAIT = re.compile(
    r"(?:(\d+|a|an|one|two|three|four|five|six|several|few)\s+(minute|hour|day|week|month)s?)"
    r"|(?:(\d+)?\s*(دقيقه|دقايق|دقائق|ساعتين|ساعات|ساعه|يومين|ايام|يوم|اسبوعين|اسابيع|اسبوع|شهرين|شهر))",
    re.I,
)
# Words beside a duration that make it a wait, as whole words ("لي" inside "اللي" is not).
_WAIT_CONTEXT = re.compile(
    r"(?<![\w])(wait|waiting|waited|been|since|for|ago|still|انتظر|استني|انطر|صار|صارلي|لي|من|"
    r"قبل|وانا|له)(?![\w])", re.I
)
# A duration asked about or promised ("كم يوم توصل؟", "how many days", "within 3 days") is
# not one the customer has waited.
_DURATION_ASKED = re.compile(
    r"(how many|how long|within|in|after|takes?|كم|خلال|بعد|ياخذ|تاخذ)\s*"
    r"(\d+\s*|ثلاث|ثلاثه|اربع|اربعه|خمس|خمسه|عشر|عشره|عده)?\s*$", re.I)
# A duration that dates something the customer already has or a rule's window ("I got it 3
# days ago, can I return it?", "صار لي ١٨ يوم من الاستلام", "المهلة ١٥ يوم") is the product's
# age, not a wait; "I ordered 3 days ago" and "رجعته من اسبوع وما وصلني المبلغ" still are.
_PRODUCT_AGE = re.compile(
    r"(?<![\w])(got|bought|purchased|received|receiving|delivery|delivered|purchase|"
    r"استلمت|استلمته|استلمتها|استلام|الاستلام|الاستلم|شريت|شريته|شريتها|اشتريت|اشتريته|الشراء|"
    r"مهله|المهله|مهلت|window)(?![\w])", re.I)
_NOT = re.compile(r"(?<![\w])و?(not|never|no|didn t|haven t|hasn t|ما|لم|مو|للحين)\s+(\w+\s+)?$",
                  re.I)
_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                 "six": 6, "several": 3, "few": 3}
_UNIT_HOURS = {"minute": 1 / 60, "hour": 1, "day": 24, "week": 168, "month": 720,
               "نص ساعه": 0.5, "دقيقه": 1 / 60, "دقايق": 1 / 60, "دقائق": 1 / 60, "ساعه": 1, "ساعتين": 2,
               "ساعات": 1, "يوم": 24, "يومين": 48, "ايام": 24, "اسبوع": 168, "اسبوعين": 336,
               "اسابيع": 168, "شهر": 720, "شهرين": 1440}


def level_of(score: float) -> Level:
    if score >= 0.75:
        return "angry"
    if score >= 0.5:
        return "frustrated"
    if score >= 0.25:
        return "annoyed"
    return "calm"


def _combine(weights: Sequence[float]) -> float:
    remaining = 1.0
    for w in weights:
        remaining *= 1.0 - min(max(w, 0.0), 1.0)
    return 1.0 - remaining


def _waiting_hours(norm: str) -> float | None:
    """The longest wait a message mentions ("waiting 3 days", "صار لي أسبوع"), in hours."""
    longest = None
    for m in _WAIT.finditer(norm):
        before = norm[max(0, m.start() - 25): m.start()]
        after = norm[m.end(): m.end() + 20]
        if _DURATION_ASKED.search(before) or not _WAIT_CONTEXT.search(before + " " + after):
            continue
        around = before + " " + after
        if any(not _NOT.search(around[:a.start()]) for a in _PRODUCT_AGE.finditer(around)):
            continue
        if m[4] and not m[3] and after.lstrip().startswith("ال"):
            continue  # "يوم الطلب", "يوم الشحن": a day named, not a time waited
        if m[4] and not m[3] and before.endswith("ال"):
            continue  # "واليومين تنحسب من…": the days just quoted, not a time waited
        if m[2]:
            n = int(m[1]) if m[1].isdigit() else _WORD_NUMBERS.get(m[1].lower(), 1)
            hours = n * _UNIT_HOURS[m[2].lower()]
        else:
            unit = m[4]
            n = int(m[3]) if m[3] else (1 if unit not in {"ايام", "اسابيع", "ساعات", "دقايق", "دقائق"} else 3)
            hours = n * _UNIT_HOURS[unit] if unit not in {"ساعتين", "يومين", "اسبوعين", "شهرين"} \
                else _UNIT_HOURS[unit]
        longest = max(longest or 0.0, hours)
    return longest


def _similar(a: str, b: str) -> bool:
    wa, wb = set(a.split()), set(b.split())
    if not wa or not wb:
        return False
    return a == b or len(wa & wb) / len(wa | wb) >= 0.75


def _word_at(text: str, pos: int) -> list[str]:
    start = max(text.rfind(" ", 0, pos) + 1, 0)
    end = text.find(" ", pos)
    return [re.sub(r"[^\w]", "", text[start:end if end >= 0 else None])]


def read_message(
    text: str,
    previous_texts: Sequence[str] = (),
    failures: int = 0,
    waited_minutes: float | None = None,
    tone: tone_model.ToneModel | str | None = SHIPPED,
) -> tuple[float, list[FrustrationSignal], bool]:
    """Score one message: (score, signals, relief) — relief when the customer says it is solved.

    `tone`: the learned tone model (default: the shipped one); None reads words with the
    lexicon alone, as before the model existed (the benchmark's baseline).
    """
    model = tone_model.shipped() if tone == SHIPPED else tone
    lex = lexicon()
    norm = normalize(text)
    said_calm = False
    job = False
    for phrase in lex.jobs:
        norm, n = phrase.subn(" ", norm)
        job = job or n > 0
    for calm in lex.calm:
        norm, n = calm.subn(" ", norm)
        said_calm = said_calm or n > 0
    signals: list[FrustrationSignal] = []
    relief = False
    pending: FrustrationSignal | None = None
    if model is not None:
        weight = model.weight(text)
        if said_calm:  # "no problem, take your time": the customer said in so many words
            weight = round(weight / 2, 3)
        evidence = model.evidence(text) if weight >= 0.25 else []  # 0.25: its threshold
        # A tone with no words to show for it (a bare "hello?") is not counted: the level must
        # come with evidence a person can check.
        if evidence:
            pending = FrustrationSignal(kind="tone", evidence=", ".join(evidence), weight=weight)
    witnesses = 0  # lexicon words the model replaces: they only corroborate it now
    for kind, weight, patterns in lex.signals:
        if job and kind == "threat_legal":
            continue
        found: list[str] = []
        for pat in patterns:
            for match in pat.finditer(norm):
                evidence = match.group(0).strip()
                if evidence and evidence not in found:
                    found.append(evidence)
        if model is not None and kind in _LEARNED_KINDS:
            witnesses += len(found)
            continue
        if found and weight == 0:
            relief = True
            continue
        # More of the same kind counts, with diminishing weight (w, w/2, w/4).
        for rank, evidence in enumerate(found[:3]):
            signals.append(FrustrationSignal(kind=kind, evidence=evidence,
                                             weight=round(weight / 2**rank, 3)))
    letters = [c for c in text if c.isalpha() and c.isascii()]
    if len(letters) >= 6 and sum(c.isupper() for c in letters) / len(letters) > 0.7:
        signals.append(FrustrationSignal(kind="shouting", evidence="capital letters", weight=0.25))
    elif shouted := _SHOUTED_WORD.search(text):
        signals.append(FrustrationSignal(kind="shouting", evidence=shouted.group(0), weight=0.2))
    if marks := _REPEATED_MARKS.search(text):
        # Repeated question marks read as impatience; a row of "!!!" is as often excitement.
        weight = 0.25 if set(marks.group(0)) & {"?", "؟"} else 0.2
        signals.append(FrustrationSignal(kind="shouting", evidence=marks.group(0),
                                         weight=weight))
    stretched = next((m for m in _ELONGATION.finditer(text)
                      if not any(_LAUGHTER.match(w) for w in _word_at(text, m.start()))), None)
    if stretched:
        # "ليييش" is a Gulf way to raise the voice; English stretching ("sooo") is often joy.
        arabic = stretched.group(1) >= "\u0621"
        if arabic or len(stretched.group(0)) >= 4:
            signals.append(FrustrationSignal(kind="elongation", evidence=stretched.group(0),
                                             weight=0.25 if arabic else 0.15))
    hours = _waiting_hours(norm)
    if hours is not None and hours >= 1:
        weight = 0.25 if hours < 24 else 0.3 if hours <= 72 else 0.4
        signals.append(FrustrationSignal(kind="waiting", evidence=f"waited about {hours:g} h",
                                         weight=weight))
    if waited_minutes is not None and waited_minutes >= 5:
        weight = 0.15 if waited_minutes < 15 else 0.25 if waited_minutes < 30 else 0.35
        signals.append(FrustrationSignal(kind="waiting", evidence=f"{waited_minutes:.0f} min in queue",
                                         weight=weight))
    repeats = sum(_similar(norm, normalize(t)) for t in list(previous_texts)[-4:])
    if norm.strip() and repeats:
        signals.append(FrustrationSignal(kind="repetition", evidence=f"said {repeats + 1} times",
                                         weight=min(0.5, 0.25 * repeats)))
    if failures:
        signals.append(FrustrationSignal(kind="assistant_failing", evidence=f"{failures} failed turns",
                                         weight=min(0.4, 0.15 * failures)))
    if _OWN_SLIP.search(norm):
        # "اوووه سوري سوري، قلبت آخر رقمين", "oops my bad, typo": the customer owns the slip
        # that failed the last turns; the stretched "oooh" is surprise, not a raised voice.
        signals = [s for s in signals if s.kind not in {"elongation", "assistant_failing"}]
    if pending is not None and (pending.weight >= _TONE_ALONE or witnesses or signals):
        # In its uncertain band (just over the threshold) the model needs a second witness:
        # a word from the lexicon or any explicit signal. Then what it also read in the words
        # (marks, stretched letters, a wait the text mentions, angry words) counts half beside
        # it, so one "??" is not counted twice.
        signals = [s.model_copy(update={"weight": round(s.weight / 2, 3)})
                   if s.kind in _SEEN_BY_TONE and not s.evidence.endswith("in queue")
                   and not (s.kind == "shouting" and any(c.isalpha() for c in s.evidence))
                   else s  # capitals are not seen: the model reads lower-cased text
                   for s in signals]
        signals.insert(0, pending)
    return _combine([s.weight for s in signals]), signals, relief


def read(
    text: str,
    previous_texts: Sequence[str] | None = None,
    failures: int = 0,
    previous_score: float | None = None,
    waited_minutes: float | None = None,
    tone: tone_model.ToneModel | str | None = SHIPPED,
) -> FrustrationReading:
    """Read one customer message in the context of the conversation so far.

    `failures` counts recent assistant failures (not understood, repeated clarifications);
    `previous_score` is the conversation's score after the last turn (None on the first).
    """
    message, signals, relief = read_message(text, previous_texts or (), failures, waited_minutes,
                                            tone)
    carried = (previous_score or 0.0) * (_RELIEF_CARRY if relief else _CARRY)
    score = _combine([message, carried])
    if carried >= 0.1:
        signals = signals + [FrustrationSignal(kind="carried_over", evidence=f"earlier turns "
                                               f"{previous_score:.2f}", weight=round(carried, 3))]
    trend: Trend = "steady"
    if previous_score is not None:
        if score >= previous_score + _TREND_STEP:
            trend = "rising"
        elif score <= previous_score - _TREND_STEP:
            trend = "falling"
    return FrustrationReading(score=round(score, 3), level=level_of(score), signals=signals,
                              message_score=round(message, 3), trend=trend)
