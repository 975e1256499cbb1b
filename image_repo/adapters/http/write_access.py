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
        if not self._is_valid(presented):
            raise UnauthorizedError("the bearer token is not valid")

    def has_valid_token(self, request: Request) -> bool:
        """A configured token is presented (False when none is configured)."""
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and bool(presented.strip()) and self._is_valid(presented)

    def _is_valid(self, presented: str) -> bool:
        candidate = presented.strip().encode()
        matches = [hmac.compare_digest(candidate, token) for token in self._tokens]
        return any(matches)
