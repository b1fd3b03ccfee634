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
