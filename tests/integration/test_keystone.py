"""image_repo against a real Keystone (identity v3) and a Swift proxy authenticating through it,
with only the OpenStack RC variables set, as an operator of a real cloud runs it (SPEC 5)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.images import jpeg_with_gps
from tests.integration.conftest import KeystoneSwift, ServerProcess

pytestmark = pytest.mark.integration


def keystone_server(
    root: Path, stack: KeystoneSwift, containers: tuple[str, str], environ: dict[str, str]
) -> ServerProcess:
    """A server whose only credentials are `environ` (OS_* variables): no ST_* anywhere."""
    process = ServerProcess(root, stack.swift.endpoint, containers)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ST_", "OS_"))}
    process.environ = {**clean, **environ}
    return process


@pytest.fixture(scope="module")
def containers() -> tuple[str, str]:
    return "ks_data", "ks_cache"


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
    keystone_swift: KeystoneSwift,
    containers: tuple[str, str],
) -> Iterator[ServerProcess]:
    process = keystone_server(
        tmp_path_factory.mktemp("ks"),
        keystone_swift,
        containers,
        keystone_swift.keystone.member_environ(),
    )
    process.run_command("set-url-key")
    with process:
        yield process


def test_upload_derive_list_and_delete_with_openstack_credentials(
    server: ServerProcess, unique: str
) -> None:
    base = f"{server.base_url}/images/{unique}"
    assert httpx.put(f"{base}/cat.jpg", content=jpeg_with_gps(400, 300)).status_code == 201
    thumb = httpx.get(f"{base}/cat", params={"thumbnail": "true"})
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    listed = httpx.get(f"{server.base_url}/images", params={"regex": f"^{unique}/"}).json()
    assert listed == [f"{unique}/cat"]
    assert httpx.delete(f"{base}/cat").status_code == 204
    assert httpx.get(f"{base}/cat").status_code == 404
    assert httpx.get(f"{server.base_url}/readyz").json()["status"] == "ready"


def test_temporary_urls_need_no_login_each_and_work_without_a_token(
    server: ServerProcess, keystone_swift: KeystoneSwift, unique: str
) -> None:
    base = f"{server.base_url}/images/{unique}/shared"
    assert httpx.put(base, content=jpeg_with_gps(300, 200)).status_code == 201
    direct = httpx.get(base, params={"xsize": "100"}).content
    logins = keystone_swift.keystone.login_count()
    started = time.monotonic()
    urls = []
    with httpx.Client(timeout=30) as client:
        for width in range(100, 200):  # 100 url=true requests, each its own derivative
            answer = client.get(base, params={"xsize": str(width), "url": "true"})
            assert answer.status_code == 200, answer.text
            urls.append(answer.json()["url"])
    elapsed = time.monotonic() - started
    assert keystone_swift.keystone.login_count() == logins  # the session's token was reused
    print(f"100 url=true: {elapsed * 10:.1f} ms each, {logins} logins before, none during")
    fetched = httpx.get(urls[0], timeout=30)  # from Swift, no token
    assert fetched.status_code == 200 and fetched.content == direct


def test_a_revoked_token_costs_one_new_login_and_no_error(
    server: ServerProcess, keystone_swift: KeystoneSwift, unique: str
) -> None:
    base = f"{server.base_url}/images/{unique}/revoked"
    assert httpx.put(base, content=jpeg_with_gps(300, 200)).status_code == 201
    keystone_swift.keystone.revoke_member_tokens()
    logins = keystone_swift.keystone.login_count()
    assert httpx.put(base, content=jpeg_with_gps(200, 300)).status_code == 201
    assert httpx.get(base, params={"xsize": "50"}).status_code == 200
    assert httpx.get(f"{server.base_url}/images", params={"regex": unique}).status_code == 200
    assert keystone_swift.keystone.login_count() == logins + 1


def test_an_application_credential_logs_in(
    tmp_path: Path, keystone_swift: KeystoneSwift, containers: tuple[str, str], unique: str
) -> None:
    credential_id, secret = keystone_swift.keystone.create_application_credential()
    environ = {
        "OS_AUTH_URL": keystone_swift.keystone.auth_url,
        "OS_AUTH_TYPE": "v3applicationcredential",
        "OS_APPLICATION_CREDENTIAL_ID": credential_id,
        "OS_APPLICATION_CREDENTIAL_SECRET": secret,
    }
    with keystone_server(tmp_path, keystone_swift, containers, environ) as process:
        base = f"{process.base_url}/images/{unique}/app"
        assert httpx.put(base, content=jpeg_with_gps(120, 80)).status_code == 201
        assert httpx.get(base).status_code == 200


def test_a_wrong_password_is_said_plainly_not_taken_for_an_outage(
    tmp_path: Path, keystone_swift: KeystoneSwift, containers: tuple[str, str], unique: str
) -> None:
    environ = {**keystone_swift.keystone.member_environ(), "OS_PASSWORD": "wrong-password"}
    user = environ["OS_USERNAME"]
    with keystone_server(tmp_path, keystone_swift, containers, environ) as process:
        refused = httpx.put(f"{process.base_url}/images/{unique}/x", content=jpeg_with_gps(9, 9))
        ready = httpx.get(f"{process.base_url}/readyz")
        log = process.log_path.read_text()
    assert refused.status_code == 503
    assert refused.json()["error"] == "store_authentication_failed"
    assert keystone_swift.keystone.auth_url not in refused.text
    assert ready.status_code == 503
    assert "Keystone refused the login" in ready.json()["reason"]
    assert f"user {user}" in ready.json()["reason"]
    start_lines = [line for line in log.splitlines() if "Keystone refused the login" in line]
    assert start_lines and keystone_swift.keystone.auth_url in start_lines[0]
    assert "wrong-password" not in log + ready.text + refused.text


def test_keystone_down_is_an_outage_with_cached_reads_served(
    tmp_path: Path, keystone_swift: KeystoneSwift, containers: tuple[str, str], unique: str
) -> None:
    base_path = f"/images/{unique}/outage"
    environ = keystone_swift.keystone.member_environ()
    with keystone_server(tmp_path, keystone_swift, containers, environ) as first:
        assert httpx.put(first.base_url + base_path, content=jpeg_with_gps(300, 200)).is_success
        cached = httpx.get(first.base_url + base_path, params={"xsize": "60"})
        first.wait_for_cache_writes()
    keystone_swift.keystone.stop()
    try:
        # A new process must log in: with Keystone down it cannot, as with Swift down.
        with keystone_server(tmp_path, keystone_swift, containers, environ) as second:
            served = httpx.get(second.base_url + base_path, params={"xsize": "60"}, timeout=30)
            refused = httpx.put(second.base_url + base_path, content=jpeg_with_gps(9, 9))
            ready = httpx.get(f"{second.base_url}/readyz", timeout=30)
            keystone_swift.keystone.start()
            recovered = httpx.put(second.base_url + base_path, content=jpeg_with_gps(30, 20))
    finally:
        if not _answers(keystone_swift.keystone.auth_url):
            keystone_swift.keystone.start()
    assert served.status_code == 200 and served.content == cached.content
    assert served.headers["x-cache"] in ("memory", "disk")
    assert refused.status_code == 503 and "retry-after" in refused.headers
    assert refused.json()["error"] == "store_unavailable"
    assert ready.status_code == 503
    assert recovered.status_code == 201


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code < 500
    except httpx.TransportError:
        return False
