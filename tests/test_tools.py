"""Tool guards: identity, ownership, cancellation policy, confirmation, idempotency, audit."""

from __future__ import annotations

import pytest

from tools.actions import Session


@pytest.fixture
def toolbox(assistant):
    return assistant.deps.toolbox, assistant.deps.backend


async def test_reads_need_a_verified_customer(toolbox):
    tb, backend = toolbox
    s = Session(conversation_id="t1")
    for name, args in [("get_order", {"order_id": "RW-100251"}), ("list_orders", {}),
                       ("track_shipment", {"order_id": "100251"}),
                       ("find_customer", {"contact": "0501234567"})]:
        out = await tb.run(name, args, s)
        assert out.outcome == "needs_identity", name
        assert "items" not in out.data
    trail = await backend.audit_trail("t1")
    assert len(trail) == 4 and not any(r.allowed for r in trail)


async def test_verification_by_order_and_contact(toolbox):
    tb, _ = toolbox
    s = Session(conversation_id="t2")
    ok = await tb.run("verify_identity", {"order_id": "١٠٠٢٥١", "contact": "+966 50 123 4567"}, s)
    assert ok.outcome == "ok" and ok.verified_customer_id == "C1001"
    wrong = await tb.run("verify_identity",
                         {"order_id": "RW-100251", "contact": "sarah.aldosari@example.com"}, s)
    assert wrong.outcome == "mismatch" and wrong.verified_customer_id is None
    locked = await tb.run("verify_identity", {"order_id": "RW-100251", "contact": "0501234567"},
                          Session(conversation_id="t2", verify_failures=3))
    assert locked.outcome == "locked"


async def test_another_customers_order_reads_as_not_found(toolbox):
    tb, backend = toolbox
    s = Session(conversation_id="t3", customer_id="C1001")
    out = await tb.run("get_order", {"order_id": "RW-100280"}, s)  # C1002's
    assert out.outcome == "not_found" and "items" not in out.data
    own = await tb.run("get_order", {"order_id": "RW-100251"}, s)
    assert own.outcome == "ok" and own.data["status"] == "shipped"
    trail = await backend.audit_trail("t3")
    assert trail[0].reason == "order belongs to another customer" and not trail[0].allowed


async def test_cancel_needs_confirmation_then_runs_once(toolbox):
    tb, backend = toolbox
    s = Session(conversation_id="t4", customer_id="C1001")
    ask = await tb.run("cancel_order", {"order_id": "RW-100316"}, s)
    assert ask.outcome == "needs_confirmation" and ask.confirmation_key == "cancel_order:RW-100316"
    assert (await backend.get_order("RW-100316")).status == "pending"
    s.confirmed = ask.confirmation_key
    done = await tb.run("cancel_order", {"order_id": "RW-100316"}, s)
    assert done.outcome == "ok"
    order = await backend.get_order("RW-100316")
    assert order.status == "cancelled" and order.tracking_events[-1].code == "cancelled"
    # A retried request returns the same result and does not act again.
    again = await tb.run("cancel_order", {"order_id": "RW-100316"}, s)
    assert again.outcome == "ok"
    order = await backend.get_order("RW-100316")
    assert [e.code for e in order.tracking_events].count("cancelled") == 1


async def test_cancel_refused_once_shipped(toolbox):
    tb, backend = toolbox
    s = Session(conversation_id="t5", customer_id="C1001", confirmed="cancel_order:RW-100251")
    out = await tb.run("cancel_order", {"order_id": "RW-100251"}, s)
    assert out.outcome == "not_cancellable"
    assert (await backend.get_order("RW-100251")).status == "shipped"


async def test_bad_arguments_are_refused_not_raised(toolbox):
    tb, _ = toolbox
    s = Session(conversation_id="t6", customer_id="C1001")
    assert (await tb.run("get_order", {"order_id": "12"}, s)).outcome == "invalid_args"
    assert (await tb.run("get_order", {"order_id": "RW-100251", "customer_id": "C1002"},
                         s)).outcome == "invalid_args"
    assert (await tb.run("refund_everything", {}, s)).outcome == "unknown_tool"


async def test_return_inside_the_window_needs_a_yes_and_is_booked_once(toolbox):
    tb, backend = toolbox
    s = Session(conversation_id="r1", customer_id="C1029")
    asked = await tb.run("start_return", {"order_id": "RW-100243"}, s)
    assert asked.outcome == "needs_confirmation" and asked.confirmation_key == "start_return:RW-100243"
    assert (await backend.get_order("RW-100243")).status == "delivered"
    s.confirmed = asked.confirmation_key
    done = await tb.run("start_return", {"order_id": "RW-100243"}, s)
    assert done.outcome == "ok"
    again = await tb.run("start_return", {"order_id": "RW-100243"}, s)
    assert again.outcome == "ok"
    order = await backend.get_order("RW-100243")
    assert order.status == "return_requested"
    assert [e.code for e in order.tracking_events].count("return_requested") == 1


