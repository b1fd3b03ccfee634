"""Personal data in customer service (policies/privacy.yaml), under Saudi Arabia's PDPL.

The policy file says what the assistant may show (masked), which record fields are personal
data, what it must never ask for, how long transcripts and the audit log are kept, what
customers may request and who handles it, and the labels that replace personal data in
exports and logs. `redact` implements that replacement: emails, Saudi mobiles, card numbers,
Saudi IBANs, national ID / iqama numbers and codes typed after "CVV", "OTP", "رمز التحقق"...,
with digits in any script (Arabic-Indic too).
The patterns live here, in code, so a policy edit cannot break them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from policies.voice import BilingualText

PiiKind = Literal["email", "phone", "card", "iban", "national_id", "secret_code"]
# What a customer must never be asked for (and what is never shown, even masked).
Secret = Literal["card_number", "cvv", "otp", "password", "national_id", "iban"]
Right = Literal["access", "copy", "correction", "deletion"]
Channel = Literal["chat", "whatsapp", "email", "phone"]

_REQUIRED_NEVER_ASK = {"card_number", "cvv", "otp"}
_REQUIRED_RIGHTS = {"access", "deletion"}
# PDPL implementing regulations: a data subject's request is answered within 30 days.
_PDPL_MAX_RESPONSE_DAYS = 30

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- what the assistant may show ----------------------------------------------------------


class EmailMask(_Strict):
    keep_start: int = Field(2, ge=0, le=3, description="Characters of the local part shown")
    fill: str = Field("***", min_length=1)


class PhoneMask(_Strict):
    keep_start: int = Field(4, ge=0, le=5, description="Leading characters shown (+966)")
    keep_end: int = Field(3, ge=0, le=4, description="Trailing digits shown")
    fill: str = Field("*****", min_length=1)


class Display(_Strict):
    email: EmailMask
    phone: PhoneMask
    never_show: list[Secret] = Field(min_length=1)


# --- which fields are personal data --------------------------------------------------------


class PersonalData(_Strict):
    """Fields of our records that identify a customer (names as in tools/models.py)."""

    customer: list[str] = Field(min_length=1)
    order: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_fields(self) -> "PersonalData":
        from tools.models import Customer, Order

        for name, record, fields in (("customer", Customer, self.customer),
                                     ("order", Order, self.order)):
            unknown = sorted(set(fields) - set(record.model_fields))
            if unknown:
                raise ValueError(f"{name} records have no field(s) {unknown}; "
                                 f"known: {sorted(record.model_fields)}")
        for field in ("email", "phone"):
            if field not in self.customer:
                raise ValueError(f"customer.{field} is personal data and must be listed")
        return self


# --- never ask ---------------------------------------------------------------------------


class NeverAsk(_Strict):
    items: list[Secret] = Field(min_length=1)
    warning: BilingualText = Field(
        description="What the customer is told when they start sharing one of these")

    @field_validator("items")
    @classmethod
    def _minimum(cls, v: list[str]) -> list[str]:
        missing = sorted(_REQUIRED_NEVER_ASK - set(v))
        if missing:
            raise ValueError(f"the assistant must never ask for {missing}: keep them listed")
        return v


# --- redaction ---------------------------------------------------------------------------


def _label(v: str) -> str:
    if re.search(r"[\d@]", v) or not v.strip():
        raise ValueError("a replacement label must not be empty nor contain digits or '@' "
                         "(it would itself look like personal data)")
    return v


Label = Annotated[str, StringConstraints(min_length=1)]


class Replacements(_Strict):
    """The label that replaces each kind of personal data. Every kind is required."""

    email: Label
    phone: Label
    card: Label
    iban: Label
    national_id: Label
    secret_code: Label = Field(description="A CVV, OTP or PIN typed after its name")

    @field_validator("*")
    @classmethod
    def _clean(cls, v: str) -> str:
        return _label(v)


class Redaction(_Strict):
    applies_to: list[Literal["exports", "logs"]] = Field(min_length=1)
    replace: Replacements
    keep: list[Text] = Field(
        default_factory=list,
        description="Our own contact details: not personal data, left readable")


# --- retention and customers' requests ----------------------------------------------------


class Retention(_Strict):
    transcripts_days: int = Field(ge=1, le=3650)
    audit_days: int = Field(ge=1, le=3650)


class HandledBy(_Strict):
    team: BilingualText
    skill: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Handoff queue for requests")
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


class Requests(_Strict):
    rights: list[Right] = Field(min_length=1)
    channels: list[Channel] = Field(min_length=1)
    verify_identity_first: bool = True
    respond_within_days: int = Field(ge=1)
    handled_by: HandledBy

    @field_validator("rights")
    @classmethod
    def _pdpl_rights(cls, v: list[str]) -> list[str]:
        missing = sorted(_REQUIRED_RIGHTS - set(v))
        if missing:
            raise ValueError(f"the PDPL gives customers these rights; keep them: {missing}")
        return v

    @field_validator("respond_within_days")
    @classmethod
    def _pdpl_deadline(cls, v: int) -> int:
        if v > _PDPL_MAX_RESPONSE_DAYS:
            raise ValueError(f"the PDPL allows at most {_PDPL_MAX_RESPONSE_DAYS} days")
        return v


class PrivacyPolicy(_Strict):
    version: Text
    owner: Text = Field(description="Who signs this policy off and reviews it")
    personal_data: PersonalData
    display: Display
    never_ask: NeverAsk
    redaction: Redaction
    retention: Retention
    requests: Requests

    def redact(self, text: str) -> str:
        return redact(text, self)

    def mask_email(self, email: str) -> str:
        m = self.display.email
        local, at, domain = email.partition("@")
        return f"{local[: m.keep_start]}{m.fill}{at}{domain}" if at else m.fill

    def mask_phone(self, phone: str) -> str:
        m = self.display.phone
        end = phone[-m.keep_end:] if m.keep_end else ""
        return f"{phone[: m.keep_start]}{m.fill}{end}"


# --- the redaction patterns ----------------------------------------------------------------

# Patterns run on a copy whose digits are ASCII (one character for one, so positions agree).
# A value glued to Latin letters or digits is part of something else (tracking "SMSA1700497459",
# order "RW-100234"); Arabic letters may touch it ("جوالي0501234567").
_B = r"(?<![0-9A-Za-z])"
_E = r"(?![0-9A-Za-z])"
_SEP = r"[ \u00a0-]?"
_PATTERNS: list[tuple[PiiKind, re.Pattern[str]]] = [
    ("email", re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+"
                         r"(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])")),
    # SA + 2 check digits + 20 characters (bank code and account), grouped or not.
    ("iban", re.compile(_B + r"SA" + _SEP + r"\d\d(?:" + _SEP + r"[0-9A-Z]){20}" + _E, re.I)),
    # Saudi mobiles: 05XXXXXXXX, 5XXXXXXXX, +9665..., 009665..., 9665..., spaced or not.
    ("phone", re.compile(r"(?:(?<![0-9A-Za-z+])(?:\+|00)?966" + _SEP + r"|" + _B + r"0|" + _B
                         + r")5\d(?:" + _SEP + r"\d){7}" + _E)),
    # Payment cards: 13 to 19 digits, spaced or dashed, never starting 0 (nor a Saudi number).
    ("card", re.compile(_B + r"(?!(?:00)?9665)[1-9](?:" + _SEP + r"\d){12,18}" + _E)),
    # National ID (citizens, starts with 1) and iqama (residents, starts with 2): 10 digits.
    ("national_id", re.compile(_B + r"[12]\d{9}" + _E)),
    # A CVV, one-time code or PIN typed despite the warning: the digits after its name.
    ("secret_code", re.compile(
        # ("والـCVV حقها 381": the Arabic article and tatweel joined to the Latin name.)
        r"(?i)(?:(?<![A-Za-z0-9])(?:cvv2?|cvc|otp|pin|one[- ]time (?:code|password)|verification code|"
        r"security code|(?<!postal )(?<!zip )(?<!discount )(?<!promo )code)(?: code| number)?|"
        r"رمز التحقق|رمز الأمان|الرمز السري|كود التحقق|الكود السري|(?:وال|ال|و)?رمز(?! الطلب)|"
        r"(?:وال|ال)?كود(?! الخصم))"
        # ("the OTP elli wasalni: 4482", "رمز التحقق اللي وصلني ٤٤٨٢": a few words about
        # where the code came from, then the code.)
        r"(?:\s+(?:elli|illi|ili|اللي|الي|that|which|i|you|u|just|got|received|sent|me|to|"
        r"wasalni|wslni|jani|وصلني|جاني|وصل|hatha|haza|هذا|here|it|its|it's|حقها|حقه|حقي|حقتها|"
        r"تبعها|تبعه)){0,4}"
        r"[^0-9A-Za-z\n]{0,4}(?:(?:is|was|هو)[^0-9A-Za-z\n]{0,3})?(?P<value>\d{3,8})" + _E)),
]


# A Saudi VAT registration number: 15 digits, first and last "3" (ZATCA). No card number
# has this shape: 15-digit cards are American Express, which start 34 or 37.
VAT_NUMBER = re.compile(r"(?<!\d)3[0-3]\d{12}3(?!\d)")


def _ascii_digits(text: str) -> str:
    """Every decimal digit (Arabic-Indic, Persian, any script) as its ASCII digit."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c
                   for c in text)


