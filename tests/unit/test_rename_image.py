"""RenameImage against in-memory fakes: both names coherent in every worker at once."""

from __future__ import annotations

import pytest

from image_repo.application.rename_image import RenameImage
from image_repo.domain.errors import ImageNotFoundError, InvalidParameterError, NameTakenError
from image_repo.domain.names import ImageName
from image_repo.domain.spec import Box, Spec
from tests.fakes import InMemoryImageProcessor, InMemoryOriginalStore
from tests.unit.test_coherence import Server

IMG = InMemoryImageProcessor.image_bytes
OLD, NEW = ImageName.parse("inbox/cat"), ImageName.parse("2024/cat")
SMALL = Spec(box=Box(10, None))


def renamer(server: Server) -> RenameImage:
    worker = server.worker()
    return RenameImage(server.store, worker.etags, worker.delete)


def test_a_rename_is_seen_by_every_worker_at_once() -> None:
    server = Server(InMemoryOriginalStore())
    writer, reader = server.worker(), server.worker()
    writer.upload.execute(OLD, IMG("png", 40, 20))
    reader.fetch.execute(OLD, SMALL)  # the reader trusts OLD's ETag now
    stored = renamer(server).execute(OLD, NEW)
    assert stored.name == str(NEW)
    with pytest.raises(ImageNotFoundError):
        reader.fetch.execute(OLD, SMALL)
    assert reader.fetch.execute(NEW, SMALL).key.original_etag == stored.etag


def test_a_taken_name_needs_overwrite_and_the_own_name_is_refused() -> None:
    server = Server(InMemoryOriginalStore())
    writer = server.worker()
    writer.upload.execute(OLD, IMG("png", 40, 20))
    writer.upload.execute(NEW, IMG("png", 50, 20))
    with pytest.raises(NameTakenError):
        renamer(server).execute(OLD, NEW)
    assert server.store.objects[str(NEW)] == IMG("png", 50, 20)
    with pytest.raises(InvalidParameterError):
        renamer(server).execute(OLD, OLD)
    renamer(server).execute(OLD, NEW, overwrite=True)
    assert server.store.objects == {str(NEW): IMG("png", 40, 20)}
