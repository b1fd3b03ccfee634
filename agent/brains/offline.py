"""The embedded brain: intent -> declarative flow -> slots -> tool -> approved template.

Deterministic and explainable: every reply names the template it came from.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

from agent import arabic, arabizi, confirmation, dialogue
from agent.flows import Flow
from agent.facts import EARBUDS, answer as facts_answer, cities_in, fee_rule, read as facts_read
from agent.outcomes import (
    amount_reply, item_choice_reply, knowledge_reply, order_choice_reply, order_values,
    cite_help_centre, cite_refund_timings, order_warranty_reply, outcome_reply,
    refund_timing_reply,
)
from agent.replies import money
from agent.slots import mentions_fault, order_ids, stated_age_days, words_besides_slots
from policies.models import FRUSTRATION_ORDER
from agent.state import ConversationState, Lang, Reply, ToolCall
from knowledge.normalize import normalize
from knowledge.index import SearchResult
from tools.backend import now

if TYPE_CHECKING:
    from agent.deps import Deps

_MENU = ["track_order", "cancel_order", "delivery_info", "return_request", "talk_to_human"]
# When the runner-up is this close to the best guess, ask rather than guess.
_CLARIFY_MARGIN = 0.12
# Slots that, given alone, mean "here is what you asked me for" rather than a new request.
_FLOW_SLOTS = {"order_id", "contact"}
# ...unless the message is confidently a different action ("no, cancel 100251 instead").
_SWITCH_CONFIDENCE = 0.6
# A ticket is a record a person will act on: only file one when the request is clear.
_TICKET_CONFIDENCE = 0.5
_WRITE_INTENTS = {"cancel_order", "start_return", "request_refund"}
# Questions about an order's return or refund, and the action that answers them for the order.
# Intents that ask for nothing themselves ("ok", "thanks", "hi").
_NO_REQUEST = {"affirm", "thanks", "greeting", "goodbye"}
_ABOUT_ORDER = {"refund_status": "request_refund", "return_request": "start_return"}
# "my invoice never came", "ما وصلتني فاتورة طلبي": their own order's invoice is missing.
_MY_INVOICE_MISSING = re.compile(
    r"\b(didn'?t|did not|never|haven'?t|have not|not) (get|got|receive|received|come|came|arrive|"
    r"arrived)\b.*\binvoice\b|\binvoice\b.*\b(never came|didn'?t come|not (received|arrived)|"
    r"missing)\b|(ما|لم) (وصلتني|وصلني|جاتني|جتني|تصلني|استلمت) (ال)?فاتوره|"
    r"(ال)?فاتوره (ما|لم) (وصلت|جات|تصل|توصل)")
_SENT_BACK = re.compile(r"\b(i (returned|sent back|sent it back|gave back)|my return)\b|"
                        r"(اللي رجعته|اللي رجعتها|اللي ارجعته|رجعته|رجعتها|ارجعته|المرتجع حقي|مرتجعي|"
                        # "رجعت كم غرض ولحد الحين ما نزل لي شي": some things sent back.
                        r"رجعت (كم|بعض|اغراض|منتجات|اشياء)|رجعتهم|ارجعتهم)")
_ACTIONS = {"cancel_order", "start_return", "request_refund", "track_order"}
_WANTS = re.compile(r"\b(i want|i'?d like|i need|please|pls|want to)\b|"
                    r"(ابي|ابغي|ابغا|ودي|بدي|عايز|عاوز|ارغب|اريد|حابب)")
# "if I open them and don't like them, can I send them back?": a question about the policy,
# not a request to act, even when the classifier wavers towards the action.
_POLICY_QUESTION = re.compile(
    r"\b(if i|what if|if it|if they|if the|in case)\b.*\b(can i|could i|will i|do i|would i|is it)\b|"
    r"\b(can i|could i|will i|do i)\b.*\b(if i|if it|if they)\b|"
    r"(^|\s)(لو|اذا|في حال)\s.*(اقدر|اقدرا|يمديني|امداني|ينفع|يمكنني|استطيع|ممكن ا)")
# "return it as defective for a refund": the refund follows the return, which comes first.
# Narrower than facts.RETURN_ASK on purpose: "ابي استرجع فلوسي" asks for the money back.
_RETURN_VERB = re.compile(r"\b(return|send (it|them|em) back)\b|(^|\s)(ارجع|ارجاع|رجع|ارجعه|"
                          r"ارجعها|رجعه|رجعها)(\s|$)")
# "What can I do then?" after a refusal: what the policy offers instead.
_ALTERNATIVES = {"not_cancellable": "cancel.alternatives", "outside_window": "return.alternatives",
                 "not_returnable": "return.alternatives_not_delivered",
                 "not_refundable": "return.alternatives_not_delivered"}


def _items_said(text: str, order: dict[str, Any], words: dict[str, tuple[str, ...]],
                category_of: dict[str, str]) -> set[int]:
    """The order's items the text names, the ones said to stay included."""
    return (set(dialogue.items_named(text, order, words, category_of))
            | dialogue.staying_items(text, order, words, category_of))


def tool_call(name: str, args: dict[str, Any]) -> ToolCall:
    return ToolCall(id=f"call_{uuid.uuid4().hex[:12]}", name=name, args=args)


# Asking for the money itself ("I need my refund", "ابي فلوسي").
_MONEY_BACK = re.compile(r"\b(refund|refunded|money|pay me back|reimburse)\b|"
                         r"(استرداد|الاسترداد|فلوسي|الفلوس|فلوسه|فلوسها|فلوسهم|مبلغي|المبلغ|مبلغه|"
                         r"ترجعون|رجعوا فلوسي)")
# A company's invoice (name and VAT number on it), as opposed to any invoice.
_COMPANY = re.compile(r"\b(company|business|corporate|firm|vat (number|no|registration)|tax number|"
                      r"cr number)\b|(شركه|الشركه|مؤسسه|مؤسستي|شركتي|المؤسسه|الرقم الضريبي|"
                      r"رقم ضريبي|رقمها الضريبي|سجل تجاري|مكتب)")


# "my refund", "i sent it back": the customer's own case, not how refunds work in general.
_OWN_CASE = re.compile(
    r"\b(where('?s| is) my (refund|money)|my refund|i (sent|returned|gave) (it|them|the [\w-]+) back|"
    r"sent back the|already (returned|sent)|i (have |already )?(returned|sent back) (an?|my|the|both|two|2)"
    r")\b|(وين فلوسي|وين الاسترداد|وين استرجاعي|فلوسي|استرجاعي|"
    r"رجعت (ال)?\S+|ارجعت)")


def _request_text(state: ConversationState) -> str:
    """The words of the request being served: this message, or, when it only answers our
    question (an email, a phone), the last message that asked for something."""
    if not (state.get("sense") or {}).get("slot_only"):
        return state["text"]
    for text in reversed((state.get("customer_texts") or [])[:-1]):
        if words_besides_slots(text) >= 2:
            return text
    return state["text"]


# "وبالمره التابلت", "and the tablet too": another item, added to what was asked before.
_ANOTHER_TOO = re.compile(r"\b(too|also|as well)\b|(^| )(وبالمره|بالمره|كمان|وكمان)( |$)|(^| )و\S+ بعد( |$)")
# "…ابي ارجعها، ما عجبتني بس هي سليمة مافيها شي", "nothing wrong with it": the item itself
# is fine ("التابلت مافيه شي" is another item, the one kept).
_ITSELF_FINE = re.compile(
    r"\b(it|its|it'?s|they|they'?re|theyre|it is|they are) (is |are )?(fine|ok|okay|working fine|"
    r"works fine|perfect|brand new|like new)\b|\b(nothing|no problem|no issue)s? (is )?(wrong )?with (it|them)\b|"
    r"(^| )(هي|هو|هم|بس هي|بس هو) (\S+ )?(سليمه|سليم|مافيها شي|ما فيها شي|مافيه شي|ما فيه شي|"
    r"شغاله|شغال|زينه|زين|جديده|جديد)")
_TOO_OR_AND = re.compile(r"\b(and|n|&|too|also|both|as well)\b|(^| )(و|كمان|بعد|والثاني)")
# "all my orders", "both orders", "my 2 orders": every order the message describes.
_ALL_ORDERS = re.compile(r"\b(all (of )?my orders|both (of )?my orders|both orders|my (2|two|3|three) orders)\b|"
                         r"(كل طلباتي|جميع طلباتي|الطلبين|طلبيني|الاثنين|كلها)")


