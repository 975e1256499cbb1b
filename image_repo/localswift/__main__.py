"""`python -m image_repo.localswift`: run a local Swift (with `--keystone`, a Keystone and a
Swift authenticating through it) until Ctrl-C or SIGTERM, for other tools."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from pathlib import Path

from image_repo.localswift.cluster import LocalSwift
from image_repo.localswift.install import ensure_keystone_installed, ensure_swift_installed
from image_repo.localswift.keystone import MEMBER, MEMBER_PASSWORD, PROJECT, LocalKeystone


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m image_repo.localswift")
    parser.add_argument("--data-dir", type=Path, default=Path(".saio"))
    parser.add_argument("--swift-venv", type=Path, default=Path(".venv-swift"))
    parser.add_argument("--port", type=int, default=8080, help="proxy port")
    parser.add_argument(
        "--replicas", type=int, default=1, help="storage servers of each kind (and ring replicas)"
    )
    parser.add_argument(
        "--keystone", action="store_true", help="authenticate through a local Keystone"
    )
    parser.add_argument("--keystone-venv", type=Path, default=Path(".venv-keystone"))
    parser.add_argument("--keystone-port", type=int, default=5000)
    parser.add_argument(
        "--install-only",
        action="store_true",
        help="install Swift (and Keystone, with --keystone) and exit",
    )
    args = parser.parse_args()
    ensure_swift_installed(args.swift_venv.absolute(), keystone=args.keystone)
    if args.keystone:
        ensure_keystone_installed(args.keystone_venv.absolute())
    if args.install_only:
        return 0
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    with contextlib.ExitStack() as stack:
        keystone = None
        if args.keystone:
            keystone = LocalKeystone(
                args.data_dir / "keystone", args.keystone_venv, port=args.keystone_port
            )
            stack.enter_context(keystone)
        swift = LocalSwift(
            args.data_dir,
            args.swift_venv,
            proxy_port=args.port,
            replicas=args.replicas,
            keystone=keystone,
        )
        stack.enter_context(swift)
        environ = swift.endpoint.environ() if keystone is None else keystone.member_environ()
        for name, value in environ.items():
            print(f"export {name}={value}")
        if keystone is not None:
            print(
                f"# Keystone {keystone.auth_url}: user {MEMBER}, password {MEMBER_PASSWORD},"
                f" project {PROJECT} (role member); Swift proxy on port {args.port}"
            )
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            stopping.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
