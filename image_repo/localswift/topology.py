"""Which Swift servers a LocalSwift runs, on which ports and folders: one place for the names."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs

KINDS = ("account", "container", "object")
SERVER_MODULES = {
    "proxy": "swift.proxy.server",
    "account": "swift.account.server",
    "container": "swift.container.server",
    "object": "swift.obj.server",
}


@attrs.frozen
class Backend:
    """One storage server. With one replica the names are those of the single-node layout that
    existing data folders use (`object-server.conf`, `srv/d1`, `log/object.log`); with more,
    server `index` is `object{index + 1}` as the Swift All In One docs number them, with its
    own config `object1-server.conf`, devices `srv/object1/d1` and log `log/object1.log`."""

    kind: str
    index: int
    port: int
    single: bool

    @property
    def name(self) -> str:
        return self.kind if self.single else f"{self.kind}{self.index + 1}"

    def devices(self, root: Path) -> Path:
        return root / "srv" if self.single else root / "srv" / self.name

    def conf(self, etc: Path) -> Path:
        return etc / f"{self.name}-server.conf"


@attrs.frozen
class Topology:
    proxy_port: int
    replicas: int
    backends: tuple[Backend, ...]

    @classmethod
    def allocate(cls, proxy_port: int, replicas: int, free_port: Callable[[], int]) -> Topology:
        """`replicas` servers of each kind, every one on its own free port (distinct, although
        the kernel could in principle hand out the same free port twice)."""
        if replicas < 1:
            raise ValueError(f"replicas must be at least 1, not {replicas}")
        taken = {proxy_port}
        backends = []
        for kind in KINDS:
            for index in range(replicas):
                port = free_port()
                while port in taken:
                    port = free_port()
                taken.add(port)
                backends.append(Backend(kind, index, port, single=replicas == 1))
        return cls(proxy_port, replicas, tuple(backends))

    def backend(self, kind: str, index: int) -> Backend:
        for backend in self.backends:
            if backend.kind == kind and backend.index == index:
                return backend
        raise ValueError(
            f"no {kind!r} server {index}: kinds are {KINDS}, indexes 0..{self.replicas - 1}"
        )

    def ports(self) -> dict[str, int]:
        """Every server's port by its name (the proxy's name is `proxy`)."""
        return {"proxy": self.proxy_port} | {b.name: b.port for b in self.backends}

    def ring_ports(self) -> dict[str, list[int]]:
        """The ports of each ring's devices, in index order: what rings.py builds from."""
        return {kind: [b.port for b in self.backends if b.kind == kind] for kind in KINDS}
