"""Optional bearer tokens for PUT and DELETE; reads stay open, as the product describes."""

from __future__ import annotations

import hmac

from starlette.requests import Request

from image_repo.domain.errors import UnauthorizedError


class WriteAccess:
    """With no tokens configured every write is allowed. Otherwise the presented token is
    compared with every configured one in constant time, so timing reveals nothing of them."""

    def __init__(self, tokens: tuple[str, ...]) -> None:
        self._tokens = tuple(t.encode() for t in tokens if t)

    @property
    def is_open(self) -> bool:
        return not self._tokens

    def check(self, request: Request) -> None:
        if self.is_open:
            return
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            raise UnauthorizedError("send Authorization: Bearer <token> to write")
        candidate = presented.strip().encode()
        matches = [hmac.compare_digest(candidate, token) for token in self._tokens]
        if not any(matches):
            raise UnauthorizedError("the bearer token is not valid")
