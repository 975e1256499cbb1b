"""Faces in an original (SPEC 15), found once at upload with OpenCV's bundled frontal-face Haar
cascade, so `gravity=auto` can centre a crop on them. OpenCV is the optional extra `faces`."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from PIL import Image

from image_repo.domain.looks import Region

_CASCADE = "haarcascade_frontalface_default.xml"
FACE_SEARCH_SIDE = 640  # faces a crop should care about stay above the cascade's 24 px here
_SMALLEST_FACE = 1 / 20  # of the shorter side: smaller ones are noise, or a crowd far away
_SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I;16N", "I")


class FaceFinder:
    """Finds the frontal faces in an image. A CascadeClassifier must not be shared between
    threads, so each thread that asks loads its own (the XML once per thread, ~50 ms)."""

    def __init__(self, cv2: Any) -> None:
        self._cv2 = cv2
        self._path = f"{cv2.data.haarcascades}{_CASCADE}"
        self._local = threading.local()

    def faces_in(self, image: Image.Image) -> Region | None:
        """The bounding box of every face found, in fractions of the image's width and height
        (4 decimals); None when there is none."""
        grey = _grey(image)
        width, height = grey.size
        smallest = max(24, round(min(width, height) * _SMALLEST_FACE))
        found = self._classifier().detectMultiScale(
            np.asarray(grey), scaleFactor=1.1, minNeighbors=5, minSize=(smallest, smallest)
        )
        if len(found) == 0:
            return None
        boxes = np.asarray(found)
        return Region(
            left=round(int(boxes[:, 0].min()) / width, 4),
            top=round(int(boxes[:, 1].min()) / height, 4),
            right=round(int((boxes[:, 0] + boxes[:, 2]).max()) / width, 4),
            bottom=round(int((boxes[:, 1] + boxes[:, 3]).max()) / height, 4),
        )

    def _classifier(self) -> Any:
        classifier = getattr(self._local, "classifier", None)
        if classifier is None:
            classifier = self._cv2.CascadeClassifier(self._path)
            if classifier.empty():
                raise RuntimeError(f"OpenCV could not load {self._path}")
            self._local.classifier = classifier
        return classifier


def face_finder() -> FaceFinder | None:
    """A FaceFinder, or None when OpenCV (the `faces` extra) is not installed."""
    try:
        import cv2  # optional, so imported only here
    except ImportError:
        return None
    return FaceFinder(cv2)


def _grey(image: Image.Image) -> Image.Image:
    """8-bit grey with its longer side at most FACE_SEARCH_SIDE: the cascade sees luminance only,
    and a 12 MP photo would take seconds at full size. 16-bit grey is scaled, not clipped."""
    if image.mode in _SIXTEEN_BIT:
        image = image.convert("I").point(lambda value: value * (1 / 256))
    grey = image.convert("L")
    scale = FACE_SEARCH_SIDE / max(grey.size)
    if scale >= 1:
        return grey
    target = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
    return grey.resize(target, Image.Resampling.BOX, reducing_gap=2.0)
