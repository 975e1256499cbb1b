"""Who holds a busy loopback port, and one line saying how to free it (Linux /proc)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import attrs

_LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp's `st` column


class PortsBusyError(RuntimeError):
    """A port a local server needs is taken; the message is one line for the user."""


@attrs.frozen
class PortHolder:
    pid: int
    command: tuple[str, ...]

    @property
    def swift_etc(self) -> Path | None:
        """The `etc` folder of the local Swift this process is a server of (its config file
        is `<data dir>/etc/<kind>-server.conf`), or None when it is no such server."""
        for argument in self.command:
            if argument.endswith("-server.conf") and Path(argument).parent.name == "etc":
                return Path(argument).parent
        return None


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            next(lines, None)
            for line in lines:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == port and fields[3] == _LISTEN:
                    inodes.add(fields[9])
    return inodes


def _command(pid: int) -> tuple[str, ...]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ()
    return tuple(part.decode(errors="replace") for part in raw.split(b"\0") if part)


def _pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def port_holder(port: int) -> PortHolder | None:
    """The process listening on `port`, when this user may see its file descriptors."""
    sockets = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    if not sockets:
        return None
    for pid in _pids():
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") in sockets:
                        return PortHolder(pid, _command(pid))
    return None


def _dev_server_of(pid: int) -> int | None:
    """The running `image_repo dev` that started `pid` (its parent), if it is still alive:
    a Swift left from an earlier run has been handed to init instead."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    parent = int(stat.rsplit(")", 1)[1].split()[1])
    command = _command(parent)
    is_dev = "dev" in command and any("image_repo" in part for part in command)
    return parent if is_dev else None


def _pids_mentioning(text: str) -> list[int]:
    return sorted(pid for pid in _pids() if any(text in part for part in _command(pid)))


def busy_port_message(port: int, other_port_hint: str) -> str:
    """E.g. "port 8080 is in use by the local Swift of /x/.saio (PIDs 12 13 14 15), left from
    an earlier run? Stop it with `kill 12 13 14 15`, or <other_port_hint>"."""
    holder = port_holder(port)
    if holder is None:
        return f"port {port} is in use (by a process this user cannot see): {other_port_hint}"
    etc = holder.swift_etc
    if etc is not None:
        pids = " ".join(str(pid) for pid in _pids_mentioning(f"{etc}/"))
        owner = _dev_server_of(holder.pid)
        if owner is not None:
            return (
                f"port {port} is in use by the local Swift of {etc.parent}, which the dev server"
                f" PID {owner} is still running: stop that server (Ctrl-C in its terminal, or"
                f" `kill {owner}`), or {other_port_hint}"
            )
        return (
            f"port {port} is in use by the local Swift of {etc.parent} (PIDs {pids}), left from "
            f"an earlier run? Stop it with `kill {pids}`, or {other_port_hint}"
        )
    shown = " ".join(holder.command)
    shown = shown if len(shown) <= 100 else shown[:97] + "..."
    return (
        f"port {port} is in use by PID {holder.pid} ({shown}): stop it with "
        f"`kill {holder.pid}`, or {other_port_hint}"
    )
