"""The `image_repo` command: serve, print the configuration template, sign URLs, run a local
Swift."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs
import uvicorn

from image_repo.adapters.http.bounded_protocol import HeaderLimits
from image_repo.adapters.http.hit_protocol import MemoryHitProtocol
from image_repo.bulk_upload import run_bulk_upload
from image_repo.container import build_app, install_url_key
from image_repo.container.signing import pinned
from image_repo.domain.errors import ImageRepoError
from image_repo.domain.url_signatures import UrlSignatures
from image_repo.logging_setup import configure_logging
from image_repo.settings import (
    AppConfig,
    CacheConfig,
    ConfigError,
    load_config,
    render_config,
    render_template,
)
from image_repo.upload_plan import OnCollision


class _HelpWithDefaults(argparse.ArgumentDefaultsHelpFormatter):
    """Shows `(default: ...)` where there is one to show: not for flags, None or ''."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False, "") or action.default is argparse.SUPPRESS:
            return action.help
        return super()._get_help_string(action)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="image_repo",
        description="On-demand image repository over OpenStack Swift.",
        formatter_class=_HelpWithDefaults,
    )
    parser.add_argument("-c", "--config", type=Path, help="YAML configuration file")
    parser.add_argument(
        "-Y",
        "--yaml",
        action="store_true",
        help="print the effective configuration (defaults, then -c FILE) as YAML, secrets "
        "masked, and exit",
    )
    parser.add_argument(
        "-t",
        "--template",
        action="store_true",
        help="with -Y: print every option with its default and a comment (image_repo -Yt)",
    )
    commands = parser.add_subparsers(dest="command")
    # `-c` after the command too (`image_repo dev -c my.yaml`, `./scripts/dev -c my.yaml`):
    # given there, it wins; not given, the one before the command stays.
    after_command = argparse.ArgumentParser(add_help=False)
    after_command.add_argument(
        "-c", "--config", type=Path, default=argparse.SUPPRESS, help="YAML configuration file"
    )

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=help_text,
            description=help_text,
            formatter_class=_HelpWithDefaults,
            parents=[after_command],
        )

    command("serve", "serve the API (the default)")
    command(
        "set-url-key", "set swift.url_key as the TempURL key of the cache container, and check it"
    )
    sign = command(
        "sign",
        "print PATH with its sig added, under the first server.url_signing_keys; a path to one "
        "image gets the v= of its current original first (asked of Swift), so the URL is "
        "immutable",
    )
    sign.add_argument("path", help="e.g. '/images/a/b?xsize=100'")
    sign.add_argument("--unpinned", action="store_true", help="sign PATH as given, without v=")
    _upload_arguments(command("upload", "upload a folder tree through a running server's HTTP API"))
    dev = command(
        "dev",
        "start a local single-node Swift on loopback and serve against it; Ctrl-C, SIGTERM or "
        "SIGHUP stops both. The disk cache goes to .cache next to --data-dir unless the "
        "configuration sets cache.cache_dir",
    )
    dev.add_argument("--data-dir", type=Path, default=Path(".saio"), help="Swift's data folder")
    dev.add_argument(
        "--swift-venv", type=Path, default=Path(".venv-swift"), help="Swift's virtual environment"
    )
    dev.add_argument("--swift-port", type=int, default=8080, help="Swift proxy port")
    return parser


def _upload_arguments(upload: argparse.ArgumentParser) -> None:
    upload.add_argument("folder", type=Path, help="files under it are named by their path")
    upload.add_argument("--prefix", default="", help="name prefix (a pseudo-directory)")
    upload.add_argument("--jobs", type=int, default=4, help="uploads at once")
    upload.add_argument("--url", default="http://127.0.0.1:5000", help="the server's base URL")
    upload.add_argument(
        "--token", help="bearer token for writes (default: $IMAGE_REPO_TOKEN when set)"
    )
    upload.add_argument(
        "--on-collision",
        type=OnCollision,
        choices=list(OnCollision),
        default=OnCollision.FAIL,
        help="files whose names map to one image name (a.gif and a.png are both image a): "
        "fail uploads none of them, first uploads the first in sorted order, keep-extension "
        "uploads each with its extension joined by '_' (a.gif -> a_gif, a.png -> a_png)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.yaml and args.template:
        sys.stdout.write(render_template())
        return 0
    if args.command == "upload":
        if not args.folder.is_dir():
            print(f"{args.folder} is not a folder", file=sys.stderr)
            return 2
        token = args.token or os.environ.get("IMAGE_REPO_TOKEN")
        return run_bulk_upload(
            args.folder, args.url, args.prefix, args.jobs, token, args.on_collision
        )
    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)
        return 2
    if args.yaml:
        sys.stdout.write(render_config(config))
        return 0
    if args.command == "sign":
        return _sign(config, args.path, pin=not args.unpinned)
    configure_logging(config.server.log_level, as_json=config.server.log_json)
    if args.command == "set-url-key":
        return _set_url_key(config, os.environ)
    if args.command == "dev":
        return _serve_with_local_swift(config, args.data_dir, args.swift_venv, args.swift_port)
    return _serve(config, os.environ)


