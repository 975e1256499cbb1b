"""The `image_repo` command: serve, print the configuration template, sign URLs, run a local
Swift."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import uvicorn

from image_repo.adapters.http.bounded_protocol import BoundedHttpToolsProtocol, HeaderLimits
from image_repo.bulk_upload import run_bulk_upload
from image_repo.container import build_app, install_url_key
from image_repo.domain.errors import ImageRepoError
from image_repo.domain.url_signatures import UrlSignatures
from image_repo.logging_setup import configure_logging
from image_repo.settings import AppConfig, ConfigError, load_config, render_template


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="image_repo", description="On-demand image repository over OpenStack Swift."
    )
    parser.add_argument("-c", "--config", type=Path, help="YAML configuration file")
    parser.add_argument(
        "-Y", "--yaml", action="store_true", help="print the configuration as YAML and exit"
    )
    parser.add_argument(
        "-t",
        "--template",
        action="store_true",
        help="with -Y: print every option with its default and a comment (image_repo -Yt)",
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve the API (the default)")
    commands.add_parser(
        "set-url-key",
        help="set swift.url_key as the TempURL key of the cache container, and check it",
    )
    sign = commands.add_parser(
        "sign", help="print PATH with its sig added, under the first server.url_signing_keys"
    )
    sign.add_argument("path", help="e.g. '/images/a/b?xsize=100'")
    upload = commands.add_parser(
        "upload", help="upload a folder tree through a running server's HTTP API"
    )
    upload.add_argument("folder", type=Path)
    upload.add_argument("--prefix", default="", help="name prefix (a pseudo-directory)")
    upload.add_argument("--jobs", type=int, default=4, help="uploads at once")
    upload.add_argument("--url", default="http://127.0.0.1:5000", help="the server's base URL")
    upload.add_argument(
        "--token", default=os.environ.get("IMAGE_REPO_TOKEN"), help="bearer token for writes"
    )
    dev = commands.add_parser(
        "dev", help="start a local single-node Swift on loopback and serve against it"
    )
    dev.add_argument("--data-dir", type=Path, default=Path(".saio"), help="Swift's data folder")
    dev.add_argument("--swift-venv", type=Path, default=Path(".venv-swift"))
    dev.add_argument("--swift-port", type=int, default=8080, help="Swift proxy port")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.yaml and args.template:
        sys.stdout.write(render_template())
        return 0
    if args.command == "upload":
        if not args.folder.is_dir():
            print(f"{args.folder} is not a folder", file=sys.stderr)
            return 2
        return run_bulk_upload(args.folder, args.url, args.prefix, args.jobs, args.token)
    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)
        return 2
    if args.yaml:
        print("-Y prints the template: use -Yt", file=sys.stderr)
        return 2
    if args.command == "sign":
        return _sign(config, args.path)
    configure_logging(config.server.log_level, as_json=config.server.log_json)
    if args.command == "set-url-key":
        return _set_url_key(config, os.environ)
    if args.command == "dev":
        return _serve_with_local_swift(config, args.data_dir, args.swift_venv, args.swift_port)
    return _serve(config, os.environ)


def _serve(config: AppConfig, environ: Mapping[str, str]) -> int:
    try:
        app = build_app(config, environ)
    except ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)
        return 2
    limits = HeaderLimits(config.server.max_header_bytes, config.server.header_timeout_seconds)
    uvicorn.run(
        app,
        host=config.server.host,
        port=config.server.port,
        http=BoundedHttpToolsProtocol.configured(limits),
        log_level=config.server.log_level,
        log_config=None,
        access_log=False,
        timeout_keep_alive=config.server.keepalive_timeout_seconds,
        timeout_graceful_shutdown=30,
    )
    return 0


def _sign(config: AppConfig, path: str) -> int:
    if not path.startswith("/images"):
        print("PATH starts with /images, as the server sees it", file=sys.stderr)
        return 2
    if not config.server.url_signing_keys:
        print("server.url_signing_keys is empty: there is no key to sign with", file=sys.stderr)
        return 2
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
    from image_repo.localswift import LocalSwift, ensure_swift_installed

    ensure_swift_installed(swift_venv.absolute())
    with LocalSwift(data_dir, swift_venv, proxy_port=swift_port) as swift:
        environ = {**os.environ, **swift.endpoint.environ()}
        install_url_key(config, environ)
        print(f"local Swift at {environ.get('ST_AUTH')} (user {environ.get('ST_USER')})")
        return _serve(config, environ)


if __name__ == "__main__":
    sys.exit(main())
