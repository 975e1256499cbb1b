"""RenameImage: an original moved to another name, by a copy inside the store, then the old
name deleted (issue 26: rename and move)."""

from __future__ import annotations

from image_repo.application.coherent_etags import CoherentEtags
from image_repo.application.delete_image import DeleteImage
from image_repo.application.ports import OriginalStore
from image_repo.domain.errors import InvalidParameterError
from image_repo.domain.names import ImageName
from image_repo.domain.records import StoredOriginal


class RenameImage:
    """The bytes never leave Swift (a server-side copy keeps them, their content type with
    SPEC 15's looks, and their metadata). Both names are coherent at once (SPEC 7): the new one
    is announced as a PUT would be before the old one is deleted as a DELETE is, so no moment
    serves neither, and a failure between the two leaves the image under both names, never
    under none."""

    def __init__(self, store: OriginalStore, etags: CoherentEtags, delete: DeleteImage) -> None:
        self._store = store
        self._etags = etags
        self._delete = delete

    def execute(
        self, name: ImageName, new_name: ImageName, *, overwrite: bool = False
    ) -> StoredOriginal:
        """NameTakenError when `new_name` holds an image and `overwrite` is false;
        ImageNotFoundError when `name` holds none."""
        if new_name == name:
            raise InvalidParameterError("rename: the new name is the image's own name")
        try:
            stored = self._store.copy(name, new_name, if_absent=not overwrite)
        except BaseException:
            self._etags.changed(new_name, None)  # the copy may have landed before the failure
            raise
        self._etags.changed(new_name, stored.etag, stored.looks.subject)
        self._delete.execute(name)
        return stored
