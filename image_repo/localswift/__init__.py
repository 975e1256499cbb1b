"""A real OpenStack Swift on loopback (one node, or a small replicated cluster), for local runs
and integration tests."""

from image_repo.localswift.cluster import LocalSwift, SwiftEndpoint
from image_repo.localswift.install import ensure_keystone_installed, ensure_swift_installed
from image_repo.localswift.keystone import LocalKeystone

__all__ = [
    "LocalKeystone",
    "LocalSwift",
    "SwiftEndpoint",
    "ensure_keystone_installed",
    "ensure_swift_installed",
]
