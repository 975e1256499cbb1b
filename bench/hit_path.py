"""The in-process cost of answering a memory hit, and of the coherence check inside it.

Run: .venv/bin/python bench/hit_path.py
Over HTTP wrk's figures move by 10 % from run to run; this times what MemoryHits itself does
per hit (request memo, trusted ETag with its generation read, memory lookup, remembered
headers) with the real wired objects, no Swift needed, so a change to the hot path shows in
microseconds.
Measured with signed URLs off and on (server.url_signing_keys): a hot signed URL's HMAC is
checked once with its parse, so the two should match; the cost of one check (a cold URL) is
printed beside them. The whole hit through the HTTP protocol (hit_protocol.py: parsing, the
answer, its write to a transport that keeps nothing, metrics) is timed too. Times are CPU
time of this process, so other work on the machine moves them less.
"""

from __future__ import annotations

import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path

import cattrs
import uvloop
from starlette.types import Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.server import ServerState

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from image_repo.adapters.http.hit_protocol import HIT_LANE, HitLane, MemoryHitProtocol
from image_repo.adapters.http.memory_hits import MemoryHits
from image_repo.adapters.http.observability import RequestRecorder
from image_repo.container.wiring import Container
from image_repo.domain.derivation import spec_for
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.names import ImageName
from image_repo.domain.request import parse_query
from image_repo.domain.url_signatures import UrlSignatures
from image_repo.settings import AppConfig

CALLS = 200_000
ETAG = "0123456789abcdef0123456789abcdef"
PATH, QUERY = b"/images/bench/hit", b"xsize=800"


def microseconds(call: Callable[[], object], calls: int = CALLS) -> float:
    runs = timeit.repeat(call, number=calls, repeat=5, timer=time.process_time)
    return min(runs) / calls * 1e6


class _Transport:
    """Takes what the protocol writes: the socket's cost is not what is measured here."""

    def write(self, data: bytes) -> None: ...

    def is_closing(self) -> bool:
        return False

    def get_extra_info(self, name: str, default: object = None) -> object:
        return default

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...

    def close(self) -> None: ...


def through_protocol(hits: MemoryHits, target: bytes) -> float:
    """Microseconds of a hit from the request's bytes to the answer's write."""

    async def app(_scope: Scope, _receive: Receive, _send: Send) -> None:
        raise AssertionError("a memory hit reached the application")

    config = Config(app, http=MemoryHitProtocol, lifespan="off", access_log=False)
    config.load()
    state = ServerState()
    state.default_headers = [(b"date", b"Thu, 03 Dec 2026 10:00:00 GMT"), (b"server", b"uvicorn")]
    loop = uvloop.new_event_loop()
    lane = {HIT_LANE: HitLane(hits, RequestRecorder())}
    protocol = MemoryHitProtocol(config=config, server_state=state, app_state=lane, _loop=loop)
    protocol.connection_made(_Transport())  # type: ignore[arg-type]
    request = b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n"
    try:
        return microseconds(lambda: protocol.data_received(request), calls=CALLS // 4)
    finally:
        protocol.connection_lost(None)
        loop.close()


def measure(signing_keys: list[str]) -> tuple[float, float, float, float]:
    """Microseconds of a hit through the protocol, of MemoryHits.answer, of
    CoherentEtags.trusted and of the generation read."""
    query = QUERY
    if signing_keys:
        signed = UrlSignatures(tuple(signing_keys)).sign(f"{PATH.decode()}?{QUERY.decode()}")
        query = signed.partition("?")[2].encode()
    with tempfile.TemporaryDirectory() as cache_dir:
        raw = {"cache": {"cache_dir": cache_dir}, "server": {"url_signing_keys": signing_keys}}
        config = cattrs.structure(raw, AppConfig)
        dummy = {"ST_AUTH": "http://127.0.0.1:9/auth/v1.0", "ST_USER": "a:b", "ST_KEY": "k"}
        container = Container(config=config, environ=dummy)
        hits, settings = container.memory_hits(), container.http_settings()
        etags, name = container.etags(), ImageName.parse("bench/hit")
        etags.learn(name, ETAG, etags.generation(name))
        spec = spec_for(settings.image_request(parse_query(QUERY)), None, settings.defaults)
        key = DerivedImageKey(name, ETAG, spec)
        container.memory_cache().put(name, key.digest(), b"x" * 18_000)
        assert hits.answer(PATH, query) is not None
        if signing_keys:
            assert hits.answer(PATH, QUERY) is None  # unsigned: the full route's 403
        protocol = through_protocol(hits, PATH + b"?" + query)
        answer = microseconds(lambda: hits.answer(PATH, query))
        trusted = microseconds(lambda: etags.trusted(name))
        generation = microseconds(lambda: etags.generation(name))
    return protocol, answer, trusted, generation


def main() -> int:
    for label, keys in (("signing off", []), ("signing on ", ["bench-key-1", "bench-key-2"])):
        protocol, answer, trusted, generation = measure(keys)
        print(f"memory hit through the HTTP protocol, {label}: {protocol:6.2f} us")
        print(f"  of which MemoryHits.answer:                      {answer:6.2f} us")
        print(f"  of which CoherentEtags.trusted:                  {trusted:6.2f} us")
        print(f"  of which the generation read:                    {generation:6.2f} us")
    signatures = UrlSignatures(("bench-key-1", "bench-key-2"))
    signed = signatures.sign(f"{PATH.decode()}?{QUERY.decode()}").partition("?")[2].encode()
    check = microseconds(lambda: signatures.verify(PATH, signed), calls=CALLS // 4)
    print(f"one signature check (2 keys; a URL's first request): {check:6.2f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
