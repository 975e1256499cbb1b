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
from image_repo.adapters.http.image_responses import (
    cache_control,
    content_disposition,
    image_response,
    key_headers,
)
from image_repo.adapters.http.json_bodies import (
    focus_body,
    listing_entry,
    meta_body,
    restored_body,
    url_body,
    versions_body,
)
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
from image_repo.application.kept_versions import KeptVersions, PinnedOriginal
from image_repo.application.list_images import ListImages
from image_repo.application.original_looks import OriginalLooks
from image_repo.application.read_meta import ReadMeta
from image_repo.application.read_original import ReadOriginal
from image_repo.application.rename_image import RenameImage
from image_repo.application.select_images import SelectImages
from image_repo.application.upload_image import UploadedImage, UploadImage
from image_repo.application.watermarks import Watermarks
from image_repo.domain.derivation import (
    DerivationDefaults,
    accepted_format,
    negotiates,
    spec_for,
)
from image_repo.domain.edge_keys import image_keys, listing_key, name_key, selection_keys
from image_repo.domain.errors import (
    ImageNotFoundError,
    ImageRepoError,
    InvalidParameterError,
    OriginalsRefusedError,
    SaturatedError,
)
from image_repo.domain.formats import ImageFormat
from image_repo.domain.listing import ListedEntry, ListedImage
from image_repo.domain.looks import Subject
from image_repo.domain.names import ImageName
from image_repo.domain.params import parse_bool
from image_repo.domain.pins import pinned_path
from image_repo.domain.request import (
    NO_PRESETS,
    ImageRequest,
    Presets,
    parse_focus,
    parse_image_request,
    parse_listing_query,
    parse_version_id,
    reject_unknown,
)
from image_repo.domain.spec import Spec
from image_repo.domain.url_signatures import UrlSignatures