def _serve(config: AppConfig, environ: Mapping[str, str], warn_default_url_key: bool = True) -> int:
    try:
        app = build_app(config, environ, warn_default_url_key=warn_default_url_key)
    except ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)
        return 2
    limits = HeaderLimits(config.server.max_header_bytes, config.server.header_timeout_seconds)
    uvicorn.run(
        app,
        host=config.server.host,
        port=config.server.port,
        http=MemoryHitProtocol.configured(limits),
        log_level=config.server.log_level,
        log_config=None,
        access_log=False,
        timeout_keep_alive=config.server.keepalive_timeout_seconds,
        timeout_graceful_shutdown=30,
    )
    return 0


def _sign(config: AppConfig, path: str, *, pin: bool) -> int:
    if not path.startswith("/images"):
        print("PATH starts with /images, as the server sees it", file=sys.stderr)
        return 2
    if not config.server.url_signing_keys:
        print("server.url_signing_keys is empty: there is no key to sign with", file=sys.stderr)
        return 2
    if pin:
        path, note = pinned(config, path)
        if note is not None:
            print(note, file=sys.stderr)
    print(UrlSignatures(config.server.url_signing_keys).sign(path))
    return 0


def _set_url_key(config: AppConfig, environ: Mapping[str, str]) -> int:
    try:
        install_url_key(config, environ)
    except (ConfigError, ImageRepoError) as error:
        print(f"could not set the TempURL key: {error}", file=sys.stderr)
        return 1
    print(f"TempURL key set on container {config.swift.cache_container}")
    return 0


def _serve_with_local_swift(
    config: AppConfig, data_dir: Path, swift_venv: Path, swift_port: int
) -> int:
    """Swift's servers run in sessions of their own, so only this process can stop them: on
    every way out (Ctrl-C, SIGTERM, SIGHUP, an error) the `with` below does."""
    from image_repo.localswift import (
        LocalSwift,
        PortsBusyError,
        busy_port_message,
        ensure_swift_installed,
        port_is_free,
    )

    _exit_on_termination_signals()
    for port, remedy in (
        (swift_port, "pick another with --swift-port"),
        (config.server.port, "set another server.port in a configuration file (-c FILE)"),
    ):
        if not port_is_free(port):
            print(f"image_repo dev: {busy_port_message(port, remedy)}", file=sys.stderr)
            return 1
    config = _with_dev_cache_dir(config, data_dir.absolute().parent / ".cache")
    ensure_swift_installed(swift_venv.absolute())
    try:
        with LocalSwift(data_dir, swift_venv, proxy_port=swift_port) as swift:
            environ = {**os.environ, **swift.endpoint.environ()}
            install_url_key(config, environ)
            print(f"local Swift at {environ.get('ST_AUTH')} (user {environ.get('ST_USER')})")
            print(f"disk cache in {config.cache.cache_dir}")
            return _serve(config, environ, warn_default_url_key=False)
    except PortsBusyError as error:
        print(f"image_repo dev: {error}", file=sys.stderr)
        return 1


def _exit_on_termination_signals() -> None:
    """SIGTERM and SIGHUP would end the process on the spot, skipping every `finally`: make
    them a SystemExit instead. While uvicorn serves it handles SIGTERM itself (a graceful
    shutdown) and raises it again once done, which then lands here."""

    def exit_with_status(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, exit_with_status)
    signal.signal(signal.SIGHUP, lambda _signum, _frame: signal.raise_signal(signal.SIGTERM))


def _with_dev_cache_dir(config: AppConfig, cache_dir: Path) -> AppConfig:
    """The dev command keeps its disk cache in the clone (as Swift's data), unless the
    configuration names a cache folder of its own."""
    if config.cache.cache_dir != CacheConfig().cache_dir:
        return config
    return attrs.evolve(config, cache=attrs.evolve(config.cache, cache_dir=str(cache_dir)))


if __name__ == "__main__":
    sys.exit(main())
