"""Canonical forms and masks for customer contact details."""

from __future__ import annotations

import re

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def to_ascii_digits(text: str) -> str:
    return text.translate(_DIGITS)


def normalize_phone(raw: str) -> str | None:
    """Saudi mobile in E.164 (+9665XXXXXXXX), or None when it is not one."""
    digits = re.sub(r"\D", "", to_ascii_digits(raw))
    if digits.startswith("00966"):
        digits = digits[5:]
    elif digits.startswith("966"):
        digits = digits[3:]
    if digits.startswith("0"):
        digits = digits[1:]
    if len(digits) == 9 and digits.startswith("5"):
        return "+966" + digits
    return None


def normalize_email(raw: str) -> str:
    return raw.strip().lower()


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:2]}***@{domain}"


def mask_phone(phone: str) -> str:
    return f"{phone[:4]}*****{phone[-3:]}"
