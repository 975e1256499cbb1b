"""Keystone's one-time set-up and its WSGI server. Runs with the Keystone venv's python, not
the service's.

Usage: python keystone_service.py setup KEYSTONE_CONF ADMIN_PASSWORD IDENTITY_URL
       python keystone_service.py serve CONFIG_DIR PORT ACCESS_LOG
"""

import io
import json
import socketserver
import sys
import threading
from collections.abc import Iterable
from typing import IO, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

LOGIN_PATH = "/v3/auth/tokens"
HELPER_HEADER = "HTTP_X_LOCALKEYSTONE_HELPER"


def setup(conf: str, admin_password: str, identity_url: str) -> None:
    """keystone-manage db_sync, fernet_setup, credential_setup and bootstrap in one process
    (~2 s; four keystone-manage processes take ~7 s). oslo.config parses each command line
    once: clear it between commands."""
    import getpass
    import grp
    import os

    from keystone.cmd import cli  # type: ignore[import-not-found]

    group = grp.getgrgid(os.getgid()).gr_name
    owner = ["--keystone-user", getpass.getuser(), "--keystone-group", group]
    commands = [
        ["db_sync"],
        ["fernet_setup", *owner],
        ["credential_setup", *owner],
        ["bootstrap", "--bootstrap-password", admin_password,
         "--bootstrap-admin-url", identity_url, "--bootstrap-public-url", identity_url,
         "--bootstrap-internal-url", identity_url, "--bootstrap-region-id", "RegionOne"],
    ]  # fmt: skip
    for command in commands:
        cli.CONF.clear()
        cli.main(["keystone-manage", "--config-file", conf, *command])


def _who(body: bytes) -> str:
    """Whose login a POST /v3/auth/tokens is: `user=NAME`, `application_credential=ID` or the
    first method's name."""
    try:
        identity = json.loads(body)["auth"]["identity"]
        method = identity["methods"][0]
        if method == "password":
            user = identity["password"]["user"]
            return f"user={user.get('name') or user.get('id')}"
        if method == "application_credential":
            return f"application_credential={identity['application_credential']['id']}"
        return str(method)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return "unknown"


def access_logged(app: WSGIApplication, log: IO[str]) -> WSGIApplication:
    """One line per request, `METHOD PATH STATUS [who] [helper]`, written when the status is
    known, so before the client has its answer. Logins name their user; `helper` marks the
    logins of LocalKeystone itself (set-up, probes), which login_count leaves out."""
    lock = threading.Lock()

    def logged(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        extra = ""
        if method == "POST" and path == LOGIN_PATH:
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            extra = " " + _who(body) + (" helper" if environ.get(HELPER_HEADER) else "")

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            with lock:
                log.write(f"{method} {path} {status.split()[0]}{extra}\n")
                log.flush()
            return start_response(status, headers, exc_info)

        return app(environ, start)

    return logged


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(config_dir: str, port: int, access_log: str) -> None:
    """Keystone 30 ships no keystone-wsgi-public script: serve keystone.wsgi.api:application,
    which finds its config through OS_KEYSTONE_CONFIG_DIR and parses sys.argv (cleared)."""
    import os

    os.environ["OS_KEYSTONE_CONFIG_DIR"] = config_dir
    sys.argv = sys.argv[:1]
    from keystone.wsgi.api import application  # type: ignore[import-not-found]

    with open(access_log, "a", encoding="utf-8") as log:
        server = _Server(("127.0.0.1", port), _Quiet)
        server.set_app(access_logged(application, log))
        print(f"keystone listening on 127.0.0.1:{port}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        serve(sys.argv[2], int(sys.argv[3]), sys.argv[4])
