"""Signed URLs (SPEC §8): the message a `sig` covers, and how it is made and checked.

The message is the path as sent (percent-encoded, from `/images`), then, when the query holds
other parameters, `?` and those parameters byte for byte in the order sent, `sig` left out.
`sig` is base64url without padding of HMAC-SHA256(key, message). Working on raw bytes means a
web app signs exactly the string it puts in its page, with no canonicalisation to agree on."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote

import attrs

SIGNATURE_PARAMETER = "sig"
_SIG = SIGNATURE_PARAMETER.encode()
# Characters a client sends as they are; everything else in a path given to `sign` is
# percent-encoded as UTF-8, the way HTTP clients send it.
_SENT_AS_IS = "!$&'()*+,;=:@/?%-._~"


def split_signature(query: bytes) -> tuple[bytes, tuple[bytes, ...]]:
    """The query without its `sig=` pairs (the others byte for byte, in their order) and the
    values of those pairs."""
    if not query:
        return b"", ()
    kept, signatures = [], []
    for pair in query.split(b"&"):
        key, _, value = pair.partition(b"=")
        if key == _SIG:
            signatures.append(value)
        else:
            kept.append(pair)
    return b"&".join(kept), tuple(signatures)


def signed_message(raw_path: bytes, query_without_sig: bytes) -> bytes:
    return raw_path + b"?" + query_without_sig if query_without_sig else raw_path


def signature(key: bytes, message: bytes) -> bytes:
    """base64url, no padding: 43 ASCII characters, safe in a query as they are."""
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=")


def _keys(raw: tuple[str, ...] | tuple[bytes, ...]) -> tuple[bytes, ...]:
    return tuple(k.encode() if isinstance(k, str) else k for k in raw)


@attrs.frozen
class UrlSignatures:
    """The configured keys; none means reads need no signature. The first key signs, every
    key verifies, so a key is rotated by putting the new one first and dropping the old one
    once every page that holds its URLs has been refreshed."""

    keys: tuple[bytes, ...] = attrs.field(default=(), converter=_keys)

    @property
    def is_required(self) -> bool:
        return bool(self.keys)

    def verify(self, raw_path: bytes, query: bytes) -> bool:
        """Exactly one `sig`, matching under some key. Every key is tried, each comparison in
        constant time, so timing tells neither how much of a guess matched nor which key."""
        rest, given = split_signature(query)
        if len(given) != 1:
            return False
        message = signed_message(raw_path, rest)
        matches = [hmac.compare_digest(signature(key, message), given[0]) for key in self.keys]
        return any(matches)

    def sign(self, path: str) -> str:
        """`path` (with its query, if any) with `sig` added, under the first key; a `sig`
        already there is replaced. Non-ASCII characters are percent-encoded first, as a client
        will send them."""
        if not self.keys:
            raise ValueError("no signing key is configured")
        sent = quote(path, safe=_SENT_AS_IS)
        raw_path, _, query = sent.partition("?")
        rest, _ = split_signature(query.encode("ascii"))
        sig = signature(self.keys[0], signed_message(raw_path.encode("ascii"), rest))
        separator = b"&" if rest else b""
        return f"{raw_path}?{(rest + separator + _SIG + b'=' + sig).decode('ascii')}"
