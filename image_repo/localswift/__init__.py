"""A real OpenStack Swift on loopback (one node, or a small replicated cluster), for local runs
and integration tests."""

from image_repo.localswift.cluster import LocalSwift, SwiftEndpoint
from image_repo.localswift.install import ensure_keystone_installed, ensure_swift_installed
from image_repo.localswift.keystone import LocalKeystone
from image_repo.localswift.ports import PortsBusyError, busy_port_message
from image_repo.localswift.processes import port_is_free

__all__ = [
    "LocalKeystone",
    "LocalSwift",
    "PortsBusyError",
    "SwiftEndpoint",
    "busy_port_message",
    "ensure_keystone_installed",
    "ensure_swift_installed",
    "port_is_free",
]
