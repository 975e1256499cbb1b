"""Every domain error answers with a 4xx or a 503 from the one table, never by accident."""

from __future__ import annotations

import asyncio
import json

from starlette.requests import Request

from image_repo.adapters.http.errors import ERROR_TABLE, handle_domain_error
from image_repo.domain import errors


def all_error_classes() -> list[type[errors.ImageRepoError]]:
    found, pending = [], [errors.ImageRepoError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_error_class_has_its_own_row() -> None:
    assert set(all_error_classes()) == set(ERROR_TABLE)


def test_only_the_base_class_is_a_500_and_unavailability_a_503() -> None:
    for cls, (status, _code) in ERROR_TABLE.items():
        if cls is errors.ImageRepoError:
            assert status == 500
        elif issubclass(cls, errors.UnavailableError):
            assert status == 503
        else:
            assert 400 <= status < 500, cls


def answer(error: errors.ImageRepoError) -> tuple[int, dict[str, str], dict[str, str]]:
    request = Request({"type": "http", "method": "GET", "path": "/x", "headers": []})
    response = asyncio.run(handle_domain_error(request, error))
    return response.status_code, dict(response.headers), json.loads(bytes(response.body))


def test_unavailable_answers_carry_retry_after() -> None:
    status, headers, body = answer(errors.StoreUnavailableError("swift down"))
    assert (status, headers["retry-after"], body["error"]) == (503, "10", "store_unavailable")


def test_unauthorized_answers_carry_www_authenticate() -> None:
    status, headers, _body = answer(errors.UnauthorizedError("no token"))
    assert status == 401 and headers["www-authenticate"].startswith("Bearer")


def test_details_are_passed_on_for_client_errors() -> None:
    assert answer(errors.InvalidNameError("the name is empty"))[2] == {
        "error": "invalid_name",
        "detail": "the name is empty",
    }
