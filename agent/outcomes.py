"""Turn tool outcomes and retrieved passages into approved replies (shared by both brains)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from agent import arabic
from agent.replies import ReplyBook, money
from agent.state import Citation, Lang, QuickReply, Reply
from knowledge.documents import Chunk
from knowledge.index import KnowledgeIndex, SearchResult
from tools.backend import now, shop_day

if TYPE_CHECKING:
    from policies.brand import BrandFacts

# Outcomes whose wording is fixed by policy in both brains (an LLM never paraphrases them).
APPROVED_OUTCOMES = {
    ("cancel_order", "needs_confirmation"),
    ("cancel_order", "ok"),
    ("cancel_order", "not_cancellable"),
    ("start_return", "needs_confirmation"),
    ("start_return", "ok"),
    ("start_return", "outside_window"),
    ("request_refund", "needs_confirmation"),
    ("request_refund", "ok"),
    ("request_refund", "over_limit"),
    ("verify_identity", "mismatch"),
    ("verify_identity", "locked"),
    ("verify_identity", "throttled"),
}

_GENERIC = {
    "needs_identity": "ask_verification",
    "not_found": "order_not_found",
    "invalid_args": "tool_error",
    "unknown_tool": "tool_error",
    "mismatch": "verify_mismatch",
    "locked": "verify_locked",
    "throttled": "verify_throttled",
    "changed": "order_changed",
    "not_named": "order_not_named",
}
_MAX_PASSAGE_CHARS = 700


def _date(value: str | None, lang: Lang = "en") -> str | None:
    """A date as a customer reads it: "Monday 7 December", "الاثنين 7 ديسمبر"."""
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return value
    # (A time is read on the shop's calendar; a bare date already is one.)
    day = shop_day(at) if at.tzinfo else at.date()
    return f"{arabic.DAYS[lang][day.weekday()]} {day.day} {arabic.MONTHS[lang][day.month - 1]}"


def _soon(day: str | None, in_days: int | None, lang: Lang, book: ReplyBook) -> str | None:
    """"today (Saturday 5 December)" when the date is today or tomorrow."""
    if day is None or in_days not in (0, 1):
        return day
    return f"{book.label('today' if in_days == 0 else 'tomorrow', lang)} ({day})"


def _full_date(day: date, lang: Lang) -> str:
    """"22 June 2028", "22 يونيو 2028": a date beyond this year says its year."""
    return f"{day.day} {arabic.MONTHS[lang][day.month - 1]} {day.year}"


def order_warranty_reply(data: dict[str, Any], lang: Lang, book: ReplyBook,
                         brand: "BrandFacts", faulty_within: int | None = None) -> Reply:
    """How long an order's products are covered: the manufacturer's warranty from the day it
    was delivered, and whether Rawaf Care can still be added. `faulty_within` (days from
    delivery a faulty product may go back, actions.yaml): given when the customer told of a
    fault, and the order is still inside it, the reply says so (a replacement or refund,
    before any warranty claim)."""
    w = brand.warranty
    years = arabic.count(w.manufacturer_years, "year", lang)
    care_days = arabic.count(w.care_within_days, "day", lang)
    values = order_values(data, lang, book)
    if not data.get("delivered_on"):
        return book.reply("warranty.order_not_delivered", lang, kind="order", data=data,
                          order_id=data["order_id"], years=years, care_days=care_days)
    delivered = date.fromisoformat(data["delivered_on"])
    try:
        until = delivered.replace(year=delivered.year + w.manufacturer_years)
    except ValueError:  # 29 February
        until = delivered.replace(year=delivered.year + w.manufacturer_years, day=28)
    care_until = delivered + timedelta(days=w.care_within_days)
    care = book.text("warranty.care_open" if care_until >= shop_day(now()) else "warranty.care_closed",
                     lang, care_until=_full_date(care_until, lang), care_days=care_days)
    reply = book.reply("warranty.order_delivered", lang, kind="order", data=data,
                       order_id=data["order_id"], items=values["items"],
                       delivered=_full_date(delivered, lang), years=years,
                       until=_full_date(until, lang), care=care)
    if faulty_within is not None and (shop_day(now()) - delivered).days <= faulty_within:
        reply["text"] += " " + book.text("warranty.fault_window", lang,
                                         days=arabic.count(faulty_within, "day", lang))
    return reply


def order_values(data: dict[str, Any], lang: Lang, book: ReplyBook) -> dict[str, Any]:
    """Placeholders for order templates, in the customer's language."""
    if "order_id" not in data or "items" not in data:
        return {"order_id": data.get("order_id")}
    sep = "، " if lang == "ar" else ", "
    # A partial return names only the items going back, and their amount.
    shown = data.get("selected") or data["items"]
    items = sep.join(
        f"{i['qty']}× {i['name'][lang]}" if i["qty"] > 1 else i["name"][lang] for i in shown
    )
    last = data.get("last_event")
    last_text = None
    if last:
        where = f" ({last['location'][lang]})" if last.get("location") else ""
        comma = "، " if lang == "ar" else ", "  # Arabic punctuation inside Arabic text
        last_text = f"{last['description'][lang]}{where}{comma}{_date(last['at'], lang)}"
    status = data.get("status")
    method = data.get("payment_method")
    return {
        "refund_timing": refund_timing(method, lang, book, paid=not (
            method == "cod" and status in _UNPAID_COD | {"cancelled"})),
        "payment_method": payment_label(method, lang, book),
        "order_id": data["order_id"],
        "items": items,
        "total": money(data["amount"] if data.get("selected") and data.get("amount") is not None
                       else data["total"], lang),
        "expected_delivery": _soon(_date(data.get("expected_delivery"), lang),
                                   data.get("expected_in_days"), lang, book),
        "carrier": data.get("carrier"),
        "tracking_number": data.get("tracking_number"),
        "last_event": last_text,
        "status_label": book.label(f"status.{status}", lang) if status else None,
    }


