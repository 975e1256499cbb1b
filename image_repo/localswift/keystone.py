"""LocalKeystone: a real OpenStack Keystone (identity v3) on loopback, for tests and local runs:
SQLite, fernet tokens, a threaded stdlib WSGI server in its own process group."""

from __future__ import annotations

import atexit
import subprocess
import time
from pathlib import Path

from image_repo.localswift import keystone_admin
from image_repo.localswift.install import ensure_keystone_installed
from image_repo.localswift.keystone_admin import REGION, Admin, KeystoneError
from image_repo.localswift.processes import (
    Started,
    free_port,
    log_tail,
    port_is_free,
    spawn,
    stop_all,
)

ADMIN_PASSWORD = "admin-secret"
SWIFT_USER, SWIFT_PASSWORD, SERVICE_PROJECT = "swift", "swift-secret", "service"
MEMBER, MEMBER_PASSWORD, PROJECT = "demo", "demo-secret", "demo"
READER, READER_PASSWORD = "reader", "reader-secret"
# -P: the script's folder holds this module, keystone.py, which would shadow Keystone itself.
_SERVICE_SCRIPT = Path(__file__).with_name("keystone_service.py")


def _config(root: Path) -> str:
    """password_hash_rounds = 4: the default 12 costs ~0.25 s per login on these cores; the
    in-memory cache makes token validation ~4 ms instead of ~75."""
    return (
        f"[DEFAULT]\nlog_file = {root / 'log' / 'keystone.log'}\nuse_stderr = false\n\n"
        f"[database]\nconnection = sqlite:///{root / 'keystone.db'}\n\n"
        "[token]\nprovider = fernet\n\n"
        f"[fernet_tokens]\nkey_repository = {root / 'fernet-keys'}\n\n"
        f"[credential]\nkey_repository = {root / 'credential-keys'}\n\n"
        "[identity]\npassword_hash_rounds = 4\nmax_password_length = 72\n\n"
        "[cache]\nenabled = true\nbackend = dogpile.cache.memory\n"
    )


