"""SelectImages: the images under a path that a regex picks, bounded in number."""

from __future__ import annotations

import itertools

from image_repo.application.list_images import ListImages
from image_repo.domain.errors import ImageNotFoundError, TooManyImagesError
from image_repo.domain.listing import ListedImage
from image_repo.domain.names import ImageName


class SelectImages:
    """Reads at most one name past the limit, so an over-broad pattern over a huge
    pseudo-directory is refused after a bounded amount of listing. Each image comes with the
    ETag the listing gave it, the store's current one, so what is served for a selection is
    never older than the listing (no HEAD per name, no trust in what a worker learnt)."""

    def __init__(self, listing: ListImages, max_images: int) -> None:
        self._listing = listing
        self._max_images = max_images

    def execute(self, under: ImageName, pattern: str) -> list[ListedImage]:
        names = list(itertools.islice(self._listing.execute(pattern, under), self._max_images + 1))
        if not names:
            raise ImageNotFoundError(f"no image under {under}/ matches {pattern!r}")
        if len(names) > self._max_images:
            raise TooManyImagesError(
                f"more than {self._max_images} images match; the limit is {self._max_images}"
            )
        return names
