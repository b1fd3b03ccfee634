"""One error shape for the whole API: `{"error": summary, "detail": [messages]}`.

Routes raise `ApiError` (or FastAPI's HTTPException, or a domain error mapped here); whatever
was raised, the client reads the same two fields, and OpenAPI documents them as `ErrorOut`."""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException


class ErrorOut(BaseModel):
    """What every error answer carries."""

    error: str = Field(description="A short summary, e.g. `not authenticated`")
    detail: list[str] = Field(description="What was wrong, one message per problem")


class ApiError(HTTPException):
    """An error in the API's shape: `{"error": summary, "detail": [messages]}`."""

    def __init__(self, status_code: int, error: str, *detail: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code, list(detail), headers)
        self.error = error


def too_many_requests(retry_after: int, message: str) -> ApiError:
    """429 with the seconds to wait in `Retry-After` and a sentence in the caller's language."""
    return ApiError(status.HTTP_429_TOO_MANY_REQUESTS, "too many requests", message,
                    headers={"Retry-After": str(retry_after)})


def caller_language(request: Request, preferred: str | None = None) -> str:
    """The language to refuse in: the conversation's or page's, else the browser's."""
    if preferred in ("ar", "en"):
        return preferred
    accept = request.headers.get("accept-language", "").strip().lower()
    return "ar" if accept.startswith("ar") else "en"


def error_response(code: int, error: str, *detail: str,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=code, headers=headers,
                        content={"error": error, "detail": list(detail)})


def responses(*codes: int, stream: bool = False,
              media_type: str | None = None) -> dict[int | str, dict]:
    """OpenAPI entries for the error codes a route may answer, all in the one shape (a 422 is
    documented whenever listed, replacing FastAPI's own validation-error schema, which is not
    what the API sends); `stream`: the 200 is a Server-Sent Events stream."""
    # A route whose own answer is not JSON (an HTML page) still errs in JSON: say so, or
    # FastAPI would document the error under the route's media type.
    shape = ({"content": {media_type: {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
             if media_type else {"model": ErrorOut})
    out: dict[int | str, dict] = {
        code: {"description": HTTPStatus(code).phrase} | shape for code in codes}
    if stream:
        out[200] = {"description": "Server-Sent Events (`event:`, `id:`, `data:` JSON lines)",
                    "content": {"text/event-stream": {"schema": {"type": "string"}}}}
    return out


def _as_list(detail: object) -> list[str]:
    if detail is None:
        return []
    if isinstance(detail, (list, tuple)):
        return [str(d) for d in detail]
    return [str(detail)]


def install(app: FastAPI) -> None:
    """Answer every error raised by a route, a dependency or the framework in the one shape."""

    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status_code, exc.error, *_as_list(exc.detail),
                              headers=exc.headers)

    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # FastAPI's own (405, a route's plain HTTPException): the status phrase as summary.
        summary = HTTPStatus(exc.status_code).phrase.lower()
        return error_response(exc.status_code, summary, *_as_list(exc.detail),
                              headers=getattr(exc, "headers", None))

    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"] if p != "body") or "body"
            problems.append(f"{where}: {err['msg']}")
        return error_response(status.HTTP_422_UNPROCESSABLE_CONTENT, "invalid request", *problems)

    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
