"""Value types shared by the HTTP models: what any text field accepts.

JSON may carry a lone UTF-16 surrogate ("\\ud800"); Python decodes it into a string that cannot
be encoded as UTF-8, so storing or logging it fails deep inside a turn (a 500, and a message
half-handled). Refusing it at the boundary keeps the error clear and the store untouched.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def _encodable(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("is not valid Unicode text (it holds a lone surrogate)") from None
    return value


# Any free text a client sends: the customer's message, an agent's reply or note, a comment.
UnicodeText = Annotated[str, AfterValidator(_encodable)]


def as_utc(value: datetime) -> datetime:
    """A timestamp in UTC. One without a zone is UTC already: the product only ever writes
    UTC, and SQLite hands timestamps back without their zone."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Every timestamp a client reads: RFC 3339 with its zone, as OpenAPI's date-time promises.
UtcDateTime = Annotated[datetime, AfterValidator(as_utc)]
