"""The configuration files of a loopback Swift (one server of each kind per replica), all paths
absolute."""

from __future__ import annotations

import base64
import getpass
import secrets
from pathlib import Path

from image_repo.localswift.keystone_proxy import KeystoneAuth
from image_repo.localswift.topology import Topology

USER = "test:tester"
KEY = "testing"


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


def _failure_handling(replicas: int) -> str:
    """How the proxy treats a storage server that fails.

    One replica: `error_suppression_interval = 0`, else one error makes the proxy skip the only
    device for a minute (every PUT a 503 long after Swift is back).

    Several replicas, where one dead server must be harmless and a restarted one usable again
    soon: the proxy skips a server after `error_suppression_limit` (10) errors and until it has
    gone 2 s without one (`error_suppression_interval = 2`, default 60), so a restarted server is
    back in rotation within 2 s, while a dead one costs at most a refused connection (instant
    on loopback) for ten requests every 2 s. `conn_timeout = 0.25` (default 0.5): a loopback
    connect takes well under a millisecond, so a quarter second only ever expires for a server
    that is truly gone or stuck. `node_timeout = 2` (default 10): a backend answers a 5 MiB
    request in ~35 ms here, so 2 s leaves a wide margin on a loaded 2-core machine, yet a hung
    (not dead) server delays a read by at most 2 s before the proxy tries the next replica, and
    a write by at most that before it settles for the quorum (2 of 3) it already has."""
    if replicas == 1:
        return "error_suppression_interval = 0\n"
    return "error_suppression_interval = 2\nconn_timeout = 0.25\nnode_timeout = 2\n"


def _tempauth(etc: Path) -> str:
    """Without memcached, tempauth needs a fernet key to issue tokens (kept with it: harmless)."""
    return (
        "[filter:tempauth]\nuse = egg:swift#tempauth\n"
        + f"user_test_tester = {KEY} .admin\n"
        + f"fernet_key_k1 = {_fernet_key(etc)}\nactive_fernet_key_id = k1\n\n"
    )


# The middlewares object versioning needs, in the order of Swift's proxy-server.conf-sample.
_VERSIONING = "copy versioned_writes symlink"


def _proxy(
    etc: Path, port: int, memcached_port: int | None, replicas: int, keystone: KeystoneAuth | None
) -> str:
    """account_autocreate: else creating a container 404s; failures: see _failure_handling.
    Authentication: tempauth, or Keystone's authtoken + keystoneauth with `keystone`.

    Object versioning (`swift.versions`): Swift's new-style versioning needs `copy` (a restore
    is a server-side copy of `obj?version-id=ID`), `versioned_writes` with
    `allow_object_versioning` and `symlink` (the current version is a symlink to a hidden
    container), after the authentication, in the order of Swift's proxy-server.conf-sample.
    The proxy would add `copy` and `versioned_writes` itself, but without object versioning
    and without `symlink`."""
    cache = "" if memcached_port is None else "cache "
    auth = "tempauth" if keystone is None else keystone.pipeline()
    return (
        _common(etc, port)
        + "\n[pipeline:main]\n"
        + f"pipeline = healthcheck {cache}tempurl {auth} {_VERSIONING} proxy-server\n\n"
        + "[filter:healthcheck]\nuse = egg:swift#healthcheck\n\n"
        + (
            ""
            if memcached_port is None
            else "[filter:cache]\nuse = egg:swift#memcache\n"
            f"memcache_servers = 127.0.0.1:{memcached_port}\n\n"
        )
        + "[filter:tempurl]\nuse = egg:swift#tempurl\nallowed_digests = sha256 sha512\n\n"
        + (_tempauth(etc) if keystone is None else keystone.filters())
        + "[filter:copy]\nuse = egg:swift#copy\n\n"
        + "[filter:versioned_writes]\nuse = egg:swift#versioned_writes\n"
        + "allow_object_versioning = true\n\n"
        + "[filter:symlink]\nuse = egg:swift#symlink\n\n"
        + "[app:proxy-server]\nuse = egg:swift#proxy\n"
        + "account_autocreate = true\nallow_account_management = true\n"
        + _failure_handling(replicas)
    )


def write_config(
    root: Path,
    topology: Topology,
    memcached_port: int | None = None,
    keystone: KeystoneAuth | None = None,
) -> Path:
    """Write swift.conf and every server's config under `root/etc`; returns that folder."""
    etc = root / "etc"
    etc.mkdir(parents=True, exist_ok=True)
    (root / "log").mkdir(exist_ok=True)
    (etc / "swift.conf").write_text(
        "[swift-hash]\nswift_hash_path_prefix = image_repo\nswift_hash_path_suffix = localswift\n\n"
        "[storage-policy:0]\nname = default\ndefault = yes\n"
    )
    proxy = _proxy(etc, topology.proxy_port, memcached_port, topology.replicas, keystone)
    (etc / "proxy-server.conf").write_text(proxy)
    for backend in topology.backends:
        devices = backend.devices(root)
        (devices / "d1").mkdir(parents=True, exist_ok=True)
        config = _backend(etc, devices, backend.port, backend.kind)
        backend.conf(etc).write_text(config)
    return etc