# "my orders", "عندي كم طلب": more than one order meant.
_SEVERAL_ORDERS = re.compile(r"\b(orders|my (2|two|3|three) orders)\b|(طلبات|طلباتي|الطلبات|كم طلب|"
                             r"اكثر من طلب|طلبين|الطلبين)")


_ASKS_COD = re.compile(r"\b(cash on delivery|cod|pay (in )?cash)\b|(الدفع عند الاستلام|الدفع كاش|"
                       r"ادفع كاش|كاش عند الاستلام|الدفع نقدا)")
_LEAD_CLAUSE = re.compile(r"^\s*([^.!،,;؛\n]{1,40})[.!،,;؛\n]+\s*(.+)$", re.S)


def _new_matter_after_nvm(text: str, deps: "Deps") -> bool:
    """"ok nvm. the sony headphones from last month tho, left side keeps buzzing": the "never
    mind" closes what came before; what follows is a new matter, not a no."""
    m = _LEAD_CLAUSE.match(text)
    if not m or not dialogue.KEEP.search(normalize(m.group(1))) or dialogue.KEEP.search(
            normalize(m.group(2))):
        return False
    rest = m.group(2)
    words = dialogue.product_words(deps.settings.product_words_file)
    return len(rest.split()) >= 4 and bool(
        mentions_fault(rest) or dialogue.categories_in(rest, words)
        or deps.understanding.products.find(rest))


def _awaiting_identity(state: ConversationState, deps: "Deps") -> str | None:
    """The order request of an earlier part of this message that waits for the visitor's
    email or mobile ("…when does it arrive? and can i still cancel if…"): a question
    answered beside it leaves it waiting, so the contact, when given, resumes it."""
    active = state.get("active_flow")
    flow = deps.flows.get(active) if active else None
    asked = {(r.get("data") or {}).get("template") for r in state.get("part_replies") or []}
    # ("cancel RW-100301" -> email asked -> "I got a code on my phone, is that enough?": the
    # cancellation still waits for the email, across the question answered between.)
    waiting = bool((state.get("slots") or {}).get("order_id")) and not (
        (state.get("slots") or {}).get("contact"))
    if ((asked & {"ask_contact", "ask_verification"} or waiting) and not state.get("customer_id")
            and flow is not None and flow.identity and flow.tool):
        return active
    return None


def _other_product(state: ConversationState, deps: "Deps") -> bool:
    """A kind of product is named that the order in focus does not hold."""
    words = dialogue.product_words(deps.settings.product_words_file)
    kinds = dialogue.categories_in(state["text"], words)
    held = set(dialogue.of(state).get("focus_categories") or [])
    return bool(kinds) and bool(held) and not (set(kinds) & held)


def _earlier_product_text(state: ConversationState, deps: "Deps") -> str | None:
    """The customer's latest earlier message that named a product (of the last three), in
    Arabic script if it was Arabizi, when this one names none: "did i pay delivery on them?"
    two messages after "my 2 split ACs…"."""
    if _names_a_product(state, deps):
        return None
    words = dialogue.product_words(deps.settings.product_words_file)
    for text in reversed((state.get("customer_texts") or [])[:-1][-3:]):
        if arabizi.looks_like_arabizi(text):
            text = arabizi.to_arabic(text)
        if deps.understanding.products.find(text) or dialogue.categories_in(text, words):
            return text
    return None


def _whole_order_reply(order: dict[str, Any], picked: list[int], lang: Lang,
                       deps: "Deps") -> Reply:
    """A single item cannot be taken out of a placed order: what can be done instead."""
    sep = "، " if lang == "ar" else ", "
    reply = deps.replies.reply("cancel.whole_order", lang, order_id=order["order_id"],
                               items=sep.join(i["name"][lang] for i in order["items"]))
    buds = [order["items"][k] for k in picked
            if EARBUDS.search(normalize(order["items"][k]["name"]["en"]))]
    if buds:
        # "remove the airpods": returning them instead holds only while they are sealed,
        # which the customer must know before choosing.
        reply["text"] += " " + deps.replies.text("cancel.whole_order_earbuds", lang,
                                                 name=buds[0]["name"][lang])
    return reply


def _items_taken_out(text: str, order: dict[str, Any], deps: "Deps") -> list[int]:
    """The items "take off the air fryer and keep the buds" names, when that is some of the
    order's items and not all of them (else none)."""
    if len({i["sku"] for i in order.get("items") or []}) < 2:
        return []
    words = dialogue.product_words(deps.settings.product_words_file)
    picked = dialogue.items_named(dialogue.only_clause(text), order, words,
                                  deps.understanding.products.category_of)
    if (picked and len(picked) < len(order["items"]) and not dialogue.means_all(text)
            and (dialogue.means_only(text) or dialogue.staying_items(
                text, order, words, deps.understanding.products.category_of))):
        return picked
    return []


