"""The handoff packet: what a person needs to take over without the customer repeating
themselves. Built when the graph escalates and rebuilt while a human owns the conversation."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from agent import arabic, confirmation
from knowledge.normalize import normalize
from agent.state import ConversationState
from tools.actions import order_view
from tools.models import Bilingual, FiredRuleView, HandoffPacket, TurnTrace

if TYPE_CHECKING:
    from agent.deps import Deps
    from policies.staffing import StaffingPolicy

_DAYS = arabic.DAYS
_MONTHS = arabic.MONTHS
_TOOL_DONE = {
    "verify_identity": ("verified the customer by order number and contact",
                        "تحقق من هوية العميل برقم الطلب ووسيلة التواصل"),
    "get_order": ("looked up the order", "اطلع على الطلب"),
    "list_orders": ("listed the customer's orders", "عرض طلبات العميل"),
    "track_shipment": ("tracked the shipment", "تتبع الشحنة"),
    "cancel_order": ("tried to cancel the order", "حاول إلغاء الطلب"),
    "start_return": ("tried to book a return", "حاول تسجيل إرجاع"),
    "request_refund": ("tried to issue a refund", "حاول إصدار استرداد"),
    "create_ticket": ("opened a ticket", "فتح تذكرة"),
    "find_customer": ("looked up the profile", "اطلع على الملف"),
}


def local_time(at: datetime, staffing: "StaffingPolicy", lang: str) -> str:
    """'Wednesday 25 November, 13:00' in the company's time zone, in the customer's language."""
    local = at.astimezone(staffing.zone)
    day = _DAYS[lang][local.weekday()]
    month = _MONTHS[lang][local.month - 1]
    return f"{day} {local.day} {month}{'،' if lang == 'ar' else ','} {local:%H:%M}"


def hours_text(staffing: "StaffingPolicy", lang: str) -> str:
    sep = "، " if lang == "ar" else ", "
    parts = []
    for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday",
                              "saturday", "sunday")):
        shifts = staffing.hours.get(name) or []  # type: ignore[call-overload]
        if shifts:
            times = " & ".join(f"{s.opens:%H:%M}-{s.closes:%H:%M}" for s in shifts)
            parts.append(f"{_DAYS[lang][i]} {times}")
    return sep.join(parts)


def _label(deps: "Deps", intent: str, lang: str) -> str:
    try:
        return deps.replies.label(f"quick.{intent}", lang)
    except KeyError:
        return intent.replace("_", " ")


def _tried(state: ConversationState) -> tuple[list[str], list[str]]:
    en: list[str] = []
    ar: list[str] = []
    records = list(state.get("trajectory") or [])
    if state.get("route") != "inbox":
        # This turn is not in the trajectory yet (the handoff comes before finalize).
        records.append({
            "tools": [r["tool"] for r in state.get("tool_results") or []],
            "templates": [r["data"].get("template") for r in state.get("replies") or []],
        })
    for record in records:
        for tool in record["tools"]:
            done = _TOOL_DONE.get(tool, (tool, tool))
            if done[0] not in en:
                en.append(done[0])
                ar.append(done[1])
        for template in record.get("templates") or []:
            if template == "knowledge.answer" and "answered from the knowledge base" not in en:
                en.append("answered from the knowledge base")
                ar.append("أجاب من قاعدة المعرفة")
            if template in ("clarify", "knowledge.clarify", "not_understood",
                            "not_understood_upset") and "asked to clarify" not in en:
                en.append("asked to clarify")
                ar.append("طلب التوضيح")
    return en, ar


async def build_packet(state: ConversationState, deps: "Deps") -> HandoffPacket:
    decision = state.get("decision") or {}
    customer = None
    orders: list[dict[str, Any]] = []
    name = {"en": "", "ar": ""}
    if state.get("customer_id"):
        found = await deps.backend.get_customer(state["customer_id"])
        if found is not None:
            customer = found.model_dump(mode="json")
            name = {"en": " " + found.name.en.split()[0], "ar": " " + found.name.ar.split()[0]}
            orders = [order_view(o) for o in await deps.backend.list_orders(found.id, 3)]
    trajectory = [
        TurnTrace(intent=t["intent"], confidence=round(t["confidence"], 2), level=t["level"],
                  frustration=round(t["frustration"], 2), rules=t.get("rules") or [])
        for t in state.get("trajectory") or []
    ]
    sense_ = state.get("sense") or {}
    if sense_ and (not trajectory or state.get("route") != "inbox"):
        f = sense_.get("frustration") or {}
        trajectory.append(TurnTrace(
            intent=sense_["intent"], confidence=round(sense_["confidence"], 2),
            level=f.get("level", "calm"), frustration=round(f.get("score", 0.0), 2),
            rules=[r["rule_id"] for r in decision.get("fired") or []]))
    wants = [t.intent for t in trajectory if t.intent not in
             {"greeting", "thanks", "goodbye", "affirm", "deny", "talk_to_human"}]
    # Nothing but a request for a person (and a "yes" to our offer): that is the need.
    main = wants[-1] if wants else "talk_to_human"
    tried_en, tried_ar = _tried(state)
    slots = {k: v for k, v in (state.get("slots") or {}).items() if k in
             {"order_id", "product", "amount", "date"}}
    level = trajectory[-1].level if trajectory else "calm"
    rule = next((r for r in deps.policies.escalation.rules if r.id == decision.get("rule_id")),
                None)
    why_en, why_ar = _why(state, decision, rule)
    orders_meant = list(dict.fromkeys(
        ([slots["order_id"]] if "order_id" in slots else [])
        + list((state.get("dialogue") or {}).get("focus_orders") or [])))[:3]
    order_part = {"en": f" about order {', '.join(orders_meant)}" if orders_meant else "",
                  "ar": f" بخصوص الطلب {'، '.join(orders_meant)}" if orders_meant else ""}
    words = customer_words(state)
    quoted = {"en": f" In their words: “{words}”." if words else "",
              "ar": f" بكلماته: «{words}»." if words else ""}
    # The intent label is our reading; the quote is what they said. When our reading was
    # unsure, the quote stands alone rather than an invented request.
    sure = max((t.confidence for t in trajectory if t.intent == main), default=0.0) >= _SURE
    need = {lang: _label(deps, main, lang) if sure or not words else
            ("see their words" if lang == "en" else "انظر كلماته") for lang in ("en", "ar")}
    summary = Bilingual(
        en=(f"The customer wants help with: {need['en']}{order_part['en']}.{quoted['en']} "
            f"Handed over because: {why_en}. Frustration now: {level}. "
            f"Assistant already: {', '.join(tried_en) or 'nothing yet'}."),
        ar=(f"يحتاج العميل مساعدة في: {need['ar']}{order_part['ar']}.{quoted['ar']} "
            f"سبب التحويل: {why_ar}. مستوى الانزعاج الآن: {_LEVEL_AR.get(level, level)}. "
            f"ما قام به المساعد: {'، '.join(tried_ar) or 'لا شيء بعد'}."),
    )
    lang = state.get("language") or "ar"
    skill = decision.get("skill") or "general"
    key = f"suggested.{skill}"
    try:
        template = deps.replies.label(key, lang)
    except KeyError:
        template = deps.replies.label("suggested.general", lang)
    suggested = template.replace("{name}", name[lang])
    return HandoffPacket(
        summary=summary,
        customer=customer,
        recent_orders=orders,
        trajectory=trajectory,
        fired_rules=[FiredRuleView(**r) for r in decision.get("fired") or []],
        policy_version=decision.get("policy_version"),
        tried=tried_en,
        slots=slots,
        last_messages=(state.get("customer_texts") or [])[-6:],
        suggested_reply=suggested,
    )


_SURE = 0.6
# "a person please", "ابي اكلم موظف": asks for someone, says nothing of the need.
_ONLY_A_PERSON = re.compile(
    r"\b(person|human|agent|representative|someone|somebody|real person|manager|supervisor)\b|"
    r"(موظف|انسان|احد من الفريق|حولني|وصلني|مسؤول|مدير|بشري)")
_QUOTE_CHARS = 240
# Messages that carry no request of their own ("yes", "a person please", "thanks").
_EMPTY_INTENTS = {"affirm", "deny", "thanks", "goodbye", "greeting", "talk_to_human"}


def customer_words(state: ConversationState) -> str:
    """What the customer asked, in their own words: their last messages that say something
    (not "yes", not a bare number), quoted as written, joined, trimmed at a word."""
    texts = [t for t in (state.get("customer_texts") or []) if t and t.strip()]
    kept: list[str] = []
    for text in reversed(texts):
        words = text.split()
        if (len(words) < 3 or confirmation.is_yes(text) or confirmation.is_no(text)
                or (len(words) <= 6 and _ONLY_A_PERSON.search(normalize(text)))):
            continue
        if text not in kept:
            kept.insert(0, text)
        if len(kept) == 2:
            break
    fallback = next((t for t in reversed(texts) if not confirmation.is_yes(t)
                     and not confirmation.is_no(t)), texts[-1] if texts else "")
    quote = " … ".join(kept) or fallback
    if len(quote) > _QUOTE_CHARS:
        quote = quote[:_QUOTE_CHARS].rsplit(" ", 1)[0] + "…"
    return quote


def _why(state: ConversationState, decision: dict[str, Any], rule: Any) -> tuple[str, str]:
    """Why it was handed over, in plain words for the agent (never the rule's legal text)."""
    results = state.get("tool_results") or []
    if results and results[-1].get("outcome") == "locked":
        return ("identity check failed too many times; verify the customer another way",
                "فشل التحقق من الهوية عدة مرات؛ يلزم التحقق بطريقة أخرى")
    if rule is not None:
        return (rule.label or rule.description.rstrip(".")), (
            rule.label_ar or rule.description_ar or rule.description).rstrip(".")
    if any(r.get("outcome") == "over_limit" for r in results):
        return ("refund above the assistant's approval limit",
                "استرداد يتجاوز حد الاعتماد لدى المساعد")
    return "the customer asked for a person", "طلب العميل التحدث مع موظف"


_LEVEL_AR = {"calm": "هادئ", "annoyed": "منزعج", "frustrated": "محبط", "angry": "غاضب"}
