"""The configuration files of a one-device, one-replica Swift, all paths absolute."""

from __future__ import annotations

import base64
import getpass
import secrets
from pathlib import Path

import attrs

USER = "test:tester"
KEY = "testing"


@attrs.frozen
class Ports:
    proxy: int
    account: int
    container: int
    object: int


def _common(etc: Path, port: int) -> str:
    return (
        "[DEFAULT]\n"
        f"swift_dir = {etc}\n"
        "bind_ip = 127.0.0.1\n"
        f"bind_port = {port}\n"
        "workers = 0\n"
        f"user = {getpass.getuser()}\n"
        "log_level = WARNING\n"
    )


def _backend(etc: Path, devices: Path, port: int, kind: str) -> str:
    return (
        _common(etc, port)
        + f"devices = {devices}\nmount_check = false\ndisable_fallocate = true\n\n"
        + f"[pipeline:main]\npipeline = healthcheck {kind}-server\n\n"
        + "[filter:healthcheck]\nuse = egg:swift#healthcheck\n\n"
        + f"[app:{kind}-server]\nuse = egg:swift#{kind}\n"
    )


def _fernet_key(etc: Path) -> str:
    """Made once per data folder: a new key on every start would void the tokens clients
    hold, which a real cluster's restart does not do."""
    path = etc / "fernet.key"
    if not path.exists():
        path.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    return path.read_text().strip()


def _proxy(etc: Path, port: int, memcached_port: int | None) -> str:
    """account_autocreate: else creating a container 404s. error_suppression_interval = 0: with
    one device, one error would otherwise make the proxy skip it for a minute (every PUT 503).
    Without memcached, tempauth needs a fernet key to issue tokens (kept with it: harmless)."""
    fernet_key = _fernet_key(etc)
    cache = "" if memcached_port is None else "cache "
    return (
        _common(etc, port)
        + f"\n[pipeline:main]\npipeline = healthcheck {cache}tempurl tempauth proxy-server\n\n"
        + "[filter:healthcheck]\nuse = egg:swift#healthcheck\n\n"
        + (
            ""
            if memcached_port is None
            else "[filter:cache]\nuse = egg:swift#memcache\n"
            f"memcache_servers = 127.0.0.1:{memcached_port}\n\n"
        )
        + "[filter:tempurl]\nuse = egg:swift#tempurl\nallowed_digests = sha256 sha512\n\n"
        + "[filter:tempauth]\nuse = egg:swift#tempauth\n"
        + f"user_test_tester = {KEY} .admin\n"
        + f"fernet_key_k1 = {fernet_key}\nactive_fernet_key_id = k1\n\n"
        + "[app:proxy-server]\nuse = egg:swift#proxy\n"
        + "account_autocreate = true\nallow_account_management = true\n"
        + "error_suppression_interval = 0\n"
    )


def write_config(root: Path, ports: Ports, memcached_port: int | None = None) -> Path:
    """Write swift.conf and the four server configs under `root/etc`; returns that folder."""
    etc, devices = root / "etc", root / "srv"
    etc.mkdir(parents=True, exist_ok=True)
    (devices / "d1").mkdir(parents=True, exist_ok=True)
    (root / "log").mkdir(exist_ok=True)
    (etc / "swift.conf").write_text(
        "[swift-hash]\nswift_hash_path_prefix = image_repo\nswift_hash_path_suffix = localswift\n\n"
        "[storage-policy:0]\nname = default\ndefault = yes\n"
    )
    (etc / "proxy-server.conf").write_text(_proxy(etc, ports.proxy, memcached_port))
    for kind, port in (
        ("account", ports.account),
        ("container", ports.container),
        ("object", ports.object),
    ):
        (etc / f"{kind}-server.conf").write_text(_backend(etc, devices, port, kind))
    return etc
