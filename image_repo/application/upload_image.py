"""UploadImage: check an upload in the SPEC's order, then store the original as uploaded."""

from __future__ import annotations

import uuid

import attrs

from image_repo.application.coherent_etags import CoherentEtags
from image_repo.application.kept_versions import KeptVersions
from image_repo.application.ports import IdentifiedSource, ImageProcessor, OriginalStore
from image_repo.domain.errors import EmptyUploadError, UploadTooLargeError
from image_repo.domain.limits import ImageLimits
from image_repo.domain.names import ImageName
from image_repo.domain.records import ImageInfo, StoredOriginal


@attrs.frozen
class UploadedImage:
    name: ImageName
    info: ImageInfo
    stored: StoredOriginal
    decoded_as: str | None = None  # the id the upload check's decode is kept under, if it is


class UploadImage:
    """Checks run cheapest first and nothing touches the store until all have passed, so a
    refused upload changes nothing. Once stored, every worker of this server is told through
    `etags` before the upload is answered."""

    def __init__(
        self,
        store: OriginalStore,
        processor: ImageProcessor,
        limits: ImageLimits,
        max_upload_bytes: int,
        etags: CoherentEtags,
        keep_decoded: bool = False,
        kept_versions: KeptVersions | None = None,
        describes: bool = True,
    ) -> None:
        """`keep_decoded`: the processor keeps what the upload check decoded, for derivations
        made right after the upload (eager presets). `kept_versions`: pruned after each
        upload, with versions on (SPEC 13). `describes`: the upload check's decode also
        gives SPEC 15's placeholder (and faces), recorded with the original (a few ms)."""
        self._describes = describes
        self._kept_versions = kept_versions
        self._keep_decoded = keep_decoded
        self._etags = etags
        self._store = store
        self._processor = processor
        self._limits = limits
        self._max_upload_bytes = max_upload_bytes

    def execute(self, name: ImageName, data: bytes, *, if_absent: bool = False) -> UploadedImage:
        if not data:
            raise EmptyUploadError("the request body is empty; send the image bytes")
        if len(data) > self._max_upload_bytes:
            raise UploadTooLargeError(f"the limit is {self._max_upload_bytes} bytes")
        info = self._processor.identify(data)
        self._limits.check(info)
        decoded_as = f"upload/{uuid.uuid4().hex}" if self._keep_decoded else None
        looks = self._processor.check_decodes(
            IdentifiedSource(decoded_as, data) if decoded_as else data, looks=self._describes
        )
        looks = attrs.evolve(looks, size=(info.width, info.height))
        try:
            stored = self._store.put(name, data, info, looks=looks, if_absent=if_absent)
        except BaseException:
            # Swift may have stored it before failing to answer: stop trusting what was known
            self._etags.changed(name, None)
            raise
        self._etags.changed(name, stored.etag, stored.looks.subject)
        if self._kept_versions is not None:
            self._kept_versions.prune(name)
        return UploadedImage(name, info, stored, decoded_as)
