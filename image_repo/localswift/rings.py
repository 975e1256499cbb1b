"""Build the three rings in-process. Runs with the Swift venv's python, not the service's.

Usage: python rings.py SWIFT_DIR '{"account": [PORT, ...], "container": [...], "object": [...]}'
"""

import json
import sys

from swift.common.ring import RingBuilder  # type: ignore[import-not-found]

PART_POWER = 6


def build(swift_dir: str, ports: dict[str, list[int]]) -> None:
    """One device per server, each server in its own zone, as many replicas as servers: every
    partition then lives on every device, so rebuilding the rings on each start (with whatever
    ports this run got) keeps existing data valid. Part power 6 keeps the rings tiny."""
    for kind, kind_ports in ports.items():
        builder = RingBuilder(PART_POWER, len(kind_ports), 1)
        for index, port in enumerate(kind_ports):
            builder.add_dev(
                {"id": index, "region": 1, "zone": index + 1, "ip": "127.0.0.1", "port": port,
                 "device": "d1", "weight": 100, "meta": ""}
            )  # fmt: skip
        builder.rebalance()
        builder.get_ring().save(f"{swift_dir}/{kind}.ring.gz")


if __name__ == "__main__":
    build(sys.argv[1], json.loads(sys.argv[2]))
