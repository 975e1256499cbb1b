"""Swift and Keystone, each in its own virtual environment: their servers pull eventlet and
the oslo libraries, which the service avoids."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SWIFT_REQUIREMENT = "swift>=2.38"
KEYSTONEMIDDLEWARE_REQUIREMENT = "keystonemiddleware>=13"
KEYSTONE_REQUIREMENT = "keystone>=30,<31"


def swift_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _pip_install(venv: Path, *requirements: str) -> None:
    print(f"localswift: installing {' '.join(requirements)} into {venv}", file=sys.stderr)
    if not swift_python(venv).exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [swift_python(venv), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         *requirements],
        check=True,
    )  # fmt: skip


def ensure_swift_installed(venv: Path, keystone: bool = False) -> Path:
    """Create `venv` and install Swift from PyPI unless it already imports (with `keystone`,
    keystonemiddleware too, for a proxy that authenticates through Keystone); returns its
    python. Binary wheels only: nothing compiles and no system package is needed (about 8 s)."""
    python = swift_python(venv)
    modules = "swift.proxy.server" + (", keystonemiddleware.auth_token" if keystone else "")
    if python.exists():
        probe = subprocess.run([python, "-c", f"import {modules}"], capture_output=True)
        if probe.returncode == 0:
            return python
    _pip_install(venv, SWIFT_REQUIREMENT, *([KEYSTONEMIDDLEWARE_REQUIREMENT] if keystone else []))
    return python


def ensure_keystone_installed(venv: Path) -> Path:
    """Create `venv` and install Keystone from PyPI once (wheels only, ~20 s, ~200 MB); a stamp
    file marks a finished install, so later calls cost a stat. Returns its python."""
    stamp = venv / ".localswift-keystone-installed"
    if not stamp.exists() or stamp.read_text().strip() != KEYSTONE_REQUIREMENT:
        _pip_install(venv, KEYSTONE_REQUIREMENT)
        stamp.write_text(KEYSTONE_REQUIREMENT + "\n")
    return swift_python(venv)