def find_pii(text: str, policy: PrivacyPolicy | None = None) -> list[tuple[int, int, PiiKind]]:
    """Spans of personal data in `text`, in order, without overlaps. A match that overlaps an
    earlier one is merged into it, so nothing of either is left visible."""
    plain = _ascii_digits(text)
    keep = {k.casefold() for k in policy.redaction.keep} if policy else set()
    spans: list[tuple[int, int, PiiKind]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(plain):
            start, end = m.span("value") if "value" in pattern.groupindex else m.span()
            if plain[start:end].casefold() in keep:
                continue
            if kind == "card" and VAT_NUMBER.fullmatch(re.sub(r"\D", "", plain[start:end])):
                continue  # a company's VAT number on an invoice request, not a card
            overlapping = [s for s in spans if s[0] < end and start < s[1]]
            if overlapping:
                for s in overlapping:
                    spans.remove(s)
                start = min(start, *(s[0] for s in overlapping))
                end = max(end, *(s[1] for s in overlapping))
                kind_kept = min(overlapping)[2]
                spans.append((start, end, kind_kept))
            else:
                spans.append((start, end, kind))
    return sorted(spans)


def redact(text: str, policy: PrivacyPolicy) -> str:
    """`text` with every email, Saudi mobile, card number, IBAN, national ID / iqama number
    and CVV / OTP / PIN (digits typed after its name) replaced by the policy's label for it. Order numbers, prices, dates and our own
    contact details (`redaction.keep`) stay as they are."""
    out: list[str] = []
    pos = 0
    for start, end, kind in find_pii(text, policy):
        out.append(text[pos:start])
        out.append(getattr(policy.redaction.replace, kind))
        pos = end
    out.append(text[pos:])
    return "".join(out)


# What must never be kept at all, even in the product's own store (privacy.yaml, never_ask):
# emails and phones stay, because the customer gives them to be verified.
_SECRETS: dict[PiiKind, str] = {"card": "[card]", "secret_code": "[code]"}


def redact_secrets(text: str) -> str:
    """`text` with card numbers and CVV/OTP codes masked, everything else as written."""
    out, pos = [], 0
    for start, end, kind in find_pii(text):
        if kind in _SECRETS:
            out += [text[pos:start], _SECRETS[kind]]
            pos = end
    return "".join(out) + text[pos:]


def has_secret(text: str) -> bool:
    """A card number or code in the text, or already masked by `redact_secrets`."""
    return any(kind in _SECRETS for _, _, kind in find_pii(text)) or any(
        label in text for label in _SECRETS.values())


# A one-time code typed on its own ("got it, its 482913") in a conversation about a code:
# 4 to 8 digits that are no order number (10xxxx), phone or price.
_CODE_TALK = re.compile(r"(?i)\b(otp|code|verification|one[- ]time|passcode|pin)\b|"
                        r"رمز|كود|تحقق|التحقق")
_BARE_CODE = re.compile(r"(?<![\w-])(?!10\d{4}(?!\d))(?P<value>\d{4,8})(?![\w.,]\d|\w)"
                        r"(?!\s*(?:sar|sr|riyals?|ريال|ر\.س))")


def may_hold_code(text: str) -> bool:
    """A bare 4-8 digit number that could be a one-time code (cheap check before any lookup)."""
    return bool(_BARE_CODE.search(_ascii_digits(text)))


def redact_code_in_context(text: str, earlier: list[str]) -> str | None:
    """`text` with a bare one-time code masked, when this message or the customer's previous
    one talks about a code; None when there is no such code."""
    if not (_CODE_TALK.search(text) or (earlier and _CODE_TALK.search(earlier[-1]))):
        return None
    plain = _ascii_digits(text)
    spans = [m.span("value") for m in _BARE_CODE.finditer(plain)]
    if not spans:
        return None
    out, pos = [], 0
    for start, end in spans:
        out += [text[pos:start], _SECRETS["secret_code"]]
        pos = end
    return "".join(out) + text[pos:]
