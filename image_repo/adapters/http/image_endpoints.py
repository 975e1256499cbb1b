"""The /images endpoints: parse, call a use case off the loop, map the result to HTTP."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Iterator, Mapping
from urllib.parse import quote

import attrs
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from image_repo.adapters.http.blocking import BlockingPool
from image_repo.adapters.http.image_responses import image_response
from image_repo.adapters.http.json_bodies import meta_body, url_body
from image_repo.adapters.http.read_access import ReadAccess
from image_repo.adapters.http.request_parsing import image_name, query_params
from image_repo.adapters.http.upload_bodies import SpooledBody, UploadBodies
from image_repo.adapters.http.web_page import PageSettings
from image_repo.adapters.http.write_access import WriteAccess
from image_repo.adapters.http.zip_stream import ZipStreamWriter
from image_repo.application.delete_image import DeleteImage
from image_repo.application.fetch_image import FetchImage
from image_repo.application.first_views import PrepareFirstViews
from image_repo.application.issue_temp_url import IssueTempUrl
from image_repo.application.list_images import ListImages
from image_repo.application.read_meta import ReadMeta
from image_repo.application.select_images import SelectImages
from image_repo.application.upload_image import UploadedImage, UploadImage
from image_repo.domain.derivation import (
    DerivationDefaults,
    accepted_format,
    negotiates,
    spec_for,
)
from image_repo.domain.errors import ImageRepoError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.listing import ListedEntry, ListedImage
from image_repo.domain.names import ImageName
from image_repo.domain.request import (
    NO_PRESETS,
    ImageRequest,
    Presets,
    parse_image_request,
    parse_listing_query,
    reject_unknown,
)
from image_repo.domain.spec import Spec
from image_repo.domain.url_signatures import UrlSignatures

LIST_BATCH = 1000  # names pulled per trip to the pool while streaming a listing


@attrs.frozen
class HttpSettings:
    max_upload_bytes: int
    max_dimension: int
    output_formats: frozenset[ImageFormat]
    defaults: DerivationDefaults
    cache_max_age_seconds: int
    write_tokens: tuple[str, ...] = ()
    max_zip_bytes: int = 512 << 20
    presets: Presets = NO_PRESETS
    signatures: UrlSignatures = attrs.field(factory=UrlSignatures)
    max_upload_inflight_bytes: int = 256 << 20
    body_timeout_seconds: float = 30.0

    @functools.cached_property
    def offered_formats(self) -> tuple[ImageFormat, ...]:
        """`images.auto_formats` this server can encode (avif needs a Pillow with libavif)."""
        return tuple(f for f in self.defaults.auto_formats if f in self.output_formats)

    def negotiated(self, accept: str | None) -> ImageFormat | None:
        """The format Accept chooses among `offered_formats`; None: the default. Browsers send
        a handful of distinct Accept headers, so the answers for short ones are remembered."""
        if not self.offered_formats or not accept:
            return None
        if len(accept) > _ACCEPT_REMEMBERED_BYTES:
            return accepted_format(accept, self.offered_formats)
        return _accepted_format(accept, self.offered_formats)

    def image_request(self, params: Mapping[str, str]) -> ImageRequest:
        """A GET's modifiers parsed against this server's limits, formats and presets: one
        parse for the full route and the memory-hit path alike."""
        return parse_image_request(
            params,
            max_dimension=self.max_dimension,
            available=self.output_formats,
            presets=self.presets,
        )

    def varies_by_accept(self, wanted: ImageRequest, path_format: ImageFormat | None) -> bool:
        return bool(self.offered_formats) and negotiates(wanted, path_format)


_ACCEPT_REMEMBERED_BYTES = 512
_accepted_format = functools.lru_cache(maxsize=256)(accepted_format)


@attrs.frozen
class ImageUseCases:
    upload: UploadImage
    first_views: PrepareFirstViews
    fetch: FetchImage
    list: ListImages
    select: SelectImages
    meta: ReadMeta
    temp_url: IssueTempUrl
    delete: DeleteImage


class ImageEndpoints:
    def __init__(
        self, use_cases: ImageUseCases, pool: BlockingPool, settings: HttpSettings
    ) -> None:
        self._use_cases = use_cases
        self._pool = pool
        self._settings = settings
        self._write_access = WriteAccess(settings.write_tokens)
        self._read_access = ReadAccess(settings.signatures, self._write_access)
        self._uploads = UploadBodies(
            settings.max_upload_bytes,
            settings.max_upload_inflight_bytes,
            settings.body_timeout_seconds,
        )

    @property
    def page_settings(self) -> PageSettings:
        """What the web page (`/`) shows of this server: which writes and reads need a token."""
        kinds = sorted(f.value for f in self._settings.output_formats)
        return PageSettings(
            is_write_protected=not self._write_access.is_open,
            is_signed=self._settings.signatures.is_required,
            kinds=tuple(kinds),
        )

    async def list_images(self, request: Request) -> Response:
        self._read_access.check(request)
        params = query_params(request)
        query = parse_listing_query(params)
        entries = await self._pool.run(self._use_cases.list.entries, query, params.get("regex"))
        return StreamingResponse(self._json_array(entries), media_type="application/json")

    async def _json_array(self, entries: Iterator[ListedEntry]) -> AsyncIterator[bytes]:
        """Streams `["a","b/",...]` in batches, so a million names never sit in memory."""
        separator = b"["
        while batch := await self._pool.run(_take, entries, LIST_BATCH):
            chunk = b",".join(json.dumps(str(e), ensure_ascii=False).encode() for e in batch)
            yield separator + chunk
            separator = b","
        yield b"]" if separator == b"," else b"[]"

    async def get_image(self, request: Request) -> Response:
        self._read_access.check(request)
        name, path_format = image_name(request)
        wanted = self._settings.image_request(query_params(request))
        negotiated = self._settings.negotiated(request.headers.get("accept"))
        spec = spec_for(wanted, path_format, self._settings.defaults, negotiated)
        if wanted.regex is None:
            varies = self._settings.varies_by_accept(wanted, path_format)
            return await self._one(request, name, wanted, spec, varies_by_accept=varies)
        selected = await self._pool.run(self._use_cases.select.execute, name, wanted.regex)
        if len(selected) == 1 and not wanted.force_zip:
            return await self._one(request, selected[0].name, wanted, spec, selected[0].etag)
        if wanted.wants_meta:
            metas = [await self._pool.run(self._use_cases.meta.execute, i.name) for i in selected]
            return JSONResponse({str(m.name): meta_body(m) for m in metas})
        if wanted.wants_url:
            temp_url = self._use_cases.temp_url.execute
            urls = [await self._pool.run(temp_url, i.name, spec, i.etag) for i in selected]
            return JSONResponse({str(u.name): url_body(u) for u in urls})
        headers = {"Content-Disposition": _zip_disposition(name)}
        if request.method == "HEAD":  # the archive's length is known only once it is streamed
            head = Response(headers=headers, media_type="application/zip")
            del head.headers["content-length"]
            return head
        return StreamingResponse(
            self._zip(selected, spec), headers=headers, media_type="application/zip"
        )

    async def _one(
        self,
        request: Request,
        name: ImageName,
        wanted: ImageRequest,
        spec: Spec,
        etag: str | None = None,
        *,
        varies_by_accept: bool = False,
    ) -> Response:
        """`etag`: the original's, from a listing just read (a regex selection of one)."""
        if wanted.wants_meta:
            return JSONResponse(meta_body(await self._pool.run(self._use_cases.meta.execute, name)))
        if wanted.wants_url:
            issued = await self._pool.run(self._use_cases.temp_url.execute, name, spec, etag)
            return JSONResponse(url_body(issued))
        fetched = await self._pool.run(self._use_cases.fetch.execute, name, spec, etag=etag)
        return image_response(
            request,
            name=name,
            image_format=fetched.image.format,
            data=fetched.image.data,
            etag=fetched.key.digest(),
            max_age_seconds=self._settings.cache_max_age_seconds,
            cache_tier=fetched.tier,
            varies_by_accept=varies_by_accept,
        )

    async def _zip(self, selected: list[ListedImage], spec: Spec) -> AsyncIterator[bytes]:
        """Entries are derived one at a time, so memory holds one image, not the archive. The
        archive is always whole: what cannot be in it is named in its trailer (ZipStreamWriter)."""
        writer = ZipStreamWriter(self._settings.max_zip_bytes)
        for image in selected:
            if writer.stop_error is not None:
                writer.leave_out(image.name, writer.stop_error)
                continue
            try:
                fetched = await self._pool.run(
                    self._use_cases.fetch.execute, image.name, spec, etag=image.etag
                )
            except ImageRepoError as error:
                writer.leave_out(image.name, error)
                continue
            if entry := writer.add(image.name, spec.kind.extension, fetched.image.data):
                yield entry
        yield writer.close()

    async def put_image(self, request: Request) -> Response:
        name, _ = image_name(request)
        reject_unknown(query_params(request), ())
        self._write_access.check(request)
        if_absent = request.headers.get("if-none-match", "").strip() == "*"
        async with self._uploads.read(request) as upload:
            uploaded = await self._pool.run(_store_upload, self._use_cases, name, upload, if_absent)
        body = {
            "name": str(uploaded.name),
            "format": uploaded.info.format.value,
            "width": uploaded.info.width,
            "height": uploaded.info.height,
            "bytes": uploaded.stored.bytes,
            "etag": uploaded.stored.etag,
        }
        return JSONResponse(body, status_code=201, headers={"ETag": f'"{uploaded.stored.etag}"'})

    async def delete_image(self, request: Request) -> Response:
        name, _ = image_name(request)
        reject_unknown(query_params(request), ())
        self._write_access.check(request)
        await self._pool.run(self._use_cases.delete.execute, name)
        return Response(status_code=204)


def _store_upload(
    use_cases: ImageUseCases, name: ImageName, body: SpooledBody, if_absent: bool
) -> UploadedImage:
    """In the pool: reading a spooled body back blocks, and the bytes stay in this frame and
    the first views' work only. The first views are prepared before the answer: the client's
    next request may be a view of this upload."""
    data = body.value()
    uploaded = use_cases.upload.execute(name, data, if_absent=if_absent)
    use_cases.first_views.execute(uploaded, data)
    return uploaded


def _take(entries: Iterator[ListedEntry], count: int) -> list[ListedEntry]:
    return [entry for _, entry in zip(range(count), entries, strict=False)]


def _zip_disposition(under: ImageName) -> str:
    """A download (`attachment`), named after the folder; a non-ASCII name also as RFC 6266
    `filename*`, beside an ASCII fallback."""
    filename = str(under).rsplit("/", 1)[-1] + ".zip"
    fallback = "".join(c if (c.isascii() and c.isalnum()) or c in "-_." else "_" for c in filename)
    header = f'attachment; filename="{fallback}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header
