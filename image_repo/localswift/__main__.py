"""`python -m image_repo.localswift`: run a local Swift until Ctrl-C, for other tools."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from pathlib import Path

from image_repo.localswift.cluster import LocalSwift
from image_repo.localswift.install import ensure_swift_installed


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m image_repo.localswift")
    parser.add_argument("--data-dir", type=Path, default=Path(".saio"))
    parser.add_argument("--swift-venv", type=Path, default=Path(".venv-swift"))
    parser.add_argument("--port", type=int, default=8080, help="proxy port")
    parser.add_argument(
        "--replicas", type=int, default=1, help="storage servers of each kind (and ring replicas)"
    )
    parser.add_argument("--install-only", action="store_true", help="install Swift and exit")
    args = parser.parse_args()
    ensure_swift_installed(args.swift_venv.absolute())
    if args.install_only:
        return 0
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    with LocalSwift(
        args.data_dir, args.swift_venv, proxy_port=args.port, replicas=args.replicas
    ) as swift:
        for name, value in swift.endpoint.environ().items():
            print(f"export {name}={value}")
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            stopping.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
