"""FetchedImage.is_settled (SPEC 13): an image made while a write of its name was answered here
is right for the request that overlapped the write, and no shared cache may keep it."""

from __future__ import annotations

from image_repo.domain.names import ImageName
from image_repo.domain.spec import Box, Spec
from tests.fakes import InMemoryImageProcessor, InMemoryOriginalStore
from tests.unit.test_use_cases import IMG, etags_for, fetcher

CAT = ImageName.parse("cat")


def test_an_answer_is_settled_unless_its_name_was_written_while_it_was_made() -> None:
    store = InMemoryOriginalStore()
    store.objects["cat"] = IMG("png", 30, 20)
    etags = etags_for()
    writes: list[str] = []

    def written_meanwhile(_spec: Spec) -> None:
        if writes:
            etags.changed(CAT, None)

    fetch = fetcher(store, InMemoryImageProcessor(written_meanwhile), etags=etags)
    assert fetch.execute(CAT, Spec()).is_settled
    writes.append("DELETE")
    overlapped = fetch.execute(CAT, Spec(box=Box(10, 10)))
    assert not overlapped.is_settled
