"""Small value types shared by several policy files."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except Exception:
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name such as Asia/Riyadh)") from None
    return value


TimeZoneName = Annotated[str, AfterValidator(_known_zone)]
