"""A real OpenStack Swift on loopback (one node, or a small replicated cluster), for local runs
and integration tests."""

from image_repo.localswift.cluster import LocalSwift, SwiftEndpoint
from image_repo.localswift.install import ensure_swift_installed

__all__ = ["LocalSwift", "SwiftEndpoint", "ensure_swift_installed"]
