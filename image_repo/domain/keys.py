"""DerivedImageKey: the canonical, regeneratable name of one derived image."""

from __future__ import annotations

import functools
import hashlib

import attrs

from image_repo.domain.names import ImageName
from image_repo.domain.spec import Spec

# k2: the default imaging path (images.processor auto, WebP effort 2, AVIF speed 9) writes other
# bytes than k1's did for the same request, so every derived image is made anew once.
KEY_VERSION = "k2"


@attrs.frozen
class DerivedImageKey:
    """Original name + the original's ETag + canonical spec.

    The ETag makes a re-uploaded original map to new keys, so a stale derivative cannot be found
    under the new content. The name comes last because it is the only part that may hold `/`.
    """

    name: ImageName
    original_etag: str = attrs.field(validator=attrs.validators.matches_re(r"[0-9A-Za-z_-]{1,128}"))
    spec: Spec = attrs.field()

    @spec.validator
    def _names_one_image(self, _attribute: attrs.Attribute[Spec], value: Spec) -> None:
        if value.needs_subject:
            raise ValueError("gravity focus and auto name no image until aimed (Spec.aimed)")

    def __str__(self) -> str:
        return f"{KEY_VERSION}/{self.original_etag}/{self.spec.canonical()}/{self.name}"

    @classmethod
    def parse(cls, text: str) -> DerivedImageKey:
        version, etag, spec, name = text.split("/", 3)
        if version != KEY_VERSION:
            raise ValueError(f"unknown key version {version!r}")
        return cls(ImageName.parse(name), etag, Spec.parse(spec))

    def digest(self) -> str:
        """SHA-256 hex of the canonical form: a fixed-length, path-safe file or object name, and
        the derived image's HTTP ETag (same in every worker, after restarts)."""
        return self._sha256_hex

    @functools.cached_property
    def _sha256_hex(self) -> str:
        # Computed once per key: a memory hit asks for it on every request (attrs gives slotted
        # classes a slot for it).
        return hashlib.sha256(str(self).encode("utf-8")).hexdigest()
