"""The one table from error class to HTTP answer, and the handlers Starlette calls with it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from image_repo.adapters.http.worker_health import WorkerHealth, sickness
from image_repo.domain import errors

logger = logging.getLogger(__name__)

ExceptionHandler = Callable[[Request, Exception], Coroutine[Any, Any, Response]]
SICK_RETRY_AFTER_SECONDS = 1  # another worker (or the replacement) can answer at once

# error class -> (status, stable error code). Starlette finds a handler by walking the
# exception's MRO, so a subclass without its own row is answered by its parent's.
ERROR_TABLE: dict[type[errors.ImageRepoError], tuple[int, str]] = {
    errors.ImageRepoError: (500, "internal_error"),
    errors.InvalidRequestError: (400, "invalid_request"),
    errors.InvalidNameError: (400, "invalid_name"),
    errors.InvalidParameterError: (400, "invalid_parameter"),
    errors.InvalidPatternError: (400, "invalid_regex"),
    errors.EmptyUploadError: (400, "empty_upload"),
    errors.CorruptImageError: (400, "corrupt_image"),
    errors.DamagedOriginalError: (422, "damaged_original"),
    errors.WatermarkUnavailableError: (422, "watermark_unavailable"),
    errors.UnauthorizedError: (401, "unauthorized"),
    errors.SignatureRequiredError: (403, "signature_required"),
    errors.UnsupportedImageError: (415, "unsupported_media_type"),
    errors.TooLargeError: (413, "too_large"),
    errors.UploadTooLargeError: (413, "upload_too_large"),
    errors.TooManyPixelsError: (413, "too_many_pixels"),
    errors.ImageBudgetError: (413, "over_budget"),
    errors.TooManyImagesError: (413, "too_many_images"),
    errors.ImageNotFoundError: (404, "not_found"),
    errors.AlreadyExistsError: (412, "already_exists"),
    errors.NameTakenError: (409, "name_taken"),
    errors.OriginalsRefusedError: (403, "originals_refused"),
    errors.BodyTimeoutError: (408, "body_timeout"),
    errors.UnavailableError: (503, "unavailable"),
    errors.StoreUnavailableError: (503, "store_unavailable"),
    errors.StoreLoginError: (503, "store_authentication_failed"),
    errors.SaturatedError: (503, "saturated"),
}


def status_and_code(error: errors.ImageRepoError) -> tuple[int, str]:
    """The error's row, or its nearest parent's, as Starlette would find its handler."""
    return next(ERROR_TABLE[c] for c in type(error).__mro__ if c in ERROR_TABLE)


def error_response(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """`no-store`: an error carries no surrogate keys, so an edge that kept it (a CDN caches a
    404 by default) could not be told when an upload makes it wrong."""
    headers = {"Cache-Control": "no-store", **(headers or {})}
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


async def handle_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.ImageRepoError)
    status, code = status_and_code(exc)
    headers = None
    if isinstance(exc, errors.UnavailableError):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
        logger.warning("%s %s: %s", request.method, request.url.path, exc)
    if isinstance(exc, errors.UnauthorizedError):
        headers = {"WWW-Authenticate": 'Bearer realm="image_repo"'}
    if status >= 500 and headers is None:
        logger.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return error_response(500, code, "internal error")
    detail = exc.public_detail
    return error_response(status, code, detail, headers)


async def handle_http_error(_request: Request, exc: Exception) -> Response:
    """Routing errors (404, 405) in the same JSON shape as everything else."""
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    response = error_response(exc.status_code, code, str(exc.detail))
    response.headers.update(exc.headers or {})
    return response


def unexpected_handler(health: WorkerHealth | None) -> ExceptionHandler:
    """A bug: logged with its traceback, answered 500 with nothing an attacker can use. An
    exhausted process (out of memory, out of threads) is no bug of this request: 503 +
    Retry-After, so the client retries elsewhere, and the worker falls sick."""

    async def handle_unexpected(request: Request, exc: Exception) -> Response:
        reason = sickness(exc)
        if reason is None or health is None:
            logger.error("%s %s: unhandled error", request.method, request.url.path, exc_info=exc)
            return error_response(500, "internal_error", "internal error")
        logger.error("%s %s: %s", request.method, request.url.path, reason, exc_info=exc)
        health.fall_sick(reason)
        headers = {"Retry-After": str(SICK_RETRY_AFTER_SECONDS)}
        return error_response(503, "worker_exhausted", "server overloaded; retry", headers)

    return handle_unexpected


def exception_handlers(health: WorkerHealth | None = None) -> dict[type[Exception] | int, object]:
    handlers: dict[type[Exception] | int, object] = {
        cls: handle_domain_error for cls in ERROR_TABLE
    }
    handlers[HTTPException] = handle_http_error
    handlers[Exception] = unexpected_handler(health)
    return handlers
