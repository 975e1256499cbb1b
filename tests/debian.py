"""Debian packages the suite and the benchmarks install when a fresh machine lacks them."""

from __future__ import annotations

import os
import shutil
import subprocess

# Daemons such as nginx live in sbin, which a non-login PATH may leave out.
_SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


def ensure_debian_package(program: str, package: str) -> str:
    """The path of `program`, installing Debian's `package` when the machine lacks it."""
    found = shutil.which(program, path=_SEARCH_PATH)
    if found is None:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env, capture_output=True)
        install = ["apt-get", "install", "-y", "-q", package]
        subprocess.run(install, check=True, env=env, capture_output=True)
        found = shutil.which(program, path=_SEARCH_PATH)
    if found is None:
        raise RuntimeError(f"{package} installed no {program}")
    return found