# A cash-on-delivery order is paid at the door: before delivery nothing was paid.
_UNPAID_COD = {"pending", "processing", "shipped", "out_for_delivery"}


def payment_label(method: str | None, lang: Lang, book: ReplyBook) -> str | None:
    if not method:
        return None
    try:
        return book.label(f"payment.{method}", lang)
    except KeyError:
        return method


def refund_timing(method: str | None, lang: Lang, book: ReplyBook, paid: bool = True) -> str:
    """When the money appears, for the order's own payment method (never another's)."""
    key = method if method else "unknown"
    if method == "cod" and not paid:
        key = "cod_unpaid"
    try:
        return book.label(f"refund_timing.{key}", lang)
    except KeyError:
        return book.label("refund_timing.unknown", lang)


def cite_help_centre(reply: Reply, index: KnowledgeIndex, lang: Lang, query: str,
                     topic: str) -> Reply:
    """A reply built from an order and the help centre's rule (an invoice that can still carry
    a company's name, the large-appliance fee behind a total) cites where the help centre
    states that rule: the best passage for `query` on `topic`, in the reply's language."""
    found = index.search(query, 3, frozenset({topic}))
    for passage in found.passages:
        if topic in passage.chunk.topics:
            chunk = index.counterpart(passage.chunk, lang)
            return {**reply, "citations": [*reply.get("citations", []), citation(chunk)]}
    return reply


def cite_refund_timings(reply: Reply, index: KnowledgeIndex, lang: Lang) -> Reply:
    """A refund timing for the order's method is the help centre's figure: cite where it
    says so (the refunds guide)."""
    found = index.search("how long does a refund take to appear mada credit card stc pay", 3)
    # The guide's section on every method before one method's FAQ entry.
    for passage in sorted(found.passages, key=lambda p: p.chunk.kind != "article"):
        chunk = index.counterpart(passage.chunk, lang)
        if chunk.lang == lang:
            return {**reply, "citations": [citation(chunk)]}
    return reply


def refund_timing_reply(d: dict[str, Any], lang: Lang, book: ReplyBook,
                        asked: list[str] | None = None) -> Reply:
    """"How long until I see it on my card?" about the order in focus. A method named in the
    question that the order was not paid with ("how long does a refund to STC Pay take?" about
    a cash order) is answered for that method."""
    method = d.get("payment_method")
    cards = {"visa", "mastercard"}
    if asked and len(asked) == 1 and asked[0] != method and not {asked[0], method} <= cards:
        label = book.label(f"payment.{'credit' if asked[0] == 'visa' else asked[0]}", lang)
        text = f"{label[:1].upper() + label[1:]}: " + refund_timing(asked[0], lang, book)
        return book.reply("refund.timing_method", lang, text=text)
    order_id = (d.get("focus_orders") or [None])[0]
    paid = not (method == "cod" and d.get("last_action") == "cancel_order")
    reply = book.reply("refund.timing", lang, data={"order_id": order_id, "payment_method": method},
                       order_id=order_id, payment_method=payment_label(method, lang, book),
                       refund_timing=refund_timing(method, lang, book, paid=paid))
    if paid and d.get("last_action") == "start_return" and d.get("last_outcome") == "ok":
        # "so I get it all back? when" after booking the return: the item is inspected first.
        reply["text"] = book.label("refund_issue.return_requested", lang) + " " + reply["text"]
    if paid and d.get("amount") and d.get("last_action") in {"start_return", "request_refund"}:
        # "how much do I get back and when?" after a return of one item: its amount too.
        reply["text"] = book.text("refund.amount", lang, amount=money(float(d["amount"]), lang)) \
            + " " + reply["text"]
    return reply


