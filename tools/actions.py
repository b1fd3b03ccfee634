"""The assistant's tools: typed, guarded by the action policy, audited, idempotent.

Both brains call tools only through `Toolbox.run`. The customer's identity comes from the
`Session` the graph builds, never from a tool argument, so no model output can reach another
customer's data. Every call, allowed or refused, leaves an audit record.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from policies.models import ActionPolicy
from tools.backend import CommerceBackend, new_id, now, shop_day
from tools.contact import mask_email, mask_phone, normalize_email, normalize_phone, to_ascii_digits
from tools.models import AuditRecord, Bilingual, Order, OrderStatus, Ticket, TrackingEvent
from tools.throttle import VerificationThrottle

Tier = Literal["read", "write", "handoff"]


def canonical_order_id(raw: str) -> str:
    digits = "".join(ch for ch in to_ascii_digits(raw) if ch.isdigit())
    return f"RW-{digits}"


class Session(BaseModel):
    """Who is asking, as established by the graph (signed token or in-chat verification)."""

    conversation_id: str
    customer_id: str | None = None
    verify_failures: int = 0
    # Who is calling (the client's address for the web API), for limits across conversations.
    client: str | None = None
    # "<tool>:<order id>" the customer explicitly confirmed this turn, if any.
    confirmed: str | None = None
    # Orders the customer named or was shown in this conversation. When set (a model chose
    # the arguments), a change to any other order is refused: never on an order the customer
    # did not point at.
    named_orders: set[str] | None = None
    # The customer only asked about their money ("when will my refund come?"), not for it.
    asking_only: bool = False


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrderArgs(_Args):
    order_id: str = Field(description="Order number, e.g. RW-100234 or 100234")

    @field_validator("order_id")
    @classmethod
    def _canonical(cls, v: str) -> str:
        canon = canonical_order_id(v)
        if len(canon) != 9:
            raise ValueError("an order number has 6 digits, e.g. RW-100234")
        return canon


class FindCustomerArgs(_Args):
    contact: str = Field(description="Email address or Saudi mobile number")


class VerifyIdentityArgs(OrderArgs):
    contact: str = Field(description="Email or mobile number on the order")


class ListOrdersArgs(_Args):
    limit: int = Field(5, ge=1, le=20)


class CancelOrderArgs(OrderArgs):
    reason: str | None = Field(None, max_length=500)


class StartReturnArgs(OrderArgs):
    defective: bool = Field(False, description="The product is faulty or arrived damaged")
    reason: str | None = Field(None, max_length=500)
    items: list[str] | None = Field(
        None, max_length=20,
        description="SKUs of the items going back when only part of the order is returned")
    quantities: dict[str, int] | None = Field(
        None, max_length=20,
        description="Units of an item going back when fewer than were ordered, by SKU "
                    "(e.g. one of two kettles)")

    @field_validator("quantities")
    @classmethod
    def _whole_units(cls, v: dict[str, int] | None) -> dict[str, int] | None:
        if v and any(n < 1 or n > 99 for n in v.values()):
            raise ValueError("quantities are whole units from 1 to 99")
        return v


class RequestRefundArgs(OrderArgs):
    reason: str | None = Field(None, max_length=500)


class CreateTicketArgs(_Args):
    subject: str = Field(min_length=3, max_length=200)
    body: str = Field(min_length=3, max_length=4000)
    priority: Literal["low", "normal", "high", "urgent"] = "normal"


class RequestHumanArgs(_Args):
    reason: str = Field("customer asked for a person", max_length=500)


class ToolSpec(BaseModel):
    name: str
    description: str
    args: type[_Args]
    tier: Tier


TOOLS: dict[str, ToolSpec] = {
    spec.name: spec
    for spec in [
        ToolSpec(
            name="find_customer",
            description="Look up the verified customer's own profile by their email or mobile.",
            args=FindCustomerArgs,
            tier="read",
        ),
        ToolSpec(
            name="verify_identity",
            description="Verify the customer by an order number and the email or mobile on it.",
            args=VerifyIdentityArgs,
            tier="read",
        ),
        ToolSpec(
            name="get_order",
            description="Get one of the verified customer's orders: items, totals, status.",
            args=OrderArgs,
            tier="read",
        ),
        ToolSpec(
            name="list_orders",
            description="List the verified customer's most recent orders.",
            args=ListOrdersArgs,
            tier="read",
        ),
        ToolSpec(
            name="track_shipment",
            description="Shipping status, carrier, tracking events and expected delivery of an order.",
            args=OrderArgs,
            tier="read",
        ),
        ToolSpec(
            name="cancel_order",
            description=(
                "Cancel an order that has not shipped yet. The customer must have said yes to a "
                "summary of the cancellation first; otherwise the tool asks for confirmation."
            ),
            args=CancelOrderArgs,
            tier="write",
        ),
        ToolSpec(
            name="start_return",
            description=(
                "Book a return (free courier pickup) for a delivered order inside the return "
                "window. Needs the customer's yes to a summary first."
            ),
            args=StartReturnArgs,
            tier="write",
        ),
        ToolSpec(
            name="request_refund",
            description=(
                "Refund an order whose return has reached us. Small refunds are issued at once "
                "after the customer's yes; larger ones go to the refunds team (a person)."
            ),
            args=RequestRefundArgs,
            tier="write",
        ),
        ToolSpec(
            name="create_ticket",
            description="Open a support ticket for a problem the team must follow up.",
            args=CreateTicketArgs,
            tier="write",
        ),
        ToolSpec(
            name="request_human",
            description="Hand the conversation to a human agent.",
            args=RequestHumanArgs,
            tier="handoff",
        ),
    ]
}


class ToolOutcome(BaseModel):
    """What a tool did. `outcome` selects the reply template; `data` is safe to show."""

    tool: str
    outcome: str
    data: dict[str, Any] = Field(default_factory=dict)
    verified_customer_id: str | None = None
    confirmation_key: str | None = None


def _days_until(day: str | None, order: Order) -> int | None:
    if not day:
        return None
    try:
        when = date.fromisoformat(day[:10])
    except ValueError:
        return None
    return (when - shop_day(now())).days


def order_view(order: Order) -> dict[str, Any]:
    """The order as the customer may see it (their own order only)."""
    last = order.tracking_events[-1] if order.tracking_events else None
    return {
        "order_id": order.id,
        "status": order.status.value,
        "created_at": shop_day(order.created_at).isoformat(),
        "items": [
            {"sku": i.sku, "name": i.name.model_dump(), "qty": i.qty, "unit_price": i.unit_price}
            for i in order.items
        ],
        "subtotal": order.subtotal,
        "delivery_fee": order.delivery_fee,
        "cod_fee": order.cod_fee,
        "total": order.total,
        "return_items": list(order.return_items),
        "vat_included": order.vat_included,
        "currency": order.currency,
        "payment_method": order.payment_method,
        "city": order.shipping_address.city.model_dump(),
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "expected_delivery": order.expected_delivery,
        "delivered_on": shop_day(order.delivered_at).isoformat() if order.delivered_at else None,
        # "arriving today" reads better than a date that happens to be today.
        "expected_in_days": _days_until(order.expected_delivery, order),
        "last_event": (
            {
                "at": last.at.isoformat(),
                "description": last.description.model_dump(),
                "location": last.location.model_dump() if last.location else None,
            }
            if last
            else None
        ),
        # A delivery attempt that failed since the order last left the hub: the reason the
        # customer is still waiting ("address could not be located").
        "failed_attempt": next((
            {"at": e.at.isoformat(), "description": e.description.model_dump()}
            for e in reversed(order.tracking_events) if e.code == "delivery_failed"), None)
        if order.status.value in {"shipped", "in_transit", "out_for_delivery"} else None,
    }


class Toolbox:
    def __init__(self, backend: CommerceBackend, policy: ActionPolicy,
                 throttle: VerificationThrottle | None = None) -> None:
        self._backend = backend
        self._policy = policy
        # Failed identity checks across conversations; None only where one conversation is
        # all there is (the replay suite's private database per scenario).
        self.throttle = throttle

    async def run(self, name: str, raw_args: dict[str, Any], session: Session) -> ToolOutcome:
        spec = TOOLS.get(name)
        if spec is None:
            return await self._refuse(name, raw_args, session, "unknown_tool", "no such tool")
        try:
            args = spec.args.model_validate(raw_args)
        except ValidationError as exc:
            msg = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            return await self._refuse(name, raw_args, session, "invalid_args", msg)
        handler = getattr(self, f"_{name}")
        return await handler(args, session)

    # --- audit -----------------------------------------------------------------------------

    async def _audit(
        self, session: Session, action: str, allowed: bool, reason: str, **details: Any
    ) -> None:
        await self._backend.record_audit(
            AuditRecord(
                at=now(),
                conversation_id=session.conversation_id,
                actor=f"customer:{session.customer_id}" if session.customer_id else "anonymous",
                action=action,
                allowed=allowed,
                reason=reason,
                details=details | {"policy_version": self._policy.version},
            )
        )

    async def _refuse(
        self, name: str, args: Any, session: Session, outcome: str, reason: str, **data: Any
    ) -> ToolOutcome:
        shown = args.model_dump() if isinstance(args, BaseModel) else args
        await self._audit(session, name, False, reason, args=shown, outcome=outcome)
        return ToolOutcome(tool=name, outcome=outcome, data={"reason": reason} | data)

    async def _own_order(
        self, name: str, args: OrderArgs, session: Session
    ) -> Order | ToolOutcome:
        """The order if the verified customer owns it; otherwise the refusal outcome.

        Someone else's order is reported as not found so order numbers cannot be probed.
        """
        if session.customer_id is None:
            return await self._refuse(name, args, session, "needs_identity", "customer not verified")
        order = await self._backend.get_order(args.order_id)
        if order is None or order.customer_id != session.customer_id:
            reason = "no such order" if order is None else "order belongs to another customer"
            return await self._refuse(
                name, args, session, "not_found", reason, order_id=args.order_id
            )
        spec = TOOLS.get(name)
        if (session.named_orders is not None and spec is not None and spec.tier == "write"
                and order.id not in session.named_orders):
            return await self._refuse(
                name, args, session, "not_named",
                "the customer did not name this order in the conversation", order_id=order.id)
        return order

    # --- read tools ------------------------------------------------------------------------

    async def _find_customer(self, args: FindCustomerArgs, session: Session) -> ToolOutcome:
        if session.customer_id is None:
            return await self._refuse(
                "find_customer", args, session, "needs_identity", "customer not verified"
            )
        customer = await self._backend.find_customer(args.contact)
        if customer is None or customer.id != session.customer_id:
            return await self._refuse(
                "find_customer", args, session, "not_found", "contact not on this customer's profile"
            )
        await self._audit(session, "find_customer", True, "own profile")
        return ToolOutcome(
            tool="find_customer",
            outcome="ok",
            data={
                "customer_id": customer.id,
                "name": customer.name.model_dump(),
                "tier": customer.tier.value,
                "language": customer.language,
                "email": mask_email(customer.email),
                "phone": mask_phone(customer.phone),
            },
        )

    async def _verify_identity(self, args: VerifyIdentityArgs, session: Session) -> ToolOutcome:
        limit = self._policy.identity.max_verification_attempts
        if session.verify_failures >= limit:
            return await self._refuse(
                "verify_identity", {"order_id": args.order_id}, session, "locked",
                f"{limit} failed attempts")
        keys = self.throttle.keys(args.order_id, args.contact, session.client) if (
            self.throttle) else {}
        if self.throttle is not None:
            pause = await self.throttle.paused(keys, self._policy.identity)
            if pause is not None:
                # Not checked at all while paused, or a right guess would still get through.
                # The customer hears neither which count is full nor whether the pair was
                # right.
                await self.throttle.record(keys, "blocked", session.conversation_id)
                reason = (f"verification paused: {pause.failures} failed checks for this "
                          f"{pause.scope} within its window (limit {pause.limit})")
                await self._audit(session, "verify_identity", False, reason,
                                  args={"order_id": args.order_id}, outcome="throttled",
                                  scope=pause.scope,
                                  retry_after_seconds=pause.retry_after_seconds)
                return ToolOutcome(tool="verify_identity", outcome="throttled", data={
                    "reason": "verification paused after repeated failures",
                    "retry_after_seconds": pause.retry_after_seconds})
        order = await self._backend.get_order(args.order_id)
        customer = await self._backend.get_customer(order.customer_id) if order else None
        phone = normalize_phone(args.contact)
        email = normalize_email(args.contact)
        if customer is None or not (
            (phone is not None and phone == customer.phone) or email == customer.email
        ):
            # One answer for "no such order" and "wrong contact" so neither can be probed.
            if self.throttle is not None:
                await self.throttle.record(keys, "failed", session.conversation_id)
                await self.throttle.prune(self._policy.identity)
            left = limit - session.verify_failures - 1
            if left <= 0:
                # The last allowed attempt failed: locked now, not after one more try.
                session.verify_failures += 1
                return await self._refuse(
                    "verify_identity", {"order_id": args.order_id}, session, "locked",
                    f"order number and contact do not match; {limit} failed attempts")
            return await self._refuse(
                "verify_identity",
                {"order_id": args.order_id},
                session,
                "mismatch",
                "order number and contact do not match",
                attempts_left=left,
            )
        await self._audit(session, "verify_identity", True, "order and contact match",
                          customer_id=customer.id, order_id=order.id if order else args.order_id)
        return ToolOutcome(
            tool="verify_identity",
            outcome="ok",
            verified_customer_id=customer.id,
            data={"customer_id": customer.id, "name": customer.name.model_dump()},
        )

    async def _get_order(self, args: OrderArgs, session: Session) -> ToolOutcome:
        order = await self._own_order("get_order", args, session)
        if isinstance(order, ToolOutcome):
            return order
        await self._audit(session, "get_order", True, "own order", order_id=order.id)
        return ToolOutcome(tool="get_order", outcome="ok", data=order_view(order))

    async def _track_shipment(self, args: OrderArgs, session: Session) -> ToolOutcome:
        order = await self._own_order("track_shipment", args, session)
        if isinstance(order, ToolOutcome):
            return order
        await self._audit(session, "track_shipment", True, "own order", order_id=order.id)
        view = order_view(order)
        view["events"] = [
            {"at": e.at.isoformat(), "code": e.code, "description": e.description.model_dump()}
            for e in order.tracking_events
        ]
        return ToolOutcome(tool="track_shipment", outcome=f"status_{order.status.value}", data=view)

    async def _list_orders(self, args: ListOrdersArgs, session: Session) -> ToolOutcome:
        if session.customer_id is None:
            return await self._refuse(
                "list_orders", args, session, "needs_identity", "customer not verified"
            )
        orders = await self._backend.list_orders(session.customer_id, args.limit)
        await self._audit(session, "list_orders", True, "own orders", count=len(orders))
        return ToolOutcome(
            tool="list_orders",
            outcome="ok" if orders else "empty",
            data={"orders": [order_view(o) for o in orders]},
        )

    # --- write tools -----------------------------------------------------------------------

    async def _cancel_order(self, args: CancelOrderArgs, session: Session) -> ToolOutcome:
        order = await self._own_order("cancel_order", args, session)
        if isinstance(order, ToolOutcome):
            return order
        key = f"cancel_order:{order.id}"
        idem_key = f"{session.conversation_id}:{key}"
        previous = await self._replay(idem_key, "cancel_order", session, order,
                                      "retry of a completed cancellation")
        if previous is not None:
            return previous
        rule = self._policy.cancel_order
        if order.status == OrderStatus.cancelled:
            return await self._refuse(
                "cancel_order", args, session, "already_cancelled", "order is already cancelled",
                **order_view(order),
            )
        if order.status.value not in rule.allowed_statuses:
            return await self._refuse(
                "cancel_order",
                args,
                session,
                "not_cancellable",
                f"order is {order.status.value}; cancellation allowed only while "
                f"{', '.join(rule.allowed_statuses)}",
                **order_view(order),
            )
        if rule.requires_confirmation and session.confirmed != key:
            await self._audit(session, "cancel_order", False, "awaiting customer confirmation",
                              order_id=order.id, args=args.model_dump())
            return ToolOutcome(
                tool="cancel_order",
                outcome="needs_confirmation",
                confirmation_key=key,
                data=order_view(order) | {"reason": args.reason},
            )
        updated = await self._backend.set_order_status(
            order.id,
            OrderStatus.cancelled,
            TrackingEvent(
                at=now(),
                code="cancelled",
                description=Bilingual(
                    en="Order cancelled at the customer's request",
                    ar="أُلغي الطلب بناءً على طلب العميل",
                ),
            ),
            expected=order.status,
        )
        if updated is None:
            return await self._refuse("cancel_order", args, session, "changed",
                                      "the order changed meanwhile", order_id=order.id)
        result = ToolOutcome(tool="cancel_order", outcome="ok", data=order_view(updated))
        stored = await self._backend.remember(idem_key, "cancel_order", result.model_dump())
        await self._audit(session, "cancel_order", True, "cancelled before shipping",
                          order_id=order.id, previous_status=order.status.value)
        return ToolOutcome.model_validate(stored)

    async def _replay(
        self, idem_key: str, name: str, session: Session, order: Order, reason: str
    ) -> ToolOutcome | None:
        """The stored result of a write already done under this key (a retry acts no more)."""
        previous = await self._backend.recall(idem_key)
        if previous is None:
            return None
        await self._audit(session, name, True, reason, order_id=order.id)
        return ToolOutcome.model_validate(previous)

    async def _confirm_or_proceed(
        self, name: str, order: Order, session: Session, required: bool, args: BaseModel,
        **data: Any
    ) -> ToolOutcome | None:
        """The confirmation outcome while the customer has not said yes to this exact change."""
        key = f"{name}:{order.id}"
        if required and session.confirmed != key:
            # The arguments are recorded too: QA checks that the summary asked about the
            # change the customer wanted (a faulty item, which items), not only the order.
            await self._audit(session, name, False, "awaiting customer confirmation",
                              order_id=order.id, args=args.model_dump())
            return ToolOutcome(tool=name, outcome="needs_confirmation", confirmation_key=key,
                               data=order_view(order) | data)
        return None

    async def _start_return(self, args: StartReturnArgs, session: Session) -> ToolOutcome:
        order = await self._own_order("start_return", args, session)
        if isinstance(order, ToolOutcome):
            return order
        # The same return asked again replays its result; a return of other items of the
        # order is a new request, checked on its own (never answered with the first one's
        # result, which would tell the customer the watch is booked when the buds were).
        asked = sorted(set(args.items or []) | set(args.quantities or {}))
        idem_key = f"start_return:{order.id}" + (f":{'+'.join(asked)}" if asked else "")
        previous = await self._replay(idem_key, "start_return", session, order,
                                      "return already booked")
        if previous is not None:
            return previous
        rule = self._policy.start_return
        delivered = order.delivered_at
        # Calendar days where the order was delivered (the shop's time zone), not hours / 24:
        # "delivered 15 days ago" must not depend on the hour the customer writes.
        days = ((shop_day(now()) - shop_day(delivered)).days
                if delivered else None)
        window = rule.defective_window_days if args.defective else rule.window_days
        if order.status.value not in rule.allowed_statuses and not (
                # (Another item of an order whose return is booked, past its window: the
                # window is the reason that applies to it.)
                order.status.value == "return_requested" and days is not None and days > window):
            return await self._refuse(
                "start_return", args, session, "not_returnable",
                f"order is {order.status.value}; returns are booked only when "
                f"{', '.join(rule.allowed_statuses)}", **order_view(order),
            )
        if days is None or days > window:
            return await self._refuse(
                "start_return", args, session, "outside_window",
                f"delivered {days} days ago; the {'defective' if args.defective else 'return'} "
                f"window is {window} days", **order_view(order), days=days, window=window,
                defective_window=rule.defective_window_days,
            )
        extra: dict[str, Any] = {"defective": args.defective, "days": days, "window": window}
        skus = [i.sku for i in order.items]
        if args.items:
            unknown = sorted(set(args.items) - set(skus))
            if unknown:
                return await self._refuse("start_return", args, session, "invalid_args",
                                          f"items not in the order: {', '.join(unknown)}")
        unknown = sorted(set(args.quantities or {}) - set(skus))
        if unknown:
            return await self._refuse("start_return", args, session, "invalid_args",
                                      f"items not in the order: {', '.join(unknown)}")
        # Fewer units than were ordered ("one of the 2 kettles"): only those go back.
        fewer = {i.sku: (args.quantities or {})[i.sku] for i in order.items
                 if i.sku in (args.quantities or {}) and (args.quantities or {})[i.sku] < i.qty}
        named = set(args.items or []) | set(fewer)
        part = sorted(named) if named and (named != set(skus) or fewer) else []
        if part:
            # Only these items go back: the summary and the refund are theirs alone.
            chosen = [i for i in order.items if i.sku in part]
            extra |= {"return_items": part, "amount": round(
                sum(i.unit_price * fewer.get(i.sku, i.qty) for i in chosen), 2),
                "selected": [{"sku": i.sku, "name": i.name.model_dump(),
                              "qty": fewer.get(i.sku, i.qty)} for i in chosen]}
            if fewer:
                extra["return_qty"] = fewer
        waiting = await self._confirm_or_proceed("start_return", order, session,
                                                 rule.requires_confirmation, args, **extra)
        if waiting:
            return waiting
        names_en = ", ".join(i["name"]["en"] for i in extra.get("selected", []))
        names_ar = "، ".join(i["name"]["ar"] for i in extra.get("selected", []))
        updated = await self._backend.set_order_status(
            order.id, OrderStatus.return_requested,
            TrackingEvent(at=now(), code="return_requested", description=Bilingual(
                en=f"Return booked for {names_en}; a courier will collect it" if part else
                "Return booked; a courier will collect the item",
                ar=f"تم تسجيل إرجاع {names_ar}؛ سيستلمه المندوب" if part else
                "تم تسجيل الإرجاع؛ سيستلم المندوب المنتج",
            )),
            expected=order.status, return_items=part, return_qty=fewer if part else None,
        )
        if updated is None:
            return await self._refuse("start_return", args, session, "changed",
                                      "the order changed meanwhile", order_id=order.id)
        result = ToolOutcome(tool="start_return", outcome="ok",
                             data=order_view(updated) | extra)
        stored = await self._backend.remember(idem_key, "start_return", result.model_dump())
        await self._audit(session, "start_return", True, f"inside the {window}-day window",
                          order_id=order.id, days=days, defective=args.defective,
                          **({"items": part} if part else {}))
        return ToolOutcome.model_validate(stored)

    async def _request_refund(self, args: RequestRefundArgs, session: Session) -> ToolOutcome:
        order = await self._own_order("request_refund", args, session)
        if isinstance(order, ToolOutcome):
            return order
        # One refund per order, whoever asks and however often: a retry returns the receipt.
        idem_key = f"request_refund:{order.id}"
        previous = await self._replay(idem_key, "request_refund", session, order,
                                      "refund already issued")
        if previous is not None:
            return previous
        rule = self._policy.request_refund
        if order.return_items:
            # Part of the order came back: the refund is for those items only.
            amount = round(sum(i.unit_price * order.return_qty.get(i.sku, i.qty)
                               for i in order.items if i.sku in order.return_items)
                           - order.refunded_amount, 2)
        else:
            amount = round(order.total - order.refunded_amount, 2)
        if order.status == OrderStatus.refunded or amount <= 0:
            return await self._refuse("request_refund", args, session, "already_refunded",
                                      "order is already refunded", **order_view(order))
        if order.status.value not in rule.allowed_statuses:
            outcome = "needs_return" if order.status == OrderStatus.delivered else "not_refundable"
            return await self._refuse(
                "request_refund", args, session, outcome,
                f"order is {order.status.value}; refunds are issued only when "
                f"{', '.join(rule.allowed_statuses)}", **order_view(order),
            )
        if amount > rule.auto_approve_up_to:
            # Over-limit tier: never executed by the assistant, a person decides. Asked for,
            # it goes to the refunds team at once; a customer who only asked about the money
            # is told the timing and says yes before it is sent (actions.yaml).
            if rule.over_limit == "always_confirm" or session.asking_only:
                waiting = await self._confirm_or_proceed(
                    "request_refund", order, session, rule.requires_confirmation, args,
                    amount=amount, over_limit=True, limit=rule.auto_approve_up_to)
                if waiting:
                    return waiting
            await self._audit(session, "request_refund", False,
                              f"{amount} SAR is above the auto-approval limit of "
                              f"{rule.auto_approve_up_to} SAR", order_id=order.id,
                              amount=amount, outcome="over_limit")
            return ToolOutcome(tool="request_refund", outcome="over_limit",
                               data=order_view(order) | {"amount": amount,
                                                          "limit": rule.auto_approve_up_to})
        # A customer who only asked when the money comes is told that first (actions.yaml).
        waiting = await self._confirm_or_proceed(
            "request_refund", order, session, rule.requires_confirmation, args, amount=amount,
            **({"asking": True} if session.asking_only else {}))
        if waiting:
            return waiting
        updated = await self._backend.set_order_status(
            order.id, OrderStatus.refunded,
            TrackingEvent(at=now(), code="refunded", description=Bilingual(
                en=f"Refund of {amount:,.2f} SAR issued to the original payment method",
                ar=f"تم إصدار استرداد بمبلغ {amount:,.2f} ريال إلى طريقة الدفع الأصلية",
            )),
            expected=order.status, refunded=amount,
        )
        if updated is None:
            return await self._refuse("request_refund", args, session, "changed",
                                      "the order changed meanwhile", order_id=order.id)
        result = ToolOutcome(tool="request_refund", outcome="ok",
                             data=order_view(updated) | {"amount": amount})
        stored = await self._backend.remember(idem_key, "request_refund", result.model_dump())
        await self._audit(session, "request_refund", True,
                          f"{amount} SAR within the auto-approval limit", order_id=order.id,
                          amount=amount)
        return ToolOutcome.model_validate(stored)

    async def _create_ticket(self, args: CreateTicketArgs, session: Session) -> ToolOutcome:
        ticket = await self._backend.create_ticket(
            Ticket(
                id=new_id("TK"),
                conversation_id=session.conversation_id,
                customer_id=session.customer_id,
                subject=args.subject,
                body=args.body,
                priority=args.priority,
                created_at=now(),
            )
        )
        await self._audit(session, "create_ticket", True, "ticket opened", ticket_id=ticket.id)
        return ToolOutcome(tool="create_ticket", outcome="ok", data={"ticket_id": ticket.id})

    async def _request_human(self, args: RequestHumanArgs, session: Session) -> ToolOutcome:
        # The handoff node creates the queue entry with the summary; here we only record intent.
        await self._audit(session, "request_human", True, args.reason)
        return ToolOutcome(tool="request_human", outcome="handoff", data={"reason": args.reason})