async def test_return_window_depends_on_a_fault(toolbox):
    tb, backend = toolbox
    s = Session(conversation_id="r2", customer_id="C1050")
    # Delivered 19 days ago: past the 15-day change-of-mind window, inside the 30-day fault one.
    late = await tb.run("start_return", {"order_id": "RW-100224"}, s)
    assert late.outcome == "outside_window" and late.data["window"] == 15
    faulty = await tb.run("start_return", {"order_id": "RW-100224", "defective": True}, s)
    assert faulty.outcome == "needs_confirmation"
    s2 = Session(conversation_id="r3", customer_id="C1001", confirmed="start_return:RW-100195")
    old = await tb.run("start_return", {"order_id": "RW-100195", "defective": True}, s2)
    assert old.outcome == "outside_window"
    assert (await backend.get_order("RW-100195")).status == "delivered"
    # Not delivered yet: nothing to return.
    s3 = Session(conversation_id="r4", customer_id="C1001", confirmed="start_return:RW-100251")
    assert (await tb.run("start_return", {"order_id": "RW-100251"}, s3)).outcome == "not_returnable"


async def test_a_return_of_other_items_is_a_new_request_not_the_first_ones_replay(toolbox):
    tb, backend = toolbox
    # RW-100226 was delivered 16 days ago: the faulty buds go back (30-day window)...
    buds = {"order_id": "RW-100226", "items": ["AU-SAM-BUDS3P"], "defective": True}
    s = Session(conversation_id="r5", customer_id="C1020", confirmed="start_return:RW-100226")
    assert (await tb.run("start_return", buds, s)).outcome == "ok"
    assert (await tb.run("start_return", buds, s)).outcome == "ok"  # the same one again
    # ...the watch, which has nothing wrong, is past the 15-day window: refused for that,
    # never answered with the buds' booking.
    watch = await tb.run("start_return", {"order_id": "RW-100226", "items": ["WR-HUA-GT4-46"]}, s)
    assert watch.outcome == "outside_window" and watch.data["window"] == 15
    order = await backend.get_order("RW-100226")
    assert [e.code for e in order.tracking_events].count("return_requested") == 1


async def test_refund_within_the_limit_is_issued_once(toolbox):
    tb, backend = toolbox
    s = Session(conversation_id="f1", customer_id="C1002")
    asked = await tb.run("request_refund", {"order_id": "RW-100231"}, s)
    assert asked.outcome == "needs_confirmation" and asked.data["amount"] == 1499.0
    s.confirmed = asked.confirmation_key
    done = await tb.run("request_refund", {"order_id": "RW-100231"}, s)
    assert done.outcome == "ok"
    # A retry, in this conversation or another, never refunds twice.
    again = await tb.run("request_refund", {"order_id": "RW-100231"}, s)
    other = await tb.run("request_refund", {"order_id": "RW-100231"},
                         Session(conversation_id="f2", customer_id="C1002",
                                 confirmed="request_refund:RW-100231"))
    assert again.data == done.data and other.data == done.data
    order = await backend.get_order("RW-100231")
    assert order.status == "refunded" and order.refunded_amount == 1499.0
    assert [e.code for e in order.tracking_events].count("refunded") == 1


async def test_concurrent_refunds_execute_once(toolbox):
    import asyncio

    tb, backend = toolbox
    sessions = [Session(conversation_id=f"c{i}", customer_id="C1002",
                        confirmed="request_refund:RW-100231") for i in range(4)]
    outs = await asyncio.gather(*(tb.run("request_refund", {"order_id": "RW-100231"}, s)
                                  for s in sessions))
    assert {o.outcome for o in outs} <= {"ok", "changed", "already_refunded"}
    order = await backend.get_order("RW-100231")
    assert order.refunded_amount == 1499.0
    assert [e.code for e in order.tracking_events].count("refunded") == 1


async def test_refund_over_the_limit_is_never_executed(toolbox):
    tb, backend = toolbox
    # Even with a (forged) confirmation, 2,547 SAR is above the 1,500 SAR auto-approval limit.
    s = Session(conversation_id="f3", customer_id="C1001", confirmed="request_refund:RW-100232")
    out = await tb.run("request_refund", {"order_id": "RW-100232"}, s)
    assert out.outcome == "over_limit" and out.data["amount"] == 2547.0
    assert (await backend.get_order("RW-100232")).status == "returned"
    trail = await backend.audit_trail("f3")
    assert trail[-1].action == "request_refund" and not trail[-1].allowed


async def test_refund_of_someone_elses_or_undelivered_order_is_refused(toolbox):
    tb, backend = toolbox
    s = Session(conversation_id="f4", customer_id="C1001", confirmed="request_refund:RW-100231")
    assert (await tb.run("request_refund", {"order_id": "RW-100231"}, s)).outcome == "not_found"
    assert (await backend.get_order("RW-100231")).status == "returned"
    s2 = Session(conversation_id="f5", customer_id="C1001", confirmed="request_refund:RW-100195")
    assert (await tb.run("request_refund", {"order_id": "RW-100195"}, s2)).outcome == "needs_return"


async def test_return_days_are_counted_on_the_shops_calendar(toolbox, monkeypatch):
    from datetime import UTC, datetime, time, timedelta

    from tools.backend import SHOP_ZONE, shop_day

    tb, backend = toolbox
    delivered = (await backend.get_order("RW-100224")).delivered_at
    # 00:30 in Riyadh is still the evening before in UTC: the 16th day in the shop is the
    # 15th in UTC, and the 15-day window is over whatever the hour.
    at = datetime.combine(shop_day(delivered) + timedelta(days=16), time(0, 30), SHOP_ZONE)
    monkeypatch.setattr("tools.actions.now", lambda: at.astimezone(UTC))
    out = await tb.run("start_return", {"order_id": "RW-100224"},
                       Session(conversation_id="r9", customer_id="C1050"))
    assert out.outcome == "outside_window" and out.data["days"] == 16, out.data
