"""The typed errors of image_repo: one base, no HTTP statuses (the HTTP adapter maps them)."""

from __future__ import annotations


class ImageRepoError(Exception):
    """Base of every error the service raises on purpose.

    `public_message` is safe to show a client; the exception text may carry more detail for logs.
    """

    public_message = "the request failed"
    # False where the detail names things only the operator should see (then clients get
    # `public_message`; the detail goes to the log and /readyz)
    is_detail_public = True

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.public_message)
        self.detail = detail or self.public_message

    @property
    def public_detail(self) -> str:
        """What a client may be told: the detail, or the public message where it is private."""
        return self.detail if self.is_detail_public else self.public_message


class InvalidRequestError(ImageRepoError):
    """The request itself is wrong (a 4xx): nothing was changed."""

    public_message = "invalid request"


class InvalidNameError(InvalidRequestError):
    public_message = "invalid image name"


class InvalidParameterError(InvalidRequestError):
    public_message = "invalid query parameter"


class InvalidPatternError(InvalidRequestError):
    public_message = "invalid regular expression"


class EmptyUploadError(InvalidRequestError):
    public_message = "empty upload"


class CorruptImageError(InvalidRequestError):
    public_message = "corrupt or truncated image"


class DamagedOriginalError(CorruptImageError):
    """A stored original that does not decode: every upload is decoded before it is stored,
    so another tool put it there, or the store damaged it. Not the client's fault, hence an
    answer of its own (a CorruptImageError still)."""

    public_message = "the stored original is damaged and cannot be decoded"


class WatermarkUnavailableError(ImageRepoError):
    """The image a configured watermark names is missing or does not decode: the request is
    fine, the configuration's image is not (SPEC 14)."""

    public_message = "the watermark image is missing or does not decode"


class UnauthorizedError(ImageRepoError):
    """A write without a valid token, where write tokens are configured."""

    public_message = "a valid bearer token is required for writes"


class SignatureRequiredError(ImageRepoError):
    """A read without a valid `sig`, where signed URLs are configured (SPEC §8)."""

    public_message = "this URL needs a valid sig parameter"


class UnsupportedImageError(ImageRepoError):
    """The bytes are not an image of a format the service accepts."""

    public_message = "not an image of a supported format"


class TooLargeError(ImageRepoError):
    public_message = "too large"


class UploadTooLargeError(TooLargeError):
    public_message = "upload too large"


class TooManyPixelsError(TooLargeError):
    public_message = "image has too many pixels or frames"


class ImageBudgetError(TooLargeError):
    """An image within the pixel limits whose decoding or encoding would still cost more than
    one request may spend (images.max_decode_seconds, the structure limits, the worker's memory
    ceiling): refused, and the worker carries on. The detail names the limit."""

    public_message = "the image needs more work than one request may spend"


class TooManyImagesError(TooLargeError):
    public_message = "too many images match"


class ImageNotFoundError(ImageRepoError):
    public_message = "image not found"


class AlreadyExistsError(ImageRepoError):
    """A conditional write (If-None-Match: *) found the name taken."""

    public_message = "image already exists"


class NameTakenError(ImageRepoError):
    """A rename onto a name that holds an image, without `overwrite=true`."""

    public_message = "an image already has that name"


class OriginalsRefusedError(ImageRepoError):
    """`original=true` asked by whom images.serve_originals does not serve: the exact uploaded
    bytes keep every metadata, GPS included."""

    public_message = "originals are not served to this request"


class BodyTimeoutError(InvalidRequestError):
    """A request body that stopped arriving: the client is too slow or holds the connection."""

    public_message = "the request body stopped arriving"


class UnavailableError(ImageRepoError):
    """A temporary condition: the client should retry later."""

    public_message = "temporarily unavailable"
    retry_after_seconds = 5


class StoreUnavailableError(UnavailableError):
    public_message = "object store unreachable"
    retry_after_seconds = 10


class StoreLoginError(StoreUnavailableError):
    """The object store (or Keystone in front of it) refused the configured credentials: not an
    outage, a configuration to fix. Still answered as unavailable (nothing the client can fix),
    and cached images keep being served as in an outage."""

    public_message = (
        "object store authentication failed: the server's Swift credentials were refused "
        "(its log and /readyz say whose)"
    )
    retry_after_seconds = 30
    is_detail_public = False


class SaturatedError(UnavailableError):
    public_message = "server saturated"
    retry_after_seconds = 2
