"""Typed domain records shared by the backend, the tools and the API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.wire import UtcDateTime

Lang = Literal["ar", "en"]


class Bilingual(BaseModel):
    en: str
    ar: str

    def pick(self, lang: Lang) -> str:
        return self.ar if lang == "ar" else self.en


class OrderStatus(StrEnum):
    pending = "pending"
    processing = "processing"
    shipped = "shipped"
    out_for_delivery = "out_for_delivery"
    delivered = "delivered"
    return_requested = "return_requested"
    cancelled = "cancelled"
    returned = "returned"
    refunded = "refunded"


class Tier(StrEnum):
    standard = "standard"
    silver = "silver"
    gold = "gold"
    vip = "vip"


class Note(BaseModel):
    date: str
    text: str


class Customer(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: Bilingual
    email: str
    phone: str
    language: Lang
    tier: Tier
    city: Bilingual
    created_at: str
    notes: list[Note] = Field(default_factory=list)


class OrderItem(BaseModel):
    sku: str
    name: Bilingual
    qty: int = Field(ge=1)
    unit_price: float


class Address(BaseModel):
    line1: str
    district: Bilingual
    city: Bilingual
    postal_code: str
    country: str = "SA"


class TrackingEvent(BaseModel):
    at: UtcDateTime
    code: str
    location: Bilingual | None = None
    description: Bilingual


class Order(BaseModel):
    id: str
    customer_id: str
    status: OrderStatus
    created_at: UtcDateTime
    items: list[OrderItem]
    subtotal: float
    delivery_fee: float = 0.0
    cod_fee: float = 0.0
    total: float
    vat_included: float
    currency: str = "SAR"
    payment_method: str
    shipping_address: Address
    carrier: str | None = None
    tracking_number: str | None = None
    expected_delivery: str | None = None
    tracking_events: list[TrackingEvent] = Field(default_factory=list)
    refunded_amount: float = 0.0
    # SKUs booked for return when only part of the order goes back (empty: the whole order).
    return_items: list[str] = Field(default_factory=list)
    # Units of a returned SKU when fewer than were ordered ("2 kettles, one goes back").
    return_qty: dict[str, int] = Field(default_factory=dict)

    @property
    def delivered_at(self) -> datetime | None:
        delivered = [e.at for e in self.tracking_events if e.code == "delivered"]
        return delivered[-1] if delivered else None


class Ticket(BaseModel):
    id: str
    conversation_id: str | None
    customer_id: str | None
    subject: str
    body: str
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    status: Literal["open", "pending", "solved"] = "open"
    created_at: UtcDateTime
    # When a person promised to get back to the customer (no one was available live).
    callback_by: UtcDateTime | None = None


Priority = Literal["low", "normal", "high", "urgent"]
HandoffStatus = Literal["queued", "claimed", "resolved", "returned"]


class TurnTrace(BaseModel):
    """One customer turn as the human sees it in the packet: what we understood and felt."""

    intent: str
    confidence: float
    level: str
    frustration: float
    rules: list[str] = Field(default_factory=list)


class FiredRuleView(BaseModel):
    rule_id: str
    reasons: list[str]


class HandoffPacket(BaseModel):
    """Everything a human needs so the customer never repeats themselves."""

    summary: Bilingual = Field(description="The problem in a few lines, in both languages")
    customer: dict | None = Field(None, description="Profile of the verified customer")
    recent_orders: list[dict] = Field(default_factory=list)
    trajectory: list[TurnTrace] = Field(default_factory=list)
    fired_rules: list[FiredRuleView] = Field(default_factory=list)
    policy_version: str | None = None
    tried: list[str] = Field(default_factory=list, description="What the assistant already did")
    slots: dict[str, str] = Field(default_factory=dict)
    last_messages: list[str] = Field(default_factory=list)
    suggested_reply: str = Field("", description="A first reply in the customer's language")


class Handoff(BaseModel):
    id: str
    conversation_id: str
    customer_id: str | None
    language: Lang
    priority: Priority
    skill: str
    reason: str
    summary: str
    status: HandoffStatus = "queued"
    created_at: UtcDateTime
    channel: str = "web"
    rule_id: str | None = None
    packet: HandoffPacket | None = None
    assigned_to: str | None = None
    claimed_at: UtcDateTime | None = None
    resolved_at: UtcDateTime | None = None


class AuditRecord(BaseModel):
    at: UtcDateTime
    conversation_id: str | None
    actor: str
    action: str
    allowed: bool
    reason: str
    details: dict = Field(default_factory=dict)
