"""The /images endpoints: parse, call a use case off the loop, map the result to HTTP."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Callable, Iterator

import attrs
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from image_repo.adapters.http.blocking import BlockingPool
from image_repo.adapters.http.image_responses import (
    ImageAnswer,
    content_disposition,
    image_answer,
    image_response,
)
from image_repo.adapters.http.json_bodies import meta_body, url_body
from image_repo.adapters.http.request_parsing import (
    image_name,
    image_name_of,
    parse_query,
    query_params,
)
from image_repo.adapters.http.write_access import WriteAccess
from image_repo.adapters.http.zip_stream import ZipStreamWriter
from image_repo.application.delete_image import DeleteImage
from image_repo.application.fetch_image import FetchImage
from image_repo.application.issue_temp_url import IssueTempUrl
from image_repo.application.list_images import ListImages
from image_repo.application.lookup_cached_image import LookupCachedImage
from image_repo.application.read_meta import ReadMeta
from image_repo.application.select_images import SelectImages
from image_repo.application.upload_image import UploadImage
from image_repo.domain.derivation import DerivationDefaults, spec_for
from image_repo.domain.errors import CorruptImageError, ImageRepoError, UploadTooLargeError
from image_repo.domain.formats import ImageFormat
from image_repo.domain.names import ImageName
from image_repo.domain.request import (
    LIST_PARAMETERS,
    ImageRequest,
    parse_image_request,
    reject_unknown,
)
from image_repo.domain.spec import Spec

LIST_BATCH = 1000  # names pulled per trip to the pool while streaming a listing
# Parsed (path, query) pairs remembered for memory hits; each entry is a few hundred bytes.
PLAIN_TARGETS_REMEMBERED = 4096


@attrs.frozen
class HttpSettings:
    max_upload_bytes: int
    max_dimension: int
    output_formats: frozenset[ImageFormat]
    defaults: DerivationDefaults
    cache_max_age_seconds: int
    write_tokens: tuple[str, ...] = ()
    max_zip_bytes: int = 512 << 20


@attrs.frozen
class ImageUseCases:
    upload: UploadImage
    lookup: LookupCachedImage
    fetch: FetchImage
    list: ListImages
    select: SelectImages
    meta: ReadMeta
    temp_url: IssueTempUrl
    delete: DeleteImage


@attrs.frozen
class PlainTarget:
    """A request for one image as such (no regex, meta or url), parsed once."""

    name: ImageName
    spec: Spec
    disposition: str


class ImageEndpoints:
    def __init__(
        self, use_cases: ImageUseCases, pool: BlockingPool, settings: HttpSettings
    ) -> None:
        self._use_cases = use_cases
        self._pool = pool
        self._settings = settings
        self._write_access = WriteAccess(settings.write_tokens)
        self._plain_target: Callable[[bytes, bytes], PlainTarget | None] = functools.lru_cache(
            maxsize=PLAIN_TARGETS_REMEMBERED
        )(self._parse_plain_target)

    def memory_hit(
        self, raw_path: bytes, query: bytes, if_none_match: str | None
    ) -> ImageAnswer | None:
        """The answer to a GET or HEAD of one image held in the memory tier, found on the event
        loop from the raw path and query alone; None when anything more is needed (a miss, a
        regex, meta, url, or a request to refuse), and the full route then answers."""
        target = self._plain_target(raw_path, query)
        if target is None:
            return None
        fetched = self._use_cases.lookup.execute(target.name, target.spec)
        if fetched is None:
            return None
        return image_answer(
            if_none_match,
            disposition=target.disposition,
            image_format=fetched.image.format,
            data=fetched.image.data,
            etag=fetched.key.digest(),
            max_age_seconds=self._settings.cache_max_age_seconds,
            cache_tier=fetched.tier,
        )

    def _parse_plain_target(self, raw_path: bytes, query: bytes) -> PlainTarget | None:
        try:
            name, path_format = image_name_of(raw_path)
            wanted = parse_image_request(
                parse_query(query),
                max_dimension=self._settings.max_dimension,
                available=self._settings.output_formats,
            )
        except ImageRepoError:
            return None  # the full route gives the 4xx with its reason
        if wanted.regex is not None or wanted.wants_meta or wanted.wants_url:
            return None
        spec = spec_for(wanted, path_format, self._settings.defaults)
        return PlainTarget(name, spec, content_disposition(name, spec.kind))

    async def list_images(self, request: Request) -> Response:
        params = query_params(request)
        reject_unknown(params, LIST_PARAMETERS)
        names = await self._pool.run(self._use_cases.list.execute, params.get("regex"))
        return StreamingResponse(self._json_array(names), media_type="application/json")

    async def _json_array(self, names: Iterator[ImageName]) -> AsyncIterator[bytes]:
        """Streams `["a","b",...]` in batches, so a million names never sit in memory."""
        separator = b"["
        while batch := await self._pool.run(_take, names, LIST_BATCH):
            chunk = b",".join(json.dumps(str(n), ensure_ascii=False).encode() for n in batch)
            yield separator + chunk
            separator = b","
        yield b"]" if separator == b"," else b"[]"

    async def get_image(self, request: Request) -> Response:
        name, path_format = image_name(request)
        wanted = parse_image_request(
            query_params(request),
            max_dimension=self._settings.max_dimension,
            available=self._settings.output_formats,
        )
        spec = spec_for(wanted, path_format, self._settings.defaults)
        if wanted.regex is None:
            return await self._one(request, name, wanted, spec)
        names = await self._pool.run(self._use_cases.select.execute, name, wanted.regex)
        if len(names) == 1 and not wanted.force_zip:
            return await self._one(request, names[0], wanted, spec)
        if wanted.wants_meta:
            metas = [await self._pool.run(self._use_cases.meta.execute, n) for n in names]
            return JSONResponse({str(m.name): meta_body(m) for m in metas})
        if wanted.wants_url:
            urls = [await self._pool.run(self._use_cases.temp_url.execute, n, spec) for n in names]
            return JSONResponse({str(u.name): url_body(u) for u in urls})
        headers = {"Content-Disposition": f'inline; filename="{_zip_filename(name)}"'}
        if request.method == "HEAD":
            return Response(headers=headers, media_type="application/zip")
        return StreamingResponse(
            self._zip(names, spec), headers=headers, media_type="application/zip"
        )

    async def _one(
        self, request: Request, name: ImageName, wanted: ImageRequest, spec: Spec
    ) -> Response:
        if wanted.wants_meta:
            return JSONResponse(meta_body(await self._pool.run(self._use_cases.meta.execute, name)))
        if wanted.wants_url:
            issued = await self._pool.run(self._use_cases.temp_url.execute, name, spec)
            return JSONResponse(url_body(issued))
        fetched = self._use_cases.lookup.execute(name, spec)  # memory only: on the loop
        if fetched is None:
            fetched = await self._pool.run(self._use_cases.fetch.execute, name, spec)
        return image_response(
            request,
            name=name,
            image_format=fetched.image.format,
            data=fetched.image.data,
            etag=fetched.key.digest(),
            max_age_seconds=self._settings.cache_max_age_seconds,
            cache_tier=fetched.tier,
        )

    async def _zip(self, names: list[ImageName], spec: Spec) -> AsyncIterator[bytes]:
        """Entries are derived one at a time, so memory holds one image, not the archive. An
        original that cannot be decoded is left out rather than failing the whole archive."""
        writer, total = ZipStreamWriter(), 0
        for name in names:
            try:
                fetched = await self._pool.run(self._use_cases.fetch.execute, name, spec)
            except CorruptImageError:
                continue
            total += len(fetched.image.data)
            if total > self._settings.max_zip_bytes:
                # The status line is gone; breaking the stream is the only honest answer left
                # (the client sees a failed transfer, never a silently shortened archive).
                raise ZipTooLargeError(f"zip over images.max_zip_bytes at {name}")
            yield writer.add(f"{name}.{spec.kind.extension}", fetched.image.data)
        yield writer.close()

    async def put_image(self, request: Request) -> Response:
        name, _ = image_name(request)
        reject_unknown(query_params(request), ())
        self._write_access.check(request)
        data = await self._read_body(request)
        if_absent = request.headers.get("if-none-match", "").strip() == "*"
        uploaded = await self._pool.run(
            self._use_cases.upload.execute, name, data, if_absent=if_absent
        )
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

    async def _read_body(self, request: Request) -> bytes:
        """Counts bytes while they stream and stops at the limit, so an oversized upload is
        refused without being buffered (a declared Content-Length over it is refused at once)."""
        limit = self._settings.max_upload_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise UploadTooLargeError(f"the limit is {limit} bytes")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise UploadTooLargeError(f"the limit is {limit} bytes")
        return bytes(body)


class ZipTooLargeError(RuntimeError):
    pass


def _take(names: Iterator[ImageName], count: int) -> list[ImageName]:
    return [name for _, name in zip(range(count), names, strict=False)]


def _zip_filename(under: ImageName) -> str:
    last = str(under).rsplit("/", 1)[-1]
    return "".join(c if (c.isascii() and c.isalnum()) or c in "-_." else "_" for c in last) + ".zip"