class OfflineBrain:
    name = "offline"

    async def respond(self, state: ConversationState, deps: "Deps") -> dict[str, Any]:
        lang: Lang = state["language"]
        results = state.get("tool_results") or []
        if results:
            return self._after_tool(state, deps, results[-1], lang)
        sense = state["sense"]
        intent, conf = sense["intent"], sense["confidence"]
        book = deps.replies
        active = state.get("active_flow")

        if intent == "bot_question":
            # Asked whether this is a bot: the approved AI disclosure, never a handoff offer.
            text = getattr(deps.policies.voice.voice.ai_disclosure, lang)
            reply = Reply(text=text, lang=lang, kind="text", citations=[],
                          quick_replies=book.quick(["talk_to_human"], lang),
                          data={"template": "ai_disclosure"})
            return {"replies": [reply]}
        if intent == "callback_status":
            cb = dialogue.of(state).get("callback") or {}
            return {"replies": [self._callback_reply("handoff.callback_status", cb, deps, lang)]}
        if intent == "contact_incomplete" and (state.get("slots") or {}).get("order_id"):
            # "jameswilson@": the address was cut off; the same question, and nothing else.
            return {"replies": [book.reply("ask_contact", lang,
                                           order_id=state["slots"]["order_id"])],
                    "active_flow": state.get("active_flow")}
        if intent == "safety_advice":
            return {"replies": [book.reply("safety.advice", lang)]}
        if intent == "verify_why":
            return {"replies": [book.reply("verify_why", lang)],
                    "active_flow": state.get("active_flow")}
        if intent == "refund_not_seen":
            order_id = (dialogue.of(state).get("focus_orders") or [None])[0]
            return {"replies": [book.reply("refund.not_seen", lang, order_id=order_id,
                                           quick=["talk_to_human"])]}
        if intent == "not_your_order":
            return {"replies": [book.reply("privacy.not_your_order", lang, order_id=(
                dialogue.of(state).get("other_order") or ""))]}
        if intent == "delivery_hour":
            order_id = (dialogue.of(state).get("focus_orders") or [None])[0]
            return {"replies": [book.reply("track.no_exact_hour", lang, order_id=order_id)]}
        if intent == "alternatives":
            key = _ALTERNATIVES[dialogue.of(state).get("last_outcome") or ""]
            if sense.get("no_fault") and key == "return.alternatives":
                key = "return.no_fault"  # "they're not broken, I just don't like them"
            order_id = (dialogue.of(state).get("focus_orders") or [None])[0]
            window = arabic.count(deps.policies.actions.start_return.window_days, "day", lang)
            faulty = arabic.count(deps.policies.actions.start_return.defective_window_days, "day", lang)
            return {"replies": [book.reply(key, lang, order_id=order_id, window=window,
                                           defective_window=faulty)]}
        retrieval = state.get("retrieval")
        if sense.get("knowledge_first") and retrieval and (
                retrieval.get("facts")
                or retrieval["confidence"] >= deps.settings.knowledge_min_confidence):
            return self._answer_from_knowledge(state, deps, lang, active_flow=None)
        if (sense.get("knowledge_first") and retrieval and intent in _NO_REQUEST
                and ("?" in state["text"] or "؟" in state["text"])):
            # "تمام، بس … يصير اخوي يستلمه عني؟": a question after the "ok" gets the help
            # centre's answer, or its closest topics to choose from; never "how can I help?".
            return self._answer_from_knowledge(state, deps, lang, active_flow=None)
        if ((sense.get("order_invoice") or sense.get("order_address") or sense.get("order_warranty"))
                and deps.flows.get("order_amount") is not None):
            # The invoice, the address or the warranty of one of their orders: read that order
            # (its status or delivery date decides), after the identity check for a visitor.
            d = dialogue.of(state)
            d["order_question"] = ("address" if sense.get("order_address") else
                                   "warranty" if sense.get("order_warranty") else "invoice")
            if not state.get("customer_id"):
                # A visitor proves it is their order first (the contact for the number given).
                out = self._run_flow("order_amount", deps.flows.get("order_amount"),  # type: ignore[arg-type]
                                     {**state, "dialogue": d}, deps, lang)
                return out | {"dialogue": {**(out.get("dialogue") or d),
                                           "order_question": d["order_question"]}}
            if sense["slots"].get("order_id"):
                call = self._flow_call(deps.flows.get("order_amount"), state)  # type: ignore[arg-type]
                return {"tool_calls": [call], "active_flow": "order_amount", "dialogue": d}
            return self._resolve_order("order_amount", {**state, "dialogue": d}, deps)
        if (intent == "refund_timing" and state.get("customer_id")
                and deps.flows.get("order_amount") is not None and _other_product(state, deps)):
            # "and the washer's money, when does it come back?" while another order is in
            # focus: that product's order, and its own payment method.
            return self._resolve_order("order_amount", {
                **state, "sense": {**state["sense"], "money_timing": True}}, deps) | {
                "sense": {**state["sense"], "money_timing": True}}
        if intent == "refund_timing":
            asked = facts_read(state["text"], deps.policies.brand, {}).methods
            return {"replies": [cite_refund_timings(refund_timing_reply(
                dialogue.of(state), lang, book, asked), deps.knowledge, lang)]}
        # A customer answering our question (an order number, an email) continues that flow,
        # whatever the classifier makes of a bare "RW-100234".
        target = deps.flows.get(intent)
        switching = (
            words_besides_slots(state["text"]) >= 2
            and conf >= _SWITCH_CONFIDENCE
            and intent != active
            and target is not None
            and (target.tool is not None or target.handoff)
        )
        if active and _FLOW_SLOTS & set(sense["slots"]) and not switching:
            return self._run_flow(active, deps.flows.get(active), state, deps, lang)
        d = dialogue.of(state)
        if (switching and d.get("awaiting") == "which_order"
                and sense["slots"].get("order_id") in (d.get("choices") or [])
                and not dialogue.ACTION_ASKED.search(normalize(state["text"]))):
            # "the xiaomi first, 100209" after "which order?": one of the orders offered,
            # named with no change of its own; the request waiting for it goes on.
            switching = False
        if switching and d.get("awaiting") == "which_order" and d.get("choices") and (
                _describes_an_order(state, deps)):
            # "ابي اكنسل" -> "أي طلب تقصد؟" -> "الطلب حق el vacuum 😅": which order, described
            # by what is in it; whatever the words resemble, not a new request.
            switching = False
        if (switching and d.get("awaiting") == "which_item" and d.get("want")
                and not re.search(r"\bcancel|الغ(?!ل)|كنسل", normalize(state["text"]))
                and _answers_which(state, deps)):
            # "الغلايات، غيرت رايي. ما فتحتها" after "which of them goes back?": the items
            # meant, with why; "changed my mind" asks for no cancellation.
            switching = False
        if (d.get("awaiting") in ("which_order", "which_item") and d.get("want")
                and not switching and state.get("customer_id") and not state.get("part_replies")
                and _answers_which(state, deps)):
            # "the iphone one", "the second", "الثلاجة": an answer to "which order?".
            want = d["want"]
            return self._resolve_order(want, state, deps)

        after_write = intent == "deny" and d.get("last_action") in _WRITE_INTENTS
        if ((intent in _WRITE_INTENTS or after_write) and not state.get("pending")
                and not _new_matter_after_nvm(state["text"], deps) and (
                (dialogue.KEEP.search(normalize(state["text"]))
                 and not (intent in _WRITE_INTENTS and dialogue.ACTION_ASKED.search(
                     dialogue.KEEP.sub(" ", normalize(state["text"])))))
                or (after_write and dialogue.act(state["text"]) == "deny"))):
            done = d.get("last_action") == "cancel_order" and d.get("last_outcome") == "ok"
            if done and d.get("focus_orders"):
                # "wait no, keep it" right after the cancellation went through: say plainly
                # that it is done, not that nothing changed.
                return {"replies": [book.reply("cancel.cannot_undo", lang,
                                               order_id=d["focus_orders"][0])],
                        "active_flow": None}
            # "no wait, don't cancel it" with nothing waiting: nothing changes, and we say so.
            return {"replies": [book.reply("nothing_changed", lang)], "active_flow": None}
        besides = words_besides_slots(state["text"])
        # A retry after a mismatch, or "خلاص انا صاحب الطلب، رقمي 05…": a contact given to
        # prove the order named before.
        retry = (bool(state.get("verify_failures")) and besides <= 8) or besides <= 3
        if (sense.get("slot_only") or retry) and "order_id" not in sense["slots"] \
                and not state.get("active_flow"):
            known = state.get("slots") or {}
            d = dialogue.of(state)
            # The order named before, even in another part of an earlier message.
            named = known.get("order_id") or next(
                (o for t in reversed((state.get("customer_texts") or [])[:-1])
                 for o in reversed(order_ids(t))), "")
            pair = [named, known.get("contact") or ""]
            if (not state.get("customer_id") and "contact" in sense["slots"] and all(pair)
                    and d.get("failed_pair") != pair):
                # "I need the invoice for order 100239" -> (the help centre) -> "omar@…": the
                # contact proves that order is theirs; what they asked about it comes next.
                topic = d.get("topic")
                topic_flow = deps.flows.get(topic) if topic else None
                carry = topic if topic_flow is not None and topic_flow.tool and (
                    "order_id" in topic_flow.slots) else None
                return {"tool_calls": [tool_call("verify_identity", {
                    "order_id": pair[0], "contact": pair[1]})], "active_flow": carry,
                    "slots": {**known, "order_id": pair[0]}}
        if sense.get("slot_only") and "order_id" not in sense["slots"]:
            # An email or phone on its own, with no question pending: ask what they need.
            return {"replies": [book.reply("how_can_i_help", lang)]}
        if conf < deps.settings.intent_min_confidence:
            return self._fallback(state, deps, lang)

        alts = sense["alternatives"]
        pair = {intent, alts[0]["intent"]} if alts else set()
        norm_text = normalize(state["text"])
        if conf < 0.6 and len(pair) == 2 and _POLICY_QUESTION.search(norm_text):
            info = pair - _ACTIONS
            if len(info) == 1 and pair & _ACTIONS and info <= set(_ABOUT_ORDER):
                intent, conf = info.pop(), max(conf, 0.6)
        elif (conf < 0.6 and pair == {"start_return", "request_refund"}
              and _RETURN_VERB.search(norm_text)):
            intent, conf = "start_return", max(conf, 0.6)
        names_own = bool(state.get("customer_id")) and (
            bool(sense["slots"].get("order_id")) or _names_a_product(state, deps)
            # "الطلب اللي رجعته متى ترجع فلوسه؟": the order they sent back is one of theirs.
            # (A number beside it, "طلب ١٧٦ اللي رجعته", is an order they are still naming.)
            or (intent == "refund_status" and bool(_SENT_BACK.search(norm_text))
                and not re.search(r"\d", state["text"]))) or (
            # "order 100252 got cancelled, where's my refund?" from a visitor: that order's
            # refund, once they prove it is theirs (the flow asks), not a help-centre page.
            intent == "refund_status" and bool(sense["slots"].get("order_id")))
        if names_own and intent in _ABOUT_ORDER and (
                intent == "refund_status" or _WANTS.search(normalize(state["text"]))):
            # "where's the money for the fryer I sent back?" from a signed-in customer is about
            # their own order: the action's flow checks its state (refunded, returned...).
            intent = _ABOUT_ORDER[intent]
            conf = max(conf, 0.6)
        elif names_own and alts and conf < 0.6:
            pair = {intent, alts[0]["intent"]}
            action = next((i for i in pair if i in _ACTIONS), None)
            if action and pair - {action} <= set(_ABOUT_ORDER):
                # Between doing it and asking about it, a customer naming their own order or
                # product wants it done (the flow still asks for a yes).
                intent, conf = action, max(conf, 0.6)
        upset = _level(state) >= 2
        if (
            not upset  # an upset customer gets our best guess, not another question
            and alts
            and conf < 0.6
            and conf - alts[0]["confidence"] < _CLARIFY_MARGIN
            and _has_quick(book, intent)
            and _has_quick(book, alts[0]["intent"])
            # "where are my two orders": listing them or tracking them answers either way.
            and {intent, alts[0]["intent"]} != {"track_order", "list_orders"}
            # "كم ياخذ الاسترداد اذا الدفع كان أبل باي؟": two help-centre topics, and the help
            # centre is sure of its answer; the answer is better than a choice.
            and not (deps.flows.needs_knowledge(intent) and deps.flows.needs_knowledge(alts[0]["intent"])
                     and (state.get("retrieval") or {}).get("confidence", 0.0)
                     >= deps.settings.knowledge_min_confidence)
        ):
            reply = book.reply("clarify", lang, quick=[intent, alts[0]["intent"]])
            return {"replies": [reply], "failures": state.get("failures", 0) + 1}

        flow = deps.flows.get(intent)
        if flow is None:
            return self._fallback(state, deps, lang)
        if "injection" in (state.get("guard_flags") or []) and flow.tool == "create_ticket":
            # An attempt to give us instructions is never filed as a complaint.
            return {"replies": [book.reply("out_of_scope", lang)], "active_flow": None}
        if flow.tool == "create_ticket":
            open_ = await deps.backend.open_tickets(state["conversation_id"])
            if open_:
                # One ticket per issue per conversation: the same complaint again is added
                # to the open ticket, never filed twice.
                ticket = open_[0]
                await deps.backend.update_ticket(
                    ticket.id, body=f"{ticket.body}\n\n---\nCustomer added: {state['text']}"[:4000])
                cb = dialogue.of(state).get("callback") or {}
                if cb.get("ticket_id") == ticket.id and cb.get("by"):
                    # Nobody could take the chat and a callback is booked: offering a person
                    # now would promise what the team just could not give; say when instead.
                    return {"replies": [self._callback_reply(
                        "handoff.callback_added", cb, deps, lang)], "active_flow": None}
                return {"replies": [book.reply("complaint.exists", lang,
                                               ticket_id=ticket.id)], "active_flow": None}
        if flow.tool == "create_ticket" and conf < _TICKET_CONFIDENCE:
            # Filing a complaint on a guess would be worse than asking.
            reply = book.reply("clarify", lang, quick=[intent, "talk_to_human"])
            return {"replies": [reply], "failures": state.get("failures", 0) + 1}
        return self._run_flow(intent, flow, state, deps, lang)

    @staticmethod
    def _callback_reply(key: str, cb: dict[str, Any], deps: "Deps", lang: Lang) -> Reply:
        """When the team calls back about the ticket, in the handoff notice's own wording."""
        from datetime import datetime

        from agent.packet import local_time

        staffing = deps.policies.staffing
        return deps.replies.reply(
            key, lang, ticket_id=cb.get("ticket_id"),
            callback=local_time(datetime.fromisoformat(cb["by"]), staffing, lang),
            within=arabic.count(int(staffing.callback.within_hours), "working_hour", lang))

    # --- flows -------------------------------------------------------------------------------

    def _run_flow(
        self, name: str, flow: Flow | None, state: ConversationState, deps: "Deps", lang: Lang
    ) -> dict[str, Any]:
        book = deps.replies
        if flow is None:
            return self._fallback(state, deps, lang)
        if flow.handoff:
            # The escalation policy decides when a request hands over (see escalation.yaml);
            # when it did not, offer once, with a button, and say what we can do right now.
            staffing = deps.policies.staffing
            if staffing.is_open(now()):
                reply = book.reply("handoff.offer", lang,
                                   quick=["talk_to_human", "track_order", "return_request"])
            else:
                # Nobody can join now: the offer says so, with the hours and the callback.
                from agent.packet import hours_text

                reply = book.reply(
                    "handoff.offer_closed", lang,
                    quick=["talk_to_human", "track_order", "return_request"],
                    hours=hours_text(staffing, lang),
                    within=arabic.count(int(staffing.callback.within_hours), "working_hour", lang))
            return {"replies": [reply], "active_flow": None, "offered_human": True}
        if flow.reply is not None:
            values: dict[str, Any] = {"name_part": "", "salutation": arabic.greeting_in_kind(
                normalize(state.get("message_text") or state["text"]), lang)
                or book.label("salutation", lang)}
            return {"replies": [book.reply(flow.reply, lang, **values)], "active_flow": None,
                    "failures": 0}
        if flow.knowledge:
            out = self._answer_from_knowledge(state, deps, lang,
                                              active_flow=_awaiting_identity(state, deps))
            action = _ABOUT_ORDER.get(name) if name == "refund_status" else None
            if (action and not state.get("customer_id") and out.get("failures") == 0
                    and _OWN_CASE.search(normalize(state["text"]))
                    and not (state.get("sense") or {}).get("slots", {}).get("order_id")):
                # "where is my refund?? i sent back the ipad" from a visitor: how refunds
                # work, and the order number to check theirs.
                out["replies"].append(book.reply("ask_order_to_check.refund_status", lang))
                out["active_flow"] = action
                out["dialogue"] = dialogue.focus(dialogue.of(state), None, awaiting="order_id")
            elif (name == "invoice" and not state.get("customer_id") and out.get("failures") == 0
                    and _MY_INVOICE_MISSING.search(normalize(state["text"]))
                    and not (state.get("sense") or {}).get("slots", {}).get("order_id")):
                # "my invoice never came" from a visitor: how invoices are sent, and the order
                # number to check theirs.
                out["replies"].append(book.reply("ask_order_to_check.invoice", lang))
                out["dialogue"] = {**(out.get("dialogue") or dialogue.of(state)),
                                   "awaiting": "order_id"}
            return out
        assert flow.tool is not None
        slots = state.get("slots") or {}
        if "order_id" in flow.slots and state.get("customer_id") and (
                _needs_resolving(state, deps) or flow.tool == "start_return"):
            # A signed-in customer is never asked for an order number: "my order", "my last
            # order" or "the fridge" is found among their own orders.
            return self._resolve_order(name, state, deps)
        def asking(reply: Reply) -> Reply:
            if flow.tool == "start_return" and (state["sense"].get("fault")
                                                or mentions_fault(state["text"])):
                # "the left one crackles, can I still return them?": the rule that applies
                # (a faulty item's window) comes with the question for what we need.
                days = deps.policies.actions.start_return.defective_window_days
                had = stated_age_days(" ".join((state.get("customer_texts") or [])[-3:]
                                               + [state["text"]]))
                # "it stopped after 40 days": past the faulty window, the warranty applies.
                key = "return.faulty_rule_warranty" if had and had > days else "return.faulty_rule"
                reply["text"] = book.text(key, lang, defective=arabic.count(
                    days, "day", lang)) + " " + reply["text"]
            return reply

        if "order_id" in flow.slots and "order_id" not in slots:
            ask = asking(book.reply("ask_order_id", lang))
            return {"replies": [ask], "active_flow": name,
                    "dialogue": dialogue.focus(dialogue.of(state), None, awaiting="order_id")}
        if flow.identity and not state.get("customer_id"):
            failed = dialogue.of(state).get("failed_pair")
            if failed and [slots.get("order_id"), slots.get("contact")] == failed:
                # Nothing new since the pair that did not match: ask again, spend nothing.
                return {"replies": [book.reply("ask_contact", lang, order_id=slots["order_id"])],
                        "active_flow": name}
            if "order_id" in slots and "contact" in slots:
                call = tool_call(
                    "verify_identity", {"order_id": slots["order_id"], "contact": slots["contact"]}
                )
                return {"tool_calls": [call], "active_flow": name}
            if "order_id" in slots:
                return {
                    "replies": [asking(book.reply("ask_contact", lang, order_id=slots["order_id"]))],
                    "active_flow": name,
                }
            return {"replies": [book.reply("ask_verification", lang)], "active_flow": name}
        return {"tool_calls": [self._flow_call(flow, state)], "active_flow": name}

    @staticmethod
    def _resolve_order(name: str, state: ConversationState, deps: "Deps") -> dict[str, Any]:
        """Read the customer's own orders (an audited read) to find the one meant."""
        d = dialogue.of(state)
        d["want"] = name
        return {"tool_calls": [tool_call("list_orders", {"limit": 20})], "active_flow": name,
                "dialogue": d}

    def _after_orders_listed(
        self, state: ConversationState, deps: "Deps", result: dict[str, Any], lang: Lang
    ) -> dict[str, Any]:
        d = dialogue.of(state)
        want = d.get("want") or ""
        orders = (result.get("data") or {}).get("orders") or []
        if not orders:
            return {"replies": [deps.replies.reply("list.empty", lang)], "active_flow": None,
                    "dialogue": dialogue.focus(d, None, want=None, awaiting=None, choices=[])}
        words = dialogue.product_words(deps.settings.product_words_file)
        category_of = deps.understanding.products.category_of
        given = (state.get("slots") or {}).get("order_id")
        if d.get("awaiting") == "which_item" or (given and not _needs_resolving(state, deps)):
            # The order is known (named, or the one whose items we asked about).
            focus_id = given if d.get("awaiting") != "which_item" else (
                d.get("focus_orders") or [given])[0]
            candidates = [o for o in orders if o["order_id"] == focus_id]
            named = True
            if not candidates:  # not theirs, or too old to list: the tool answers for it
                flow = deps.flows.get(want)
                call = self._flow_call(flow, state)  # type: ignore[arg-type]
                return {"tool_calls": [call], "active_flow": want,
                        "dialogue": dialogue.focus(d, None, want=None, awaiting=None)}
        else:
            candidates, named = dialogue.match_orders(
                state["text"], orders, want, words, category_of,
                choices=d.get("choices") if d.get("awaiting") == "which_order" else None,
                tiers=deps.flows.tiers(want),
            )
            focus_id = (d.get("focus_orders") or [None])[0]
            if (focus_id and dialogue.means_that_one(state["text"])
                    and [o["order_id"] for o in candidates] != [focus_id]):
                # "can i cancel just the earbuds from it?" right after tracking the order that
                # holds them: it, that order, though another order holds headphones too.
                kinds = set(dialogue.categories_in(state["text"], words))
                held = [o for o in orders if o["order_id"] == focus_id and any(
                    category_of.get(i.get("sku", "")) in kinds for i in o["items"])]
                # (Only when that order holds what is named, not just its kind, and not "the
                # kettles from my other order".)
                if (held and not dialogue.OTHER.search(normalize(state["text"]))
                        and held[0] in dialogue.most_named(held + candidates, state["text"])):
                    candidates, named = held, True
            offered = d.get("choices") if d.get("awaiting") == "which_order" else None
            if offered and len(offered) == 1 and confirmation.is_yes(state["text"]):
                # "أي طلب تقصد؟ • RW-100303" -> "تمام أكّد": the one order offered.
                candidates = [o for o in orders if o["order_id"] == offered[0]] or candidates
                named = bool(candidates)
            sku = (state.get("sense") or {}).get("slots", {}).get("product")
            if sku and len(dialogue.categories_in(state["text"], words)) >= 2 and _TOO_OR_AND.search(
                    normalize(state["text"])):
                # "…for my macbook order and also the JBL speaker one": two products, two
                # orders; the one the catalogue recognised is not the only one meant.
                sku = None
            if sku:
                # The catalogue knows exactly which product ("the JBL speaker"): only orders
                # holding it, and none in its place when no order does.
                holding = [o for o in orders if any(i.get("sku") == sku for i in o["items"])]
                holding = dialogue.most_named(dialogue.still_open(holding) or holding,
                                              _request_text(state))
                focus_order = next((o for o in holding if o["order_id"] == focus_id), None)
                if (len(holding) > 1 and focus_order is not None
                        and not dialogue.OTHER.search(normalize(state["text"]))
                        # Only when the message also names another item of that order ("keep
                        # the kettles"): "the order that's just the smart band" means another.
                        and len(_items_said(state.get("message_text") or state["text"],
                                            focus_order, words, category_of)) >= 2):
                    # "keep the kettles, the microwave is what goes back" about the order in
                    # view: its microwave, though another order holds the same model.
                    holding = [o for o in holding if o["order_id"] == focus_id]
                if holding:
                    candidates = dialogue.by_tier(holding, want, deps.flows.tiers(want)) or holding
                    named = True
                elif not named:
                    candidates = []
                # Otherwise the catalogue's guess ("washing machine" -> one model) is not
                # what they bought; the kind they named ("my washing machine") still is.
            elif not named and _names_a_product(state, deps):
                candidates = []
            if not named and len(candidates) != 1 and (
                    want in {"start_return", "request_refund"}
                    or dialogue.means_that_one(state["text"])):
                # (None at all fitting the request, "can i just cancel it then" about the
                # shipped airpods, is the same: the product was named before.)
                # "I opened the buds that came with the washer…" -> "it crackles, it's faulty",
                # "…address on my tv order?" -> "just cancel it": the product was named a
                # message ago.
                earlier = _earlier_product_text(state, deps)
                if earlier:
                    again, named = dialogue.match_orders(earlier, orders, want, words,
                                                         category_of, tiers=deps.flows.tiers(want))
                    candidates = again if named and again else candidates
            if len(candidates) > 1 and dialogue.means_last(state["text"]):
                # "the microwave from my last order": the newest of those holding what the
                # message names ("…the microwave only, I'm keeping the laptop": both).
                candidates = dialogue.most_named(candidates, state["text"])[:1]
            kinds = dialogue.categories_in(dialogue.without_kept(state["text"]), words)
            # "cancel my laptop order and the vacuum one too": each order named, one change at
            # a time (the next waits for the answer about the first).
            several = False
            if len(kinds) >= 2 and _TOO_OR_AND.search(normalize(state["text"])):
                # ("VAT invoices for my macbook order and also the JBL speaker one": each.)
                per_kind = []
                for kind in kinds:
                    holding = [o for o in orders if any(
                        category_of.get(i.get("sku", "")) == kind for i in o["items"])]
                    if want in _WRITE_INTENTS:
                        holding = dialogue.still_open(holding)
                    holding = dialogue.by_tier(holding, want, deps.flows.tiers(want)) or holding
                    if len(holding) == 1 and holding[0] not in per_kind:
                        per_kind.append(holding[0])
                if len(per_kind) == len(kinds):
                    candidates, named, several = per_kind, True, True
            if (len(candidates) > 1 and (want not in _WRITE_INTENTS or several) and named
                    and (dialogue.means_all(state["text"]) or _ALL_ORDERS.search(
                        normalize(state["text"])) or len(kinds) >= 2)):
                # "VAT invoices for all my orders, the AC and the 2 tvs", "where are my 2
                # orders? the speaker and the vacuum": each order in turn, in one reply.
                sense = state.get("sense") or {}
                d["open_tasks"] = [dialogue.Task(
                    text=state["text"], intent=sense.get("intent") or want,
                    confidence=sense.get("confidence") or 0.9,
                    slots={**(sense.get("slots") or {}), "order_id": o["order_id"]},
                    query=state["text"]) for o in candidates[1:4]] + list(d.get("open_tasks") or [])
                candidates = candidates[:1]
            focus = (d.get("focus_orders") or [None])[0]
            if (focus and dialogue.OTHER.search(normalize(state["text"]))
                    and any(o["order_id"] == focus for o in candidates)):
                # "والغسالة الثانية الغوها" after the washer we just returned: the other one.
                rest = [o for o in orders if o["order_id"] != focus]
                others, hit = dialogue.match_orders(state["text"], rest, want, words, category_of)
                if hit and others:
                    candidates = others
            if (len(candidates) != 1 and not named and focus
                    and dialogue.means_that_one(state["text"])):
                # (None at all fits the request, "cancel it" about a shipped order: that
                # order still, and the flow says what can be done.)
                # "has my laptop shipped? ... ok cancel it": the order in focus.
                candidates = [o for o in orders if o["order_id"] == focus] or candidates
        if not candidates and len(orders) == 1:
            # Their only order, though not in the statuses this request usually means ("did
            # my order arrive?" when it was delivered last month): that one, not a list of one.
            candidates = list(orders)
        flow = deps.flows.get(want)
        # A change is only made to an order the customer pointed at (by product, "my order",
        # "the one I returned"); "refund 5000 SAR" alone names none, so we ask which. With one
        # order it could be, the summary to confirm names it: "which order?" with one choice
        # asks nothing.
        pointed = (named or want not in _WRITE_INTENTS or dialogue.refers_to_order(state["text"])
                   or len(candidates) == 1 and len(orders) == 1
                  # "refund 100241 + …" -> "yes pls do the refund": named a message ago.
                  or len(candidates) == 1 and any(
                      candidates[0]["order_id"] in order_ids(t)
                      for t in (state.get("customer_texts") or [])[-3:]))
        if (want == "request_refund" and len(candidates) == 1
                and candidates[0]["status"] == "delivered"):
            # "I want my money back for the charger" on a delivered order: a return (the
            # item may be one of several), and the refund follows it.
            want, flow = "start_return", deps.flows.get("start_return")
        if len(candidates) == 1 and flow is not None and flow.tool and pointed:
            order = candidates[0]
            order_id = order["order_id"]
            slots = dict(state.get("slots") or {}) | {"order_id": order_id}
            items: list[str] | None = None
            if flow.tool == "start_return" and len({i["sku"] for i in order["items"]}) > 1:
                picked = dialogue.items_named(_request_text(state), order, words, category_of)
                if not picked and (state.get("active_flow") == want
                                   or _earlier_product_text(state, deps)):
                    # "i opened my airpods and the left one crackles" -> (order number asked)
                    # -> "100214, lama@...": the item was named when the return was asked.
                    # (The last three earlier messages, as _earlier_product_text reads.)
                    for earlier in reversed((state.get("customer_texts") or [])[-4:-1]):
                        picked = dialogue.items_named(earlier, order, words, category_of)
                        if picked:
                            break
                kept = dialogue.staying_items(_request_text(state), order, words, category_of)
                if not picked and kept:
                    # "keep the microwave" and nothing else named: what goes back is the rest,
                    # never the whole order with what they said they keep.
                    picked = [k for k in range(len(order["items"])) if k not in kept]
                if picked and len(picked) < len(order["items"]):
                    items = sorted({order["items"][k]["sku"] for k in picked})
                elif not picked and d.get("focus_items") and (
                        d.get("focus_orders") or [None])[0] == order_id:
                    # "the screen keeps turning off" about the watch we were discussing.
                    items = list(d["focus_items"])
                elif (not picked and order["status"] == "delivered"
                      and dialogue.means_some(state["text"])):
                    # Several things in the order and none named: ask which go back.
                    reply = item_choice_reply(order, lang, deps.replies)
                    return {"replies": [reply], "slots": slots, "active_flow": want,
                            "dialogue": dialogue.focus(d, order_id, want=want,
                                                       awaiting="which_item", choices=[])}
            notice = None
            if flow.tool == "cancel_order" and len({i["sku"] for i in order["items"]}) > 1:
                picked = dialogue.items_named(dialogue.only_clause(state["text"]), order, words,
                                              category_of)
                if (picked and len(picked) < len(order["items"])
                        and dialogue.means_only(state["text"])
                        and not dialogue.means_all(state["text"])):
                    # "cancel just the air fryer, keep the buds": one item cannot be taken
                    # out of a placed order; say so before asking about the whole order.
                    # (Rendered once the tool has answered, with the earbuds note if any.)
                    notice = {"key": "cancel.whole_order", "order_id": order_id,
                              "picked": picked}
                    if state["sense"].get("remove_item"):
                        # "remove the air fryer from my order" asks for no cancellation: what
                        # can be done is said, and the whole order is cancelled only if asked.
                        return {"replies": [_whole_order_reply(order, picked, lang, deps)],
                                "slots": slots, "active_flow": None,
                                "dialogue": dialogue.focus(d, order_id, want=None, awaiting=None,
                                                           choices=[])}
            quantities = None
            if flow.tool == "start_return":
                one = items[0] if items and len(items) == 1 else (
                    order["items"][0]["sku"] if len({i["sku"] for i in order["items"]}) == 1
                    else None)
                ordered = next((i["qty"] for i in order["items"] if i["sku"] == one), 1)
                back = dialogue.units_back(_request_text(state), ordered) if one else None
                if back is not None:
                    # "2 kettles, I only need one": one unit goes back, not both.
                    quantities = {one: back}
                    items = items or [one]
            call = self._flow_call(flow, {**state, "slots": slots}, items,  # type: ignore[typeddict-item]
                                   quantities, dialogue.product_words(deps.settings.product_words_file))
            return {"tool_calls": [call], "slots": slots, "active_flow": want,
                    "dialogue": dialogue.focus(d, order_id, want=None, awaiting=None, choices=[],
                                               focus_items=items or [], notice=notice)}
        if (want == "track_order" and not named
                and _SEVERAL_ORDERS.search(normalize(state["text"]))):
            # "عندي كم طلب ما وصلني لين الحين": every order still on its way, whichever stage
            # (not only those already shipped).
            tiers = deps.flows.tiers(want) or ()
            waiting = [o for o in orders if any(o["status"] in t for t in tiers)]
            if len(waiting) > len(candidates):
                # Nearest to them first (out for delivery, then shipped, then being prepared).
                candidates = sorted(waiting, key=lambda o: next(
                    k for k, t in enumerate(tiers) if o["status"] in t))
        shown = (candidates or orders)[:5]
        reply = order_choice_reply(shown, lang, deps.replies)
        return {"replies": [reply], "active_flow": want,
                "dialogue": dialogue.focus(d, None, want=want, awaiting="which_order",
                                           choices=[o["order_id"] for o in shown])}

    @staticmethod
    def _flow_call(flow: Flow, state: ConversationState, items: list[str] | None = None,
                   quantities: dict[str, int] | None = None,
                   words: dict[str, tuple[str, ...]] | None = None) -> ToolCall:
        slots = state.get("slots") or {}
        args: dict[str, Any] = {s: slots[s] for s in flow.slots}
        if items:
            args["items"] = items
        if quantities:
            args["quantities"] = quantities
        if flow.tool == "start_return":
            # What the customer said while asking (this turn and the ones before) decides
            # whether the longer window for faulty products applies.
            earlier = (state.get("customer_texts") or [])[-3:]
            named_now = set(dialogue.categories_in(state["text"], words)) if words else set()
            if named_now and not mentions_fault(state["text"]) and _ANOTHER_TOO.search(
                    normalize(state["text"])):
                # "وبالمره التابلت ابي ارجعه، ما احتاجه" after the faulty AirPods were booked:
                # a fault told about another product is not this one's.
                earlier = [t for t in earlier
                           if not (set(dialogue.categories_in(t, words)) - named_now)
                           or set(dialogue.categories_in(t, words)) & named_now]
            recent = " ".join(earlier + [state["text"]])
            d = dialogue.of(state)
            if d.get("topic") in {"warranty", "return_request"}:
                # "my microwave stopped heating, is it under warranty?" -> order, contact ->
                # "replacement please": the fault was told with the question that began it.
                recent = f"{d.get('topic_text') or ''} {recent}"
            # ("…and the watch too, I don't like it, it's fine": this item has nothing wrong,
            # whatever fault an earlier item had.)
            args["defective"] = mentions_fault(recent) and not (
                _ITSELF_FINE.search(normalize(state["text"])) and not mentions_fault(state["text"]))
        if flow.tool == "create_ticket":
            text = state["text"]
            args = {"subject": text[:120] or "complaint", "body": text, "priority": "normal"}
            if len(args["subject"]) < 3:
                args["subject"] = "Customer complaint"
        assert flow.tool is not None
        return tool_call(flow.tool, args)

    def _after_tool(
        self, state: ConversationState, deps: "Deps", result: dict[str, Any], lang: Lang
    ) -> dict[str, Any]:
        book = deps.replies
        active = state.get("active_flow")
        flow = deps.flows.get(active) if active else None
        if result["tool"] == "list_orders" and dialogue.of(state).get("want"):
            return self._after_orders_listed(state, deps, result, lang)
        if result["tool"] == "verify_identity":
            if result["outcome"] == "ok" and flow is not None and flow.tool:
                # Verified: carry on with what the customer asked for, in the same turn. A
                # return reads the order first: which of its items go back was said before.
                if flow.tool == "start_return" and active:
                    return self._resolve_order(active, {**state, "customer_id": (
                        result.get("data") or {}).get("customer_id") or state.get("customer_id")},
                        deps)
                if active == "order_amount" and dialogue.of(state).get("topic") == "invoice":
                    # "my invoice never came" -> order and a wrong email -> the right mobile:
                    # still that order's invoice, not its amount.
                    return {"tool_calls": [self._flow_call(flow, state)],
                            "sense": {**state["sense"], "order_invoice": True}}
                return {"tool_calls": [self._flow_call(flow, state)]}
            amounts = deps.flows.get("order_amount")
            if (result["outcome"] == "ok" and flow is None and amounts is not None
                    and dialogue.of(state).get("topic") == "invoice"):
                # Verified after asking for an order's invoice: what that order's status allows.
                return {"tool_calls": [self._flow_call(amounts, state)],
                        "active_flow": "order_amount",
                        "sense": {**state["sense"], "order_invoice": True}}
            if result["outcome"] == "locked":
                return {"route": "handoff", "active_flow": None}
            # Keep both: "sorry, wrong email, it's …" is tried against the same order, and
            # "I meant order 100303" against the same email. The pair that failed is not
            # tried again (it would only spend an attempt).
            slots = state.get("slots") or {}
            d = dialogue.of(state)
            d["failed_pair"] = [slots.get("order_id") or "", slots.get("contact") or ""]
            reply = outcome_reply(result, None, lang, book)
            return {"replies": [reply], "failures": state.get("failures", 0) + 1, "dialogue": d}
        if result["outcome"] == "handoff":
            return {"route": "handoff", "active_flow": None}
        if (result["tool"] == "cancel_order" and result["outcome"] == "needs_confirmation"
                and (state.get("sense") or {}).get("remove_item")
                and (picked := _items_taken_out(state["text"], result.get("data") or {}, deps))):
            # "on order 100299 can you take off the air fryer and keep the buds?": the order
            # was named, so it was read directly; one item still cannot be taken out, and
            # nothing is cancelled that was not asked for.
            order = result["data"]
            return {"replies": [_whole_order_reply(order, picked, lang, deps)], "pending": None,
                    "active_flow": None,
                    "dialogue": dialogue.focus(dialogue.of(state), order["order_id"], want=None,
                                               awaiting=None, choices=[])}
        if (result["tool"] == "start_return" and result["outcome"] == "not_returnable"
                and (result.get("data") or {}).get("status") == "returned"
                and deps.flows.get("request_refund") is not None
                and _MONEY_BACK.search(normalize(state.get("message_text") or state["text"]))
                and not any(r["tool"] == "request_refund"
                            for r in state.get("tool_results") or [])):
            # "my return was picked up, I need my refund": the item is back with us, so the
            # next step is the refund (its own checks, confirmation and limit apply).
            refunds = deps.flows.get("request_refund")
            slots = {**(state.get("slots") or {}),
                     "order_id": result["data"].get("order_id")}
            return {"tool_calls": [self._flow_call(refunds, {**state, "slots": slots})],  # type: ignore[arg-type]
                    "slots": slots, "active_flow": "request_refund"}
        if result["tool"] == "request_refund" and result["outcome"] == "needs_return":
            # Money back for a delivered product goes through a return: book that (it asks
            # for the customer's yes and states when the refund follows).
            returns = deps.flows.get("start_return")
            if returns is not None and returns.tool:
                return {"tool_calls": [self._flow_call(returns, state)],
                        "active_flow": "start_return"}
        prefix = (flow.replies if flow else None) or deps.flows.prefix_for_tool(result["tool"])
        refunds = deps.flows.get("request_refund")
        if (result["tool"] == "get_order" and result["outcome"] == "ok"
                and state["sense"].get("money_timing") and result["data"].get("status") == "returned"
                and refunds is not None and refunds.tool):
            # "طيب والسوار اللي رجعته، متى ترجع فلوسه؟": back with us and not yet refunded;
            # the refund is what they are waiting for (asked for their yes, as ever).
            return {"tool_calls": [self._flow_call(refunds, {**state, "slots": {
                **(state.get("slots") or {}), "order_id": result["data"]["order_id"]}})],
                    "active_flow": "request_refund"}
        if (result["tool"] == "get_order" and result["outcome"] == "ok"
                and state["sense"].get("money_timing")):
            data = result["data"]
            about = dialogue.focus(dialogue.of(state), data["order_id"],
                                   payment_method=data.get("payment_method"),
                                   last_action="cancel_order" if data.get("status") == "cancelled"
                                   else None)
            return {"replies": [cite_refund_timings(refund_timing_reply(about, lang, book),
                                                    deps.knowledge, lang)],
                    "active_flow": None, "failures": 0, "dialogue": about}
        if (result["tool"] == "get_order" and result["outcome"] == "ok"
                and (state["sense"].get("order_warranty")
                     or dialogue.of(state).get("order_question") == "warranty")):
            # "كم باقي على ضمان المكنسة؟": that order's cover, from the day it was delivered.
            told = dialogue.of(state).get("topic_text") or ""
            reply = order_warranty_reply(
                result["data"], lang, book, deps.policies.brand,
                faulty_within=deps.policies.actions.start_return.defective_window_days
                if mentions_fault(told) or mentions_fault(state["text"]) else None)
            about = dialogue.focus(dialogue.of(state), result["data"]["order_id"],
                                   order_question=None)
            return {"replies": [cite_help_centre(
                        reply, deps.knowledge, lang,
                        "manufacturer warranty at least 2 years Rawaf Care within 30 days",
                        "warranty")],
                    "active_flow": None, "failures": 0, "dialogue": about}
        if (result["tool"] == "get_order" and result["outcome"] == "ok"
                and (state["sense"].get("order_address")
                     or dialogue.of(state).get("order_question") == "address")):
            # "change the address on RW-100283": what that order's status allows.
            data = result["data"]
            status = data.get("status")
            key = ("address.order_open" if status in {"pending", "processing"} else
                   "address.order_shipped" if status in {"shipped", "out_for_delivery"} else
                   "address.order_cancelled" if status == "cancelled" else
                   "address.order_delivered")
            reply = book.reply(key, lang, kind="order", data=data, order_id=data["order_id"])
            about = dialogue.focus(dialogue.of(state), data["order_id"], order_question=None)
            return {"replies": [cite_help_centre(
                        reply, deps.knowledge, lang,
                        "change the delivery address of an order before it ships", "orders")],
                    "active_flow": None, "failures": 0, "dialogue": about}
        if (result["tool"] == "get_order" and result["outcome"] == "ok"
                and (state["sense"].get("order_invoice")
                     or dialogue.of(state).get("order_question") == "invoice")):
            # "I need a VAT invoice for my TV order": what that order's status allows (also
            # once "which order?" is answered: "the LG 65 inch").
            data = result["data"]
            status = data.get("status")
            asked = state["sense"].get("query") or state["text"]  # with the question continued
            if not state["sense"].get("order_invoice"):
                asked = f"{dialogue.of(state).get('topic_text') or ''} {asked}"
            company = bool(_COMPANY.search(normalize(asked)))
            key = ("invoice.order_open" if status in {"pending", "processing"} else
                   "invoice.order_cancelled" if status == "cancelled" else
                   "invoice.order_shipped_company" if company else "invoice.order_shipped")
            reply = book.reply(key, lang, kind="order", data=data, order_id=data["order_id"])
            return {"replies": [cite_help_centre(
                        reply, deps.knowledge, lang,
                        "VAT invoice with the company name and VAT number before the order ships",
                        "invoices")],
                    "active_flow": None, "failures": 0,
                    "dialogue": dialogue.focus(dialogue.of(state), data["order_id"],
                                               order_question=None)}
        if result["tool"] == "get_order" and result["outcome"] == "ok" and prefix == "amount":
            # What the order comes to, and the delivery-fee rule behind its fee.
            data = result["data"]
            values = order_values(data, lang, book)
            products = deps.understanding.products
            large = any(products.category_of.get(i.get("sku", "")) in products.large_categories
                        for i in data.get("items") or [])
            rule = fee_rule(data, lang, deps.policies.brand, book, large)
            asked = normalize(state.get("message_text") or state["text"])
            if _ASKS_COD.search(asked) and data.get("payment_method") != "cod":
                # "why didn't cash on delivery show up for my TV order?": the order's amount
                # against the cash-on-delivery limit is the answer, not its delivery fee.
                pay = deps.policies.brand.payment
                key = "facts.cod_over_limit" if data["total"] > pay.cod_limit else "facts.cod_ok"
                rule = book.text(key, lang, amount=money(data["total"], lang),
                                 limit=money(pay.cod_limit, lang).replace(".00", ""),
                                 fee=money(pay.cod_fee, lang).replace(".00", ""),
                                 instalments=arabic.count(pay.instalments, "instalment", lang))
            reply = amount_reply(data, values, lang, book, rule)
            if rule:
                # The fee rule stated is the help centre's: cite it.
                reply = cite_help_centre(reply, deps.knowledge, lang,
                                         "delivery fee large appliances free from 1,500 SAR",
                                         "delivery-fees")
            return {"replies": [reply], "active_flow": None, "failures": 0}
        said = normalize(state.get("message_text") or state["text"])
        if (result["outcome"] == "not_found" and state.get("customer_id")
                and dialogue.OTHER_PERSONS_ORDER.search(said)):
            # "can u check RW-100248? it's my cousin's TV": not on their account, and another
            # person's order is never looked into for them (privacy.yaml).
            other = ((result.get("data") or {}).get("order_id")
                     or ((state.get("sense") or {}).get("slots") or {}).get("order_id"))
            d = dialogue.of(state)
            # ("fine. what about my own order then" asks the same of their own orders.)
            d["other_order"], d["topic"] = other, "track_order"
            # (Its number is not kept to be tried again for what they ask next.)
            kept = {k: v for k, v in (state.get("slots") or {}).items() if k != "order_id"}
            return {"replies": [book.reply("privacy.not_your_order", lang, order_id=other)],
                    "active_flow": None, "failures": 0, "dialogue": d, "slots": kept}
        reply = outcome_reply(result, prefix, lang, book)
        if (result["tool"] == "start_return" and result["outcome"] == "outside_window"
                and EARBUDS.search(said)):
            # "ابي ارجع البودز، فتحتها وما عجبتني" after the window: their own rule too (never
            # once opened, unless faulty), which a later fault still overrides.
            buds = next((i["name"][lang] for i in (result.get("data") or {}).get("items") or []
                         if EARBUDS.search(normalize(i["name"]["en"]))), None)
            if buds:
                reply = {**reply, "text": f"{reply['text']} "
                                          f"{book.text('cancel.whole_order_earbuds', lang, name=buds)}"}
        late = (result.get("data") or {}).get("expected_in_days")
        if (result["tool"] == "track_shipment" and late is not None and late < 0
                and result["outcome"] in {"status_pending", "status_processing", "status_shipped"}):
            # Past its expected date and not delivered: said first, with one apology.
            note = book.text("track.late", lang, order_id=result["data"].get("order_id"))
            reply = {**reply, "text": f"{note} {reply['text']}"}
        if (result["tool"] == "track_shipment"
                and result["outcome"] in {"status_pending", "status_processing", "status_shipped"}):
            # "when does it reach Makkah?": the zone's delivery time for the city named.
            times = facts_answer(state.get("message_text") or state["text"],
                                 "how long does delivery take", lang, deps.policies.brand, book,
                                 dialogue.product_words(deps.settings.product_words_file),
                                 deps.understanding.products.large_categories)
            times = [t for t in times if t]
            named = cities_in(state.get("message_text") or state["text"], deps.policies.brand)[0]
            city = ((result.get("data") or {}).get("city") or {}).get("en") or ""
            if not named and city and result["outcome"] != "status_shipped":
                # Not shipped yet: how long it takes from shipping, to the order's own city.
                times = facts_answer(f"how long does delivery take to {city}",
                                     "how long does delivery take", lang, deps.policies.brand,
                                     book, {}, set())
                named = cities_in(city, deps.policies.brand)[0]
            if times and named:
                # Only the zone's time: same-day options are for new orders.
                reply = {**reply, "text": f"{reply['text']} {times[0]}"}
        update: dict[str, Any] = {"replies": [reply], "active_flow": None, "failures": 0}
        d = dialogue.of(state)
        notice = d.pop("notice", None)
        if notice and (data := result.get("data") or {}).get("order_id") == notice["order_id"]:
            update["replies"] = [_whole_order_reply(data, notice["picked"], lang, deps), reply]
            update["dialogue"] = d
        if result["outcome"] == "not_found":
            update["slots"] = {k: v for k, v in (state.get("slots") or {}).items() if k != "order_id"}
        return update

    # --- knowledge and fallbacks ---------------------------------------------------------------

    def _answer_from_knowledge(
        self, state: ConversationState, deps: "Deps", lang: Lang, active_flow: str | None
    ) -> dict[str, Any]:
        retrieval = state.get("retrieval")
        reply: Reply | None = None
        if retrieval:
            reply = knowledge_reply(
                SearchResult.model_validate(retrieval),
                lang,
                deps.knowledge,
                deps.replies,
                deps.settings.knowledge_min_confidence,
                deps.settings.knowledge_clarify_confidence,
            )
        if reply is None:
            return self._not_understood(state, deps, lang)
        return {"replies": [reply], "active_flow": active_flow, "failures": 0}

    def _fallback(self, state: ConversationState, deps: "Deps", lang: Lang) -> dict[str, Any]:
        """Low intent confidence: the knowledge base may still know; otherwise say so."""
        return self._answer_from_knowledge(state, deps, lang, active_flow=state.get("active_flow"))

    @staticmethod
    def _not_understood(state: ConversationState, deps: "Deps", lang: Lang) -> dict[str, Any]:
        if _level(state) >= 1 or state.get("failures", 0) >= 1:
            # Not the first miss, or the customer is losing patience: lead with a person.
            reply = deps.replies.reply("not_understood_upset", lang,
                                       quick=["talk_to_human"] + _MENU[:-1])
        else:
            reply = deps.replies.reply("not_understood", lang, quick=_MENU)
        return {"replies": [reply], "failures": state.get("failures", 0) + 1}


