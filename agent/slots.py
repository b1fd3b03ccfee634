"""Slot extraction: order numbers, emails, Saudi mobile numbers, in any digit script."""

from __future__ import annotations

import re

from tools.contact import normalize_phone, to_ascii_digits

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.U)
_PHONE = re.compile(r"(?:\+|00)?(?:966[\s-]?)?0?5(?:[\s-]?\d){8}")
_ORDER = re.compile(r"(?:\bRW[\s#-]*|#)?(?<!\d)(\d{6})(?!\d)", re.I)


def extract(text: str) -> dict[str, str]:
    """Slots found in one message: order_id (RW-123456), email, phone (+9665...), contact."""
    text = to_ascii_digits(text)
    slots: dict[str, str] = {}
    email = _EMAIL.search(text)
    if email:
        slots["email"] = email.group(0).lower()
        text = text.replace(email.group(0), " ")
    for match in _PHONE.finditer(text):
        phone = normalize_phone(match.group(0))
        if phone:
            slots["phone"] = phone
            text = text.replace(match.group(0), " ")
            break
    order = _ORDER.search(text)
    if order:
        slots["order_id"] = f"RW-{order.group(1)}"
    contact = slots.get("email") or slots.get("phone")
    if contact:
        slots["contact"] = contact
    return slots


def mask(text: str) -> str:
    """Replace slot values with placeholders, so a classifier learns "order <num>" rather
    than particular numbers or addresses."""
    text = _EMAIL.sub(" EMAIL ", to_ascii_digits(text))
    text = _PHONE.sub(" PHONE ", text)
    return _ORDER.sub(" ORDERNUM ", text)
