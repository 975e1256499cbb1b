"""The in-process cost of answering a memory hit, and of the coherence check inside it.

Run: .venv/bin/python bench/hit_path.py
Over HTTP a memory hit costs ~0.35 ms, almost all of it uvicorn and the kernel, and wrk's
figures move by 10 % from run to run; this times what image_repo itself does per hit (parse
memo, trusted ETag with its generation read, key memo, memory lookup, headers) with the real
wired objects, no Swift needed, so a change to the hot path shows in microseconds.
Measured with signed URLs off and on (server.url_signing_keys): a hot signed URL's HMAC is
checked once with its parse, so the two should match; the cost of one check (a cold URL) is
printed beside them.
"""

from __future__ import annotations

import sys
import tempfile
import timeit
from collections.abc import Callable
from pathlib import Path

import cattrs

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from image_repo.container.wiring import Container
from image_repo.domain.keys import DerivedImageKey
from image_repo.domain.names import ImageName
from image_repo.domain.url_signatures import UrlSignatures
from image_repo.settings import AppConfig

CALLS = 200_000
ETAG = "0123456789abcdef0123456789abcdef"
PATH, QUERY = b"/images/bench/hit", b"xsize=800"


def microseconds(call: Callable[[], object], calls: int = CALLS) -> float:
    return min(timeit.repeat(call, number=calls, repeat=5)) / calls * 1e6


def measure(signing_keys: list[str]) -> tuple[float, float, float]:
    """Microseconds of a hit, of CoherentEtags.trusted and of the generation read."""
    query = QUERY
    if signing_keys:
        signed = UrlSignatures(tuple(signing_keys)).sign(f"{PATH.decode()}?{QUERY.decode()}")
        query = signed.partition("?")[2].encode()
    with tempfile.TemporaryDirectory() as cache_dir:
        raw = {"cache": {"cache_dir": cache_dir}, "server": {"url_signing_keys": signing_keys}}
        config = cattrs.structure(raw, AppConfig)
        dummy = {"ST_AUTH": "http://127.0.0.1:9/auth/v1.0", "ST_USER": "a:b", "ST_KEY": "k"}
        container = Container(config=config, environ=dummy)
        hits = container.memory_hits(None)
        etags, name = container.etags(), ImageName.parse("bench/hit")
        etags.learn(name, ETAG, etags.generation(name))
        target = hits._target(PATH, query, None)
        assert target is not None
        key = DerivedImageKey(name, ETAG, target.spec)
        container.memory_cache().put(name, key.digest(), b"x" * 18_000)
        assert hits.answer(PATH, query, None) is not None
        if signing_keys:
            assert hits.answer(PATH, QUERY, None) is None  # unsigned: the full route's 403
        answer = microseconds(lambda: hits.answer(PATH, query, None))
        trusted = microseconds(lambda: etags.trusted(name))
        generation = microseconds(lambda: etags.generation(name))
    return answer, trusted, generation


def main() -> int:
    for label, keys in (("signing off", []), ("signing on ", ["bench-key-1", "bench-key-2"])):
        answer, trusted, generation = measure(keys)
        print(f"memory hit answered in-process, {label}: {answer:6.2f} us")
        print(f"  of which CoherentEtags.trusted:            {trusted:6.2f} us")
        print(f"  of which the generation read:              {generation:6.2f} us")
    signatures = UrlSignatures(("bench-key-1", "bench-key-2"))
    signed = signatures.sign(f"{PATH.decode()}?{QUERY.decode()}").partition("?")[2].encode()
    check = microseconds(lambda: signatures.verify(PATH, signed), calls=CALLS // 4)
    print(f"one signature check (2 keys; a URL's first request): {check:6.2f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