LIST_BATCH = 1000  # names pulled per trip to the pool while streaming a listing
# Temporary URLs expire (swift.url_ttl): an edge must not hand one out after its time.
_UNSHARED = {"Cache-Control": "private, no-store"}


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
    watermarks: frozenset[str] = frozenset()  # the names of images.watermarks
    url_ttl_seconds: int = 3600  # swift.url_ttl: the longest `ttl=` a temporary URL may ask
    serve_originals: str = "token"  # images.serve_originals: who gets `original=true`

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
            watermarks=self.watermarks,
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
    versions: KeptVersions
    watermarks: Watermarks
    looks: OriginalLooks
    rename: RenameImage
    original: ReadOriginal


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
            watermarks=tuple(sorted(self._settings.watermarks)),
            url_ttl_seconds=self._settings.url_ttl_seconds,
            serve_originals=self._settings.serve_originals,
        )

    async def list_images(self, request: Request) -> Response:
        """Filed at the edge under its folder's listing key, which every write below that
        folder purges (SPEC 13)."""
        self._read_access.check(request)
        params = query_params(request)
        query = parse_listing_query(params)
        details = parse_bool("details", params.get("details", "false"))
        entries = await self._pool.run(self._use_cases.list.entries, query, params.get("regex"))
        folder = query.prefix[: query.prefix.rfind("/") + 1]
        return StreamingResponse(
            self._json_array(entries, details),
            media_type="application/json",
            headers=self._selection_headers((listing_key(folder),)),
        )

    async def _json_array(
        self, entries: Iterator[ListedEntry], details: bool
    ) -> AsyncIterator[bytes]:
        """Streams `["a","b/",...]` (with `details`, an object per entry) in batches, so a
        million names never sit in memory."""
        separator = b"["
        while batch := await self._pool.run(_take, entries, LIST_BATCH):
            shown = (listing_entry(e) if details else str(e) for e in batch)
            chunk = b",".join(json.dumps(e, ensure_ascii=False).encode() for e in shown)
            yield separator + chunk
            separator = b","
        yield b"]" if separator == b"," else b"[]"

    def _selection_headers(self, keys: tuple[str, ...] | None) -> dict[str, str]:
        """A JSON answer's or zip's caching: as an image's, filed under `keys`; with too many
        keys to send, kept by no shared cache (it could not be purged)."""
        if keys is None:
            return dict(_UNSHARED)
        caching = cache_control(self._settings.cache_max_age_seconds)
        return {"Cache-Control": caching, **dict(key_headers(keys))}

    async def get_image(self, request: Request) -> Response:
        self._read_access.check(request)
        name, path_format = image_name(request)
        wanted = self._settings.image_request(query_params(request))
        negotiated = self._settings.negotiated(request.headers.get("accept"))
        if wanted.wants_original:
            return await self._original(request, name)
        spec = spec_for(wanted, path_format, self._settings.defaults, negotiated)
        if spec.edits.watermark is not None:
            spec = await self._pool.run(self._use_cases.watermarks.resolved, spec)
        if wanted.wants_versions:
            versions = await self._pool.run(self._use_cases.versions.list, name)
            headers = self._selection_headers(image_keys(name))
            return JSONResponse(versions_body(name, versions), headers=headers)
        if wanted.regex is None:
            varies = self._settings.varies_by_accept(wanted, path_format)
            return await self._one(request, name, wanted, spec, varies_by_accept=varies)
        selected = await self._pool.run(self._use_cases.select.execute, name, wanted.regex)
        keys = selection_keys(f"{name}/", (i.name for i in selected))
        if len(selected) == 1 and not wanted.force_zip:
            # the answer changes when another name starts to match: filed under the listing too
            listed = keys[:1] if keys is not None else (listing_key(f"{name}/"),)
            only = selected[0]
            return await self._one(
                request, only.name, wanted, spec, only.etag, only.looks.subject, also_keys=listed
            )
        headers = self._selection_headers(keys)
        if wanted.wants_meta:
            metas = [await self._pool.run(self._use_cases.meta.execute, i.name) for i in selected]
            return JSONResponse({str(m.name): meta_body(m) for m in metas}, headers=headers)
        if wanted.wants_url:
            temp_url = functools.partial(self._use_cases.temp_url.execute, ttl=self._ttl(wanted))
            urls = [await self._pool.run(temp_url, i.name, spec, i.etag) for i in selected]
            return JSONResponse({str(u.name): url_body(u) for u in urls}, headers=_UNSHARED)
        headers["Content-Disposition"] = _zip_disposition(name)
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
        subject: Subject | None = None,
        *,
        varies_by_accept: bool = False,
        also_keys: tuple[str, ...] = (),
    ) -> Response:
        """`etag` and `subject`: the original's, from a listing just read (a regex selection
        of one), whose listing key comes in `also_keys`. A marked image is filed under its
        watermark's image too: a new logo purges everything it marks."""
        watermark = self._use_cases.watermarks.image_name(spec)
        if watermark is not None:
            also_keys = (*also_keys, name_key(watermark))
        if wanted.wants_meta:
            meta = await self._pool.run(self._use_cases.meta.execute, name)
            headers = self._selection_headers((*image_keys(name), *also_keys))
            return JSONResponse(meta_body(meta), headers=headers)
        if wanted.wants_url:
            issue = functools.partial(self._use_cases.temp_url.execute, ttl=self._ttl(wanted))
            issued = await self._pool.run(issue, name, spec, etag)
            return JSONResponse(url_body(issued), headers=_UNSHARED)
        pinned = await self._pinned(name, wanted)
        fetched = await self._pool.run(
            functools.partial(
                self._use_cases.fetch.execute,
                name,
                spec,
                etag=pinned.etag if pinned else etag,
                version_id=pinned.version_id if pinned else None,
                subject=None if pinned else subject,
            )
        )
        if pinned is not None and fetched.key.original_etag != pinned.etag:
            # replaced between the lookup and the download: this URL's version is gone
            raise ImageNotFoundError(f"{name} has no version {wanted.pin or wanted.version} now")
        return image_response(
            request,
            name=name,
            image_format=fetched.image.format,
            data=fetched.image.data,
            etag=fetched.key.digest(),
            max_age_seconds=self._settings.cache_max_age_seconds,
            cache_tier=fetched.tier,
            varies_by_accept=varies_by_accept,
            # a pinned crop around the subject (SPEC 15) still moves with a new focus
            is_pinned=pinned is not None and not spec.needs_subject,
            also_keys=also_keys,
            is_shared=fetched.is_settled,
            max_bytes=spec.edits.max_bytes,
        )

    def _ttl(self, wanted: ImageRequest) -> int | None:
        """`ttl=`, within swift.url_ttl (None: that maximum)."""
        maximum = self._settings.url_ttl_seconds
        if wanted.ttl is not None and wanted.ttl > maximum:
            raise InvalidParameterError(
                f"ttl must be at most {maximum} seconds on this server (swift.url_ttl)"
            )
        return wanted.ttl

    async def _original(self, request: Request, name: ImageName) -> Response:
        """`original=true`: the bytes as uploaded, every metadata (GPS included) intact, so
        only to whom may write (images.serve_originals: token), never through a signed URL
        (it may have been handed to anyone), never to anyone with `never`."""
        if self._settings.serve_originals == "never":
            raise OriginalsRefusedError("this server never serves originals")
        if "sig" in query_params(request):
            raise OriginalsRefusedError(
                "a signed URL never serves an original: send the write token instead"
            )
        if not (self._write_access.is_open or self._write_access.has_valid_token(request)):
            raise OriginalsRefusedError("originals go to write-token holders only")
        original = await self._pool.run(self._use_cases.original.execute, name)
        stored = original.stored
        image_format = ImageFormat.from_media_type(stored.content_type)
        headers = {
            **_UNSHARED,
            "ETag": f'"{stored.etag}"',
            "Content-Disposition": content_disposition(name, image_format, "attachment"),
        }
        return Response(original.data, media_type=stored.content_type, headers=headers)

    async def _pinned(self, name: ImageName, wanted: ImageRequest) -> PinnedOriginal | None:
        """The original a `v=` or `version=` names (SPEC 13); None when the request names
        none (the current original, as the caches know it)."""
        versions = self._use_cases.versions
        if wanted.pin is not None:
            return await self._pool.run(versions.pinned, name, wanted.pin)
        if wanted.version is not None:
            return await self._pool.run(versions.by_id, name, wanted.version)
        return None

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
                    self._use_cases.fetch.execute,
                    image.name,
                    spec,
                    etag=image.etag,
                    subject=image.looks.subject,
                )
            except ImageRepoError as error:
                writer.leave_out(image.name, error)
                continue
            if entry := writer.add(image.name, spec.kind.extension, fetched.image.data):
                yield entry
        yield writer.close()

    async def put_image(self, request: Request) -> Response:
        try:
            uploaded = await self._upload(request)
        except SaturatedError:
            raise  # answered before the body, as it must be: reading it is what is refused
        except Exception:
            await self._uploads.discard(request)  # so a proxy gets to read our answer
            raise
        body = {
            "name": str(uploaded.name),
            "format": uploaded.info.format.value,
            "width": uploaded.info.width,
            "height": uploaded.info.height,
            "bytes": uploaded.stored.bytes,
            "etag": uploaded.stored.etag,
        }
        return JSONResponse(body, status_code=201, headers={"ETag": f'"{uploaded.stored.etag}"'})

    async def _upload(self, request: Request) -> UploadedImage:
        name, _ = image_name(request)
        reject_unknown(query_params(request), ())
        self._write_access.check(request)
        if_absent = request.headers.get("if-none-match", "").strip() == "*"
        async with self._uploads.read(request) as upload:
            return await self._pool.run(_store_upload, self._use_cases, name, upload, if_absent)

    async def post_image(self, request: Request) -> Response:
        """`?restore=ID`: a kept version becomes the current original again (SPEC 13).
        `?focus=x,y` or `focus=clear`: the original's focal point (SPEC 15)."""
        name, _ = image_name(request)
        params = query_params(request)
        reject_unknown(params, ("restore", "focus", "rename", "overwrite"))
        overwrite = parse_bool("overwrite", params.get("overwrite", "false"))
        actions = [action for action in ("restore", "focus", "rename") if action in params]
        if len(actions) != 1 or ("overwrite" in params and actions != ["rename"]):
            raise InvalidParameterError(
                "POST /images/<name> takes one of restore=<version id>, focus=<x>,<y>,"
                " focus=clear or rename=<new name> (with overwrite=true to replace an image)"
            )
        if "rename" in params:
            new_name = ImageName.parse(params["rename"])
            self._write_access.check(request)
            renamed = await self._pool.run(
                functools.partial(
                    self._use_cases.rename.execute, name, new_name, overwrite=overwrite
                )
            )
            body = {
                "name": str(new_name),
                "from": str(name),
                "etag": renamed.etag,
                "url": pinned_path(new_name, renamed.etag),
            }
            return JSONResponse(body, status_code=201, headers={"ETag": f'"{renamed.etag}"'})
        if "focus" in params:
            focus = parse_focus(params["focus"])
            self._write_access.check(request)
            focused = await self._pool.run(self._use_cases.looks.set_focus, name, focus)
            return JSONResponse(focus_body(name, focused), headers=dict(_UNSHARED))
        version_id = parse_version_id(params["restore"])
        self._write_access.check(request)
        restored = await self._pool.run(self._use_cases.versions.restore, name, version_id)
        body = restored_body(name, version_id, restored)
        return JSONResponse(body, status_code=201, headers={"ETag": f'"{restored.etag}"'})

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
