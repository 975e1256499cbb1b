"""Signed URLs for reads (SPEC §8): a GET or HEAD under /images needs a valid `sig`."""

from __future__ import annotations

from starlette.requests import Request

from image_repo.adapters.http.request_parsing import raw_path_of
from image_repo.adapters.http.write_access import WriteAccess
from image_repo.domain.errors import SignatureRequiredError
from image_repo.domain.url_signatures import UrlSignatures, split_signature


class ReadAccess:
    """With signing keys configured, a GET or HEAD needs a valid `sig`, or a write token (who
    may write may read)."""

    def __init__(self, signatures: UrlSignatures, writes: WriteAccess) -> None:
        self._signatures = signatures
        self._writes = writes

    def check(self, request: Request) -> None:
        if not self._signatures.is_required:
            return
        query: bytes = request.scope.get("query_string", b"")
        if self._signatures.verify(raw_path_of(request.scope), query):
            return
        if self._writes.has_valid_token(request):
            return
        if split_signature(query)[1]:
            raise SignatureRequiredError("the sig parameter does not match this URL")
        raise SignatureRequiredError("this server serves signed URLs only: add a sig parameter")
