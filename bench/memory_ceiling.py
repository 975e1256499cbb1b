"""Which memory limit lets Pillow and libvips fail cleanly: RLIMIT_AS or RLIMIT_DATA.

Run: .venv/bin/python bench/memory_ceiling.py
Each trial is a fresh process set up as a worker is: glibc arenas bounded to 2, a pool of 8
threads (the Swift pool) and one of 2 (imaging) started and used, pyvips loaded with its
concurrency at 1. The limit is then set to what the process already uses under that measure
(VmSize for RLIMIT_AS, VmData for RLIMIT_DATA) plus HEADROOM, and a 70 MP image (about 280 MB
decoded by Pillow, 210 MB by libvips) is decoded on a pool thread, as the server does. After
the failure the trial decodes a 1 MP image and starts a thread, to see the process lives on.
A trial that dies by a signal (segfault, abort in g_malloc) prints its signal.
"""

from __future__ import annotations

import ctypes
import io
import itertools
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

MIB = 1 << 20
HEADROOMS_MIB = (24, 96, 192)  # too small for the whole image, at several depths into it
WIDTH, HEIGHT = 10240, 6836  # 70 MP
LIMITS = {"AS": resource.RLIMIT_AS, "DATA": resource.RLIMIT_DATA}
STATUS_FIELD = {"AS": "VmSize", "DATA": "VmData"}


def status_bytes(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def make_inputs(folder: Path) -> dict[str, Path]:
    import pyvips

    big = pyvips.Image.gaussnoise(WIDTH, HEIGHT).cast("uchar").bandjoin([128, 64])
    paths = {"jpeg": folder / "big.jpg", "png": folder / "big.png"}
    big.write_to_file(str(paths["jpeg"]), Q=80)
    big.write_to_file(str(paths["png"]), compression=1)
    small = pyvips.Image.gaussnoise(1000, 1000).cast("uchar").bandjoin([128, 64])
    paths["small"] = folder / "small.png"
    small.write_to_file(str(paths["small"]))
    return paths


def decode(library: str, path: str) -> str:
    if library == "pillow":
        from PIL import Image

        with Image.open(path) as image:
            image.load()
            return f"decoded {image.size}"
    import pyvips

    image = pyvips.Image.new_from_file(path, access="sequential", fail=True)
    pixels = image.copy_memory()  # the whole image, as a full decode needs it
    return f"decoded {pixels.width}x{pixels.height}"


def trial(limit: str, library: str, big: str, small: str, headroom_mib: str, arenas: str) -> None:
    """One process: set up like a worker, limit itself, decode too much, then carry on."""
    libc = ctypes.CDLL(None)
    if int(arenas):
        libc.mallopt(-8, int(arenas))  # M_ARENA_MAX, as workers.malloc_arenas does
    import pyvips
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None
    pyvips.concurrency_set(1)
    pyvips.cache_set_max(0)
    swift = ThreadPoolExecutor(8, thread_name_prefix="swift")
    imaging = ThreadPoolExecutor(2, thread_name_prefix="imaging")
    list(swift.map(lambda _: bytes(MIB), range(8)))  # every thread started, arenas in use
    list(imaging.map(lambda _: decode(library, small), range(2)))
    used = status_bytes(STATUS_FIELD[limit])
    ceiling = used + int(headroom_mib) * MIB
    resource.setrlimit(LIMITS[limit], (ceiling, resource.RLIM_INFINITY))
    sizes = (
        f"VmSize {status_bytes('VmSize') / MIB:.0f} MiB, VmData {status_bytes('VmData') / MIB:.0f}"
    )
    print(
        f"  {sizes} MiB; ceiling {ceiling / MIB:.0f} MiB ({STATUS_FIELD[limit]} + {headroom_mib})"
    )
    started = time.perf_counter()
    try:
        outcome = imaging.submit(decode, library, big).result()
    except BaseException as error:  # what the decode raises is the measurement
        outcome = f"{type(error).__name__}: {str(error)[:80]}"
    elapsed = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  big: {outcome} after {elapsed:.2f} s, peak RSS {rss:.0f} MiB")
    try:
        print(f"  small after: {imaging.submit(decode, library, small).result()}")
        extra = threading.Thread(target=lambda: None)
        extra.start()
        extra.join()
        print("  new thread after: started")
        print(f"  png encode after: {len(encoded_small(small))} bytes")
    except BaseException as error:
        print(f"  after: {type(error).__name__}: {error}")


def encoded_small(small: str) -> bytes:
    from PIL import Image

    with Image.open(small) as image:
        out = io.BytesIO()
        image.save(out, "PNG")
        return out.getvalue()


def main() -> int:
    if len(sys.argv) == 7:
        trial(*sys.argv[1:])
        return 0
    with tempfile.TemporaryDirectory(prefix="ceiling-") as scratch:
        paths = make_inputs(Path(scratch))
        for arenas, library, kind, headroom, limit in itertools.product(
            ("2", "0"), ("pillow", "vips"), ("jpeg", "png"), HEADROOMS_MIB, LIMITS
        ):
            print(f"RLIMIT_{limit}, {library}, 70 MP {kind}, arenas {arenas}:", flush=True)
            command = [sys.executable, __file__, limit, library, str(paths[kind])]
            command += [str(paths["small"]), str(headroom), arenas]
            done = subprocess.run(command, check=False)
            if done.returncode < 0:
                print(f"  died: {signal.Signals(-done.returncode).name}")
            elif done.returncode:
                print(f"  exited {done.returncode}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