def order_lines(orders: list[dict[str, Any]], lang: Lang, book: ReplyBook) -> str:
    lines = []
    for o in orders:
        v = order_values(o, lang, book)
        lines.append(f"• {v['order_id']} — {v['status_label']} — {v['total']} — {v['items']}")
    return "\n".join(lines)


def order_choice_reply(orders: list[dict[str, Any]], lang: Lang, book: ReplyBook) -> Reply:
    """Ask which of the customer's orders they mean, one button per order."""
    quick = []
    for o in orders:
        first = o["items"][0]["name"][lang] if o.get("items") else ""
        more = len(o.get("items") or []) - 1
        label = f"{o['order_id']} · {first}" + (f" +{more}" if more > 0 else "")
        quick.append(QuickReply(label=label[:60], text=o["order_id"]))
    reply = book.reply("which_order", lang, data={"choices": [o["order_id"] for o in orders]},
                       lines=order_lines(orders, lang, book))
    reply["quick_replies"] = quick
    return reply


def _fault_note(data: dict[str, Any], lang: Lang, book: ReplyBook) -> str:
    """Past the change-of-mind window but inside the defective one, a faulty product can
    still go back; after that, the manufacturer's warranty."""
    days, window, defective = data.get("days"), data.get("window"), data.get("defective_window")
    if days is not None and defective and window and window < defective and days <= defective:
        return book.label("fault_note.within", lang).format(
            days=arabic.count(int(defective), "day", lang))
    return book.label("fault_note.warranty", lang)


def item_choice_reply(order: dict[str, Any], lang: Lang, book: ReplyBook) -> Reply:
    """Ask which of the order's items go back, one button per item and one for all."""
    quick = [QuickReply(label=i["name"][lang][:60], text=i["name"][lang]) for i in order["items"]]
    quick.append(QuickReply(label=book.label("all_items", lang),
                            text=book.label("all_items", lang)))
    sep = "، " if lang == "ar" else ", "
    reply = book.reply("which_item", lang, data={"order_id": order["order_id"]},
                       order_id=order["order_id"],
                       items=sep.join(i["name"][lang] for i in order["items"]))
    reply["quick_replies"] = quick
    return reply


def _item_price(item: dict[str, Any], lang: Lang) -> str:
    qty = item.get("qty", 1)
    name = item["name"][lang]
    return f"{qty} × {name} {money(item['unit_price'] * qty, lang)}" if qty > 1 else (
        f"{name} {money(item['unit_price'], lang)}")


def amount_reply(data: dict[str, Any], values: dict[str, Any], lang: Lang,
                 book: ReplyBook, fee_rule: str = "") -> Reply:
    """What an order comes to, part by part, and what is still due on delivery."""
    sep = " + "
    items = data.get("items") or []
    if len(items) > 1 or (items and items[0].get("qty", 1) > 1):
        # "the washer is 1099, so what is the rest?": each item's share of the subtotal.
        each = "، ".join if lang == "ar" else ", ".join
        parts = [book.text("amount.part_items_each", lang, amount=money(data["subtotal"], lang),
                           each=each(_item_price(i, lang) for i in items))]
        # The names are in the breakdown; the opening only counts them.
        values = values | {"items": arabic.count(sum(i.get("qty", 1) for i in items),
                                                 "product", lang)}
    else:
        parts = [book.text("amount.part_items", lang, amount=money(data["subtotal"], lang))]
    fee = data.get("delivery_fee") or 0.0
    parts.append(book.text("amount.part_delivery", lang, amount=money(fee, lang)) if fee
                 else book.label("amount.free_delivery", lang))
    if data.get("cod_fee"):
        parts.append(book.text("amount.part_cod", lang, amount=money(data["cod_fee"], lang)))
    cod = data.get("payment_method") == "cod"
    open_ = data.get("status") in {"pending", "processing", "shipped", "out_for_delivery"}
    due = ("amount.due_cod" if cod and open_ else "amount.paid_cod" if cod else "amount.paid")
    reply = book.reply(
        "amount.ok", lang, kind="order", data=data, **values,
        breakdown=sep.join(parts), vat=money(data.get("vat_included") or 0.0, lang),
        due=book.text(due, lang, total=values["total"], payment_method=values["payment_method"]))
    if fee_rule:
        reply["text"] += f" {fee_rule}"
    return reply


