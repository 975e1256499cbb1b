"""Describer: SPEC 15's looks of an original, from the decode its upload check makes."""

from __future__ import annotations

from PIL import Image

from image_repo.adapters.imaging.faces import FaceFinder
from image_repo.adapters.imaging.placeholders import placeholder_of
from image_repo.domain.looks import Looks, Subject
from image_repo.domain.records import ImageInfo


class Describer:
    """The placeholder always; the faces' bounding box with a FaceFinder (images.detect_faces).
    Both read the upright sRGB decode the check made (a JPEG's at 1/8 scale), never the bytes
    again, which keeps an upload's added time to a few milliseconds."""

    def __init__(self, faces: FaceFinder | None = None) -> None:
        self._faces = faces

    @property
    def finds_faces(self) -> bool:
        return self._faces is not None

    def looks(self, image: Image.Image, info: ImageInfo) -> Looks:
        faces = self._faces.faces_in(image) if self._faces is not None else None
        return Looks(
            size=(info.width, info.height),
            placeholder=placeholder_of(image),
            subject=Subject(faces=faces),
        )
