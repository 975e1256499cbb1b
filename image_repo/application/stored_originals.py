"""What a stored original that does not decode means: damage, not a bad request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from image_repo.domain.errors import CorruptImageError, DamagedOriginalError, UnsupportedImageError
from image_repo.domain.names import ImageName


@contextmanager
def damage_reported(name: ImageName) -> Iterator[None]:
    """Every upload is decoded before it is stored, so the processor refusing a stored original
    (as corrupt, or as no image at all) blames whatever put the bytes there, not the client
    asking for them."""
    try:
        yield
    except DamagedOriginalError:
        raise
    except (CorruptImageError, UnsupportedImageError) as error:
        raise DamagedOriginalError(
            f"the stored original of {name} is damaged: {error.detail}"
        ) from error
