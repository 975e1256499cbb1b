"""ListImages: images (names with their ETags), optionally filtered by an RE2 search, streamed."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from image_repo.application.ports import Matcher, OriginalStore, PatternCompiler
from image_repo.domain.errors import InvalidPatternError
from image_repo.domain.listing import ListedImage, unique_images
from image_repo.domain.names import ImageName


class ListImages:
    """Returns a lazy iterator, but compiles the pattern and reads the first page before
    returning, so a bad pattern or an unreachable store fails before a response has started."""

    def __init__(
        self, store: OriginalStore, compiler: PatternCompiler, max_pattern_bytes: int
    ) -> None:
        self._store = store
        self._compiler = compiler
        self._max_pattern_bytes = max_pattern_bytes

    def execute(
        self, pattern: str | None = None, under: ImageName | None = None
    ) -> Iterator[ListedImage]:
        matcher = self._compile(pattern)
        prefix = f"{under}/" if under is not None else ""
        images = unique_images(self._store.iter_objects(prefix))
        matching = (
            i for i in images if matcher is None or matcher.search(i.name.value[len(prefix) :])
        )
        first = next(matching, None)
        return iter(()) if first is None else itertools.chain((first,), matching)

    def _compile(self, pattern: str | None) -> Matcher | None:
        if pattern is None:
            return None
        if len(pattern.encode("utf-8", "surrogatepass")) > self._max_pattern_bytes:
            raise InvalidPatternError(f"the pattern is longer than {self._max_pattern_bytes} bytes")
        return self._compiler.compile(pattern)
