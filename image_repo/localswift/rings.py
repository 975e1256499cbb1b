"""Build the three rings in-process. Runs with the Swift venv's python, not the service's.

Usage: python rings.py SWIFT_DIR ACCOUNT_PORT CONTAINER_PORT OBJECT_PORT
"""

import sys

from swift.common.ring import RingBuilder  # type: ignore[import-not-found]


def build(swift_dir: str, ports: dict[str, int]) -> None:
    """One device per ring, one replica: rebuilt on each start, existing data stays valid."""
    for kind, port in ports.items():
        builder = RingBuilder(6, 1, 1)
        builder.add_dev(
            {"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": port,
             "device": "d1", "weight": 100, "meta": ""}
        )  # fmt: skip
        builder.rebalance()
        builder.get_ring().save(f"{swift_dir}/{kind}.ring.gz")


if __name__ == "__main__":
    directory, account, container, obj = sys.argv[1:5]
    build(directory, {"account": int(account), "container": int(container), "object": int(obj)})
