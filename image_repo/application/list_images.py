"""ListImages: the listing as served (names, folders), filtered by an RE2 search, streamed."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from image_repo.application.ports import Matcher, OriginalStore, PatternCompiler
from image_repo.domain.errors import InvalidPatternError
from image_repo.domain.listing import (
    ListedEntry,
    ListedImage,
    ListingQuery,
    holds,
    served_entries,
)
from image_repo.domain.names import ImageName

_PROBE_PAGE = 100  # objects per page while looking for the object that holds one name


class ListImages:
    """Returns lazy iterators, but compiles the pattern and reads the first page before
    returning, so a bad pattern or an unreachable store fails before a response has started.

    A `marker` is an entry as served; the listing resumes after the object that holds it (for
    `cat`: `cat`, else the first `cat.<ext>`), so a page never repeats one before it, also
    where `cat` and `cat.jpg` fall on either side of a page boundary."""

    def __init__(
        self, store: OriginalStore, compiler: PatternCompiler, max_pattern_bytes: int
    ) -> None:
        self._store = store
        self._compiler = compiler
        self._max_pattern_bytes = max_pattern_bytes

    def execute(
        self, pattern: str | None = None, under: ImageName | None = None
    ) -> Iterator[ListedImage]:
        """The images under `under/` whose rest of the name matches `pattern`."""
        prefix = f"{under}/" if under is not None else ""
        entries = self.entries(ListingQuery(prefix=prefix), pattern, relative=under is not None)
        return (e for e in entries if isinstance(e, ListedImage))

    def entries(
        self, query: ListingQuery, pattern: str | None = None, *, relative: bool = False
    ) -> Iterator[ListedEntry]:
        """`pattern` searches each entry as served (from the end of the prefix if `relative`);
        `limit` counts what it lets through."""
        matcher = self._compile(pattern)
        start = len(query.prefix) if relative else 0
        after = self._position(query.marker) if query.marker else ""
        page_size = query.limit + 1 if query.limit is not None and matcher is None else None
        objects = self._store.iter_objects(
            query.prefix, delimiter=query.delimiter, marker=after, page_size=page_size
        )
        entries: Iterator[ListedEntry] = (
            e
            for e in served_entries(
                objects, after=after, served_before=lambda n: self._is_held_by(n, after)
            )
            if str(e).startswith(query.prefix)
            and (matcher is None or matcher.search(str(e)[start:]))
        )
        if query.limit is not None:
            entries = itertools.islice(entries, query.limit)
        first = next(entries, None)
        return iter(()) if first is None else itertools.chain((first,), entries)

    def _position(self, marker: str) -> str:
        """Where the entry `marker` stands in the object listing: the object holding it, or the
        marker itself (a folder, a name now gone, or any other string)."""
        name = ImageName.from_object_name(marker)
        if name is None or name.value != marker:
            return marker
        return self._first_holder(name) or marker

    def _is_held_by(self, name: ImageName, position: str) -> bool:
        """An object at or before `position` holds `name`: it was served before there."""
        holder = self._first_holder(name)
        return holder is not None and holder.encode() <= position.encode()

    def _first_holder(self, name: ImageName) -> str | None:
        """`name` itself, else the first `name.<ext>` listed (SPEC §2: `cat` wins)."""
        first = next(self._store.iter_objects(name.value, page_size=1), None)
        if first is not None and first.name == name.value:
            return name.value
        variants = self._store.iter_objects(f"{name}.", delimiter="/", page_size=_PROBE_PAGE)
        return next((o.name for o in variants if not o.is_folder and holds(o.name, name)), None)

    def _compile(self, pattern: str | None) -> Matcher | None:
        if pattern is None:
            return None
        if len(pattern.encode("utf-8", "surrogatepass")) > self._max_pattern_bytes:
            raise InvalidPatternError(f"the pattern is longer than {self._max_pattern_bytes} bytes")
        return self._compiler.compile(pattern)