def outcome_reply(
    result: dict[str, Any], prefix: str | None, lang: Lang, book: ReplyBook
) -> Reply:
    """The approved reply for a tool outcome."""
    tool, outcome, data = result["tool"], result["outcome"], result.get("data", {})
    values = order_values(data, lang, book) | {
        "ticket_id": data.get("ticket_id"),
        "attempts_left": data.get("attempts_left"),
        "amount": money(data["amount"], lang) if data.get("amount") is not None else None,
        "days": data.get("days"),
        "window": data.get("window"),
        "days_ago": arabic.count(int(data["days"]), "day", lang) if data.get("days") is not None
        else None,
        "window_days": arabic.count(int(data["window"]), "day", lang)
        if data.get("window") is not None else None,
    }
    if outcome == "outside_window":
        values["fault_note"] = _fault_note(data, lang, book)
    if outcome == "throttled":
        # Rounded up to what a person would say: "about 3 hours", "about 20 minutes".
        minutes = max(1, -(-int(data.get("retry_after_seconds") or 60) // 60))
        values["wait"] = (arabic.count(-(-minutes // 60), "hour", lang) if minutes > 90
                          else arabic.count(minutes, "minute", lang))
        return book.reply("verify_throttled", lang, quick=["talk_to_human"], data=data, **values)
    if tool == "request_refund" and outcome == "not_refundable" and data.get("status") == "cancelled":
        # A cancelled order is refunded by the cancellation itself: say when, for its method.
        return book.reply("refund.after_cancel", lang, kind="order", data=data, **values)
    if (tool == "request_refund" and outcome == "not_refundable"
            and data.get("status") in {"shipped", "out_for_delivery"}):
        # On its way: no money to give back yet, but what the customer can do about it.
        reply = book.reply("refund.not_refundable", lang, kind="order", data=data, **values)
        reply["text"] += " " + book.text("refund.on_the_way_options", lang)
        return reply
    if tool == "list_orders" and outcome == "ok":
        values["lines"] = order_lines(data["orders"], lang, book)
        return book.reply("list.ok", lang, kind="orders", data=data, **values)
    if tool == "verify_identity" and outcome == "ok":
        return book.reply("verify_ok", lang, name=data["name"][lang], **values)
    key = f"{prefix}.{outcome}" if prefix else None
    if key and data.get("over_limit") and book.has(f"{key}_over_limit"):
        # Above what the assistant may approve: the yes sends the request to the refunds team.
        key = f"{key}_over_limit"
        values["limit"] = money(float(data.get("limit") or 0), lang).replace(".00", "")
    if tool == "request_refund" and outcome in {"needs_confirmation", "over_limit"} \
            and data.get("over_limit", outcome == "over_limit") and data.get("status") == "returned":
        # A person issues this refund after inspection: say where the item is and when.
        values["refund_timing"] = book.label("refund_issue.returned", lang) + " " \
            + values["refund_timing"]
    if key and data.get("asking") and data.get("status") == "returned" \
            and book.has(f"{key}_asking"):
        # "When do I get my money back?" is answered before the offer to issue it.
        key = f"{key}_asking"
    if key == "return.not_returnable":
        # "I'll take it and send the microwave back later": when that is possible, and how long.
        values["after_delivery"] = (book.label("return_after_delivery", lang)
                                    if data.get("status") in {"pending", "processing"} else "")
    if key == "return.not_returnable" and data.get("status") in {"shipped", "out_for_delivery"} \
            and book.has(f"{key}_on_the_way"):
        # Not delivered yet: refusing it at the door is what can be done now.
        key = f"{key}_on_the_way"
    if key and data.get("defective") and book.has(f"{key}_defective"):
        # A faulty product goes back under its own window, for a replacement or a refund.
        key = f"{key}_defective"
    if key and book.has(key):
        kind = "confirmation" if outcome == "needs_confirmation" else (
            "order" if "order_id" in data and "items" in data else "text"
        )
        quick = ["yes", "no"] if outcome == "needs_confirmation" else None
        reply = book.reply(key, lang, kind=kind, quick=quick, data=data, **values)
        failed = data.get("failed_attempt")
        if tool == "track_shipment" and failed and failed["at"] != (data.get("last_event") or {}).get("at"):
            # "it was supposed to come yesterday": the attempt that failed, and why.
            reply["text"] += " " + book.text("track.failed_attempt", lang,
                                             date=_date(failed["at"], lang),
                                             reason=failed["description"][lang].rstrip(" ."))
        return reply
    if outcome == "invalid_args" and "order_id" in str(data.get("reason", "")):
        return book.reply("invalid_order_id", lang)
    return book.reply(_GENERIC.get(outcome, "tool_error"), lang, **values)


def _trim(text: str) -> str:
    """Cut a passage at a sentence end so it reads as a whole answer."""
    text = re.sub(r"\n{3,}", "\n\n", text.strip())
    if len(text) <= _MAX_PASSAGE_CHARS:
        return text
    cut = text[:_MAX_PASSAGE_CHARS]
    end = max(cut.rfind(m) for m in (". ", ".\n", "؟", "。", "\n"))
    return cut[: end + 1].strip() if end > 200 else cut.rstrip() + "…"


def citation(chunk: Chunk) -> Citation:
    return Citation(id=chunk.id, title=chunk.title, source=chunk.source, anchor=chunk.anchor)


def knowledge_reply(
    result: SearchResult,
    lang: Lang,
    index: KnowledgeIndex,
    book: ReplyBook,
    answer_at: float,
    clarify_at: float,
) -> Reply | None:
    """Answer, ask which topic was meant, or nothing (None), by calibrated confidence.

    An answer comes from the best passage in the customer's language and cites its source.
    A clarifying question offers the distinct top passages as quick replies.
    """
    # Only passages the customer can read: one without a counterpart in their language is
    # passed over (an Arabic-only paragraph is no answer to an English question).
    readable = [p for p in result.passages if index.counterpart(p.chunk, lang).lang == lang]
    computed = "\n".join(result.facts)
    if result.facts and (not readable or result.confidence < answer_at):
        # The brand's figures answer the question's case even when no passage is sure; a
        # passage close enough to offer as a choice is where the help centre states them.
        cited = [citation(index.counterpart(readable[0].chunk, lang))] if (
            readable and result.confidence >= clarify_at) else []
        return book.reply("knowledge.answer", lang, citations=cited,
                          data={"confidence": round(result.confidence, 3), "facts": True},
                          answer=computed)
    if not readable or result.confidence < clarify_at:
        return None
    if result.confidence >= answer_at:
        chunk = index.counterpart(readable[0].chunk, lang)
        # The customer's case ("to Abha: 2-4 days") computed from the figures the cited
        # passage states; the passage's general rule would only repeat it less precisely.
        answer = computed or (
            chunk.answer if chunk.kind == "faq" and chunk.answer else _trim(chunk.text))
        cited = [citation(chunk)]
        for extra in result.supplements[:2] if not computed else []:
            more = index.counterpart(extra.chunk, lang)
            if more.lang != lang or more.group == chunk.group:
                continue
            # The part of the question the best passage leaves out, from its own source.
            answer += "\n\n" + (more.answer if more.kind == "faq" and more.answer
                                  else _trim(more.text))
            cited.append(citation(more))
        return book.reply(
            "knowledge.answer", lang, citations=cited,
            data={"confidence": round(result.confidence, 3)}, answer=answer,
        )
    options: list[QuickReply] = []
    seen: set[str] = set()
    for passage in readable:
        chunk = index.counterpart(passage.chunk, lang)
        # A section title reads as a question only for FAQ entries; articles show their title.
        label = chunk.title if chunk.kind == "faq" else chunk.title.split(" — ")[-1]
        if chunk.group in seen or label in {o["label"] for o in options}:
            continue
        seen.add(chunk.group)
        options.append(QuickReply(label=label[:80], text=chunk.title))
        if len(options) == 3:
            break
    reply = book.reply("knowledge.clarify", lang, kind="text",
                       data={"confidence": round(result.confidence, 3)})
    reply["quick_replies"] = options + book.quick(["talk_to_human"], lang)
    return reply
