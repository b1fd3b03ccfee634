"""The admin API's credential: `Authorization: Bearer <CX_ADMIN_TOKEN>` (503 while unset)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api_errors import ApiError

_bearer = HTTPBearer(auto_error=False, scheme_name="AdminToken")


def _require_admin(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    token = request.app.state.settings.admin_token
    if token is None:
        raise ApiError(status.HTTP_503_SERVICE_UNAVAILABLE, "admin API disabled",
                       "the admin API is disabled: set CX_ADMIN_TOKEN")
    if creds is None or not secrets.compare_digest(
        creds.credentials.encode(), token.get_secret_value().encode()
    ):
        raise ApiError(status.HTTP_401_UNAUTHORIZED, "not authenticated",
                       "a valid admin bearer token is required",
                       headers={"WWW-Authenticate": "Bearer"})


AdminDep = Annotated[None, Depends(_require_admin)]
