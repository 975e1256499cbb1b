"""Swift in its own virtual environment: its servers pull eventlet, which the service avoids."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SWIFT_REQUIREMENT = "swift>=2.38"


def swift_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_swift_installed(venv: Path) -> Path:
    """Create `venv` and install Swift from PyPI unless it already imports; returns its python.
    Binary wheels only: nothing compiles and no system package is needed (about 8 s)."""
    python = swift_python(venv)
    if python.exists():
        probe = subprocess.run([python, "-c", "import swift.proxy.server"], capture_output=True)
        if probe.returncode == 0:
            return python
    print(f"localswift: installing {SWIFT_REQUIREMENT} into {venv}", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            SWIFT_REQUIREMENT,
        ],
        check=True,
    )
    return python