def _answers_which(state: ConversationState, deps: "Deps") -> bool:
    """An answer to "which order/item?": an order number, a product, a position, "the last
    one", a payment method, "all", or a short reply. A new question is not one."""
    text = state["text"]
    return bool(
        (state.get("sense") or {}).get("slots", {}).get("order_id")
        or _names_a_product(state, deps) or dialogue.paid_with(text) or dialogue.means_all(text)
        or dialogue.picks_position(text) or len(text.split()) <= 3)


_ASKS_OR_ACTS = re.compile(
    r"[?؟]|\b(when|where|how|why|what|can|could|is|are|does|do)\b|"
    r"(^| )(متى|وين|كيف|ليش|هل|كم|وش|ايش|شلون|ممكن)( |$)")


def _describes_an_order(state: ConversationState, deps: "Deps") -> bool:
    """A short answer that names what is in an order ("the vacuum one", "الطلب حق المكنسة")
    and neither asks nor requests anything of its own."""
    text = normalize(state["text"])
    return (_names_a_product(state, deps) and len(text.split()) <= 6
            and not _ASKS_OR_ACTS.search(text) and not dialogue.ACTION_ASKED.search(text))


def _names_a_product(state: ConversationState, deps: "Deps") -> bool:
    words = dialogue.product_words(deps.settings.product_words_file)
    return bool((state.get("sense") or {}).get("slots", {}).get("product")) or bool(
        dialogue.categories_in(state["text"], words))


def _needs_resolving(state: ConversationState, deps: "Deps") -> bool:
    """No order named in this message, and either none in focus or a product named that may
    be in another order ("cancel the tablet" while the watch's order is in focus)."""
    if (state.get("sense") or {}).get("slots", {}).get("order_id"):
        return False
    if not (state.get("slots") or {}).get("order_id"):
        return True
    words = dialogue.product_words(deps.settings.product_words_file)
    return bool(dialogue.categories_in(state["text"], words)) or bool(
        (state.get("sense") or {}).get("slots", {}).get("product")) or (
        deps.understanding.products.names_any(state["text"]))


def _level(state: ConversationState) -> int:
    level = ((state.get("sense") or {}).get("frustration") or {}).get("level", "calm")
    return FRUSTRATION_ORDER[level]


def _has_quick(book: Any, intent: str) -> bool:
    try:
        book.label(f"quick.{intent}", "en")
        return True
    except KeyError:
        return False