class LocalKeystone(Started):
    """Users (all in the Default domain): `admin` (system admin), `swift` (role `service` in
    project `service`, for the Swift proxy's authtoken), `demo` (`member` of project `demo`)
    and `reader` (`reader` of `demo`). Data survives stop and start (same port)."""

    def __init__(self, data_dir: Path, keystone_venv: Path, port: int | None = None) -> None:
        self._root = data_dir.absolute()
        self._venv = keystone_venv.absolute()
        self.port = port or free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._admin = Admin(self.auth_url, ADMIN_PASSWORD)
        atexit.register(self.stop)

    @property
    def auth_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v3"

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def access_log(self) -> Path:
        return self._root / "log" / "access.log"

    def start(self, timeout_seconds: float = 60) -> None:
        if self.is_running:
            return
        if not port_is_free(self.port):
            raise RuntimeError(f"port {self.port} is in use; stop what holds it or pick another")
        python = ensure_keystone_installed(self._venv)
        etc = self._root / "etc"
        (self._root / "log").mkdir(parents=True, exist_ok=True)
        etc.mkdir(exist_ok=True)
        (etc / "keystone.conf").write_text(_config(self._root))
        if not (self._root / "set-up").exists():
            self._run_setup(python, etc / "keystone.conf")
        self._process = spawn(
            [python, "-P", _SERVICE_SCRIPT, "serve", etc, str(self.port), self.access_log],
            self._root / "log" / "server.log",
        )
        try:
            self._wait_ready(time.monotonic() + timeout_seconds)
            self._provision()
        except BaseException:
            self.stop()
            raise

    def _run_setup(self, python: Path, conf: Path) -> None:
        """Once per data folder; a set-up cut short is redone from an empty database."""
        (self._root / "keystone.db").unlink(missing_ok=True)
        (self._root / "provisioned").unlink(missing_ok=True)
        script: list[str | Path] = [python, "-P", _SERVICE_SCRIPT]
        command = [*script, "setup", conf, ADMIN_PASSWORD, self.auth_url]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"keystone set-up failed:\n{done.stderr[-3000:]}")
        (self._root / "set-up").touch()

    def _wait_ready(self, deadline: float) -> None:
        while True:
            if self._process is None or self._process.poll() is not None:
                raise RuntimeError(f"keystone exited:\n{self._log_tails()}")
            try:
                self._admin.request("GET", "/regions")
                return
            except (OSError, KeystoneError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"keystone did not answer:\n{self._log_tails()}") from None
                time.sleep(0.1)

    def _provision(self) -> None:
        """Once per data folder, except the identity endpoints (the port may have changed)."""
        self._admin.ensure_service("identity", "keystone", self.auth_url)
        marker = self._root / "provisioned"
        if marker.exists():
            return
        self._admin.ensure_user(SWIFT_USER, SWIFT_PASSWORD, SERVICE_PROJECT, "service")
        self._admin.ensure_user(MEMBER, MEMBER_PASSWORD, PROJECT, "member")
        self._admin.ensure_user(READER, READER_PASSWORD, PROJECT, "reader")
        marker.touch()

    def register_object_store(self, proxy_port: int) -> None:
        """The `object-store` service's public, internal and admin endpoints, in RegionOne,
        pointing at a Swift proxy on loopback."""
        url = f"http://127.0.0.1:{proxy_port}/v1/AUTH_%(project_id)s"
        self._admin.ensure_service("object-store", "swift", url)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL; data kept. Idempotent."""
        if self._process is not None:
            stop_all([self._process])
            self._process = None

    def _environ(self, user: str, password: str) -> dict[str, str]:
        return {
            "OS_AUTH_URL": self.auth_url,
            "OS_USERNAME": user,
            "OS_PASSWORD": password,
            "OS_PROJECT_NAME": PROJECT,
            "OS_USER_DOMAIN_NAME": "Default",
            "OS_PROJECT_DOMAIN_NAME": "Default",
            "OS_IDENTITY_API_VERSION": "3",
            "OS_REGION_NAME": REGION,
        }

    def member_environ(self) -> dict[str, str]:
        """The OpenStack RC variables of `demo`, a `member` of project `demo`."""
        return self._environ(MEMBER, MEMBER_PASSWORD)

    def reader_environ(self) -> dict[str, str]:
        """Those of `reader`, who holds only `reader` on project `demo` (Swift refuses writes)."""
        return self._environ(READER, READER_PASSWORD)

    def member_token(self) -> tuple[str, str]:
        """A fresh token of `demo` and its project's id (not counted by login_count)."""
        token, body = keystone_admin.login(self.auth_url, MEMBER, MEMBER_PASSWORD, PROJECT)
        return token, str(body["project"]["id"])

    def login_count(self, user: str | None = None) -> int:
        """Logins (POST /v3/auth/tokens answered 201) so far, of `user` (a name, or
        `application_credential=ID`) or of anyone, leaving out LocalKeystone's own (set-up,
        readiness probes, revoke_member_tokens, create_application_credential)."""
        if not self.access_log.exists():
            return 0
        count = 0
        for line in self.access_log.read_text().splitlines():
            fields = line.split()
            if fields[:3] != ["POST", "/v3/auth/tokens", "201"] or "helper" in fields:
                continue
            if user is None or f"user={user}" in fields or user in fields:
                count += 1
        return count

    def revoke_member_tokens(self) -> None:
        """Every token of `demo` issued so far becomes invalid: setting its password (to the
        same value) makes Keystone record a revocation event for the user. Returns after the
        next whole second: fernet tokens carry their issue time in whole seconds and Keystone
        also revokes a token issued in the same second as the event."""
        user_id = self._admin.user_id(MEMBER)
        self._admin.request("PATCH", f"/users/{user_id}", {"user": {"password": MEMBER_PASSWORD}})
        time.sleep(1.05 - time.time() % 1)

    def create_application_credential(self) -> tuple[str, str]:
        """(id, secret) of a new application credential of `demo` on project `demo`, usable
        as OS_AUTH_TYPE=v3applicationcredential with OS_APPLICATION_CREDENTIAL_ID/_SECRET."""
        token, body = keystone_admin.login(self.auth_url, MEMBER, MEMBER_PASSWORD, PROJECT)
        name = f"localkeystone-{time.time_ns()}"
        path = f"/users/{body['user']['id']}/application_credentials"
        _, answer = keystone_admin.call(
            self.auth_url, "POST", path, token, {"application_credential": {"name": name}}
        )
        credential = answer["application_credential"]
        return str(credential["id"]), str(credential["secret"])

    def _log_tails(self) -> str:
        log = self._root / "log"
        return log_tail(log / "server.log") + "\n" + log_tail(log / "keystone.log")
