"""The OpenAPI 3.1 document served at /openapi.json: the API as the server implements it."""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


def _unavailable() -> dict[str, Any]:
    return {
        **_error("Swift unreachable or the server saturated; retry after the given seconds"),
        "headers": {"Retry-After": {"schema": {"type": "string"}}},
    }


def _bool(description: str) -> dict[str, Any]:
    return {
        "in": "query",
        "required": False,
        "description": f"{description} (true/false/1/0/yes/no, any case)",
        "schema": {"type": "string"},
    }


def _size(description: str) -> dict[str, Any]:
    return {
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }


# SPEC 15: what is recorded with an original, in meta=true and details=true.
_POINT = {
    "type": ["object", "null"],
    "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
}
_LOOKS: dict[str, Any] = {
    "placeholder": {
        "type": ["object", "null"],
        "description": "Shown until the image loads (null until the original is described)",
        "properties": {
            "color": {"type": "string", "description": "The dominant colour, #rrggbb"},
            "thumbhash": {"type": "string", "description": "ThumbHash, base64"},
            "blurhash": {"type": "string", "description": "BlurHash, 4x3 components"},
        },
    },
    "focus": {**_POINT, "description": "The focal point (POST ?focus=x,y), fractions"},
    "faces": {
        "type": ["object", "null"],
        "description": "Bounding box of the faces found at upload (images.detect_faces)",
        "properties": {k: {"type": "number"} for k in ("left", "top", "right", "bottom")},
    },
}
_NAME = {
    "name": "name",
    "in": "path",
    "required": True,
    "description": "Image name: 1-1000 bytes of UTF-8, '/'-separated, optional format extension",
    "schema": {"type": "string", "minLength": 1, "maxLength": 1000},
}
_REGEX = {
    "name": "regex",
    "in": "query",
    "required": False,
    "description": "RE2 search over names (on a path: over the rest of the name below it)",
    "schema": {"type": "string"},
}
_SIG = {
    "name": "sig",
    "in": "query",
    "required": False,
    "description": (
        "Required when server.url_signing_keys is set (else 403), unless a write token is sent: "
        "base64url without padding of HMAC-SHA256(key, message), the message being the path as "
        "sent from /images, then '?' and the other parameters as sent, when there are any"
    ),
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]*$"},
}
_LISTING = [
    {
        "name": "prefix",
        "in": "query",
        "required": False,
        "description": "Only names (and folders) starting with this, as served (no extension)",
        "schema": {"type": "string", "maxLength": 1024},
    },
    {
        "name": "delimiter",
        "in": "query",
        "required": False,
        "description": (
            "'/': one folder level: the names directly under prefix, and each deeper folder "
            "once, as its path ending in '/'"
        ),
        "schema": {"type": "string", "enum": ["/"]},
    },
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": "At most this many entries (1..10000), counted after regex",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
    {
        "name": "marker",
        "in": "query",
        "required": False,
        "description": (
            "Entries after this one in listing order: the last entry of the previous page"
        ),
        "schema": {"type": "string", "maxLength": 1024},
    },
]
_DETAILS = {
    "name": "details",
    **_bool(
        "An object per entry instead of a name: name, url (versioned: ?v=), etag, bytes,"
        " modified; folders as {name, folder: true}. From Swift's listing: no request per entry"
    ),
}
_FORBIDDEN = _error("Signed URLs are configured and sig is missing or does not match")
_SURROGATE_KEYS = {
    name: {
        "description": (
            f"Surrogate keys ({separator}-separated): the image's name and each folder above it,"
            " percent-encoded; a listing or selection: list:<folder> and the names it holds."
            " A write purges the name and the list: keys above it (edge.purge_urls)"
        ),
        "schema": {"type": "string"},
    }
    for name, separator in (("Surrogate-Key", "space"), ("xkey", "space"), ("Cache-Tag", "comma"))
}
_IMAGE_BODIES = {
    media: {"schema": {"type": "string", "format": "binary"}}
    for media in (
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/gif",
        "image/tiff",
        "image/bmp",
        "image/avif",
    )
}
_ZIP_ANSWER = (
    "A whole archive, streamed: entries <name>.<extension of the served format>, in listing"
    " order. Images left out (refused on their own: damaged, over a limit, deleted meanwhile;"
    " past images.max_zip_bytes; or, once Swift failed, the rest) are named in a last entry"
    " SKIPPED.txt: a header line, then name<TAB>error<TAB>detail per image, with the error"
    " codes of the JSON errors. Absent when nothing was left out"
)
_GET_RESPONSES: dict[str, Any] = {
    "200": {
        "description": "The derived image; JSON for meta/url; a zip for several regex matches",
        "headers": {
            "ETag": {"schema": {"type": "string"}},
            "Cache-Control": {
                "description": (
                    "public, max-age=cache.original_ttl_seconds; pinned (v=, version=):"
                    " public, max-age=31536000, immutable"
                ),
                "schema": {"type": "string"},
            },
            **_SURROGATE_KEYS,
            "X-Max-Bytes": {
                "description": "exceeded: max_bytes could not be met (the smallest encode made)",
                "schema": {"type": "string", "enum": ["exceeded"]},
            },
            "X-Cache": {
                "schema": {
                    "type": "string",
                    "enum": ["memory", "disk", "swift", "derived"],
                }
            },
        },
        "content": {
            **_IMAGE_BODIES,
            "application/zip": {
                "schema": {
                    "type": "string",
                    "format": "binary",
                    "description": _ZIP_ANSWER,
                }
            },
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/Meta"},
                        {"$ref": "#/components/schemas/TempUrl"},
                        {"$ref": "#/components/schemas/Versions"},
                        {
                            "type": "object",
                            "additionalProperties": {
                                "oneOf": [
                                    {"$ref": "#/components/schemas/Meta"},
                                    {"$ref": "#/components/schemas/TempUrl"},
                                ]
                            },
                        },
                    ]
                }
            },
        },
    },
    "304": {"description": "Not modified (If-None-Match)"},
    "400": _error("Invalid name or parameter, or an unknown preset (the detail lists them)"),
    "403": _FORBIDDEN,
    "404": _error(
        "No such image, no regex match, or a v= or version= that is not (or no longer) stored"
    ),
    "413": _error(
        "More matches than images.max_zip_images, or an original over the limits"
        " (too_many_pixels) or the decoding budget (over_budget)"
    ),
    "422": _error(
        "The stored original is damaged: it does not decode (put there by another tool); or"
        " the watermark's image is missing or does not decode (watermark_unavailable)"
    ),
    "503": _unavailable(),
}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


_NUMBER = {"type": "string", "pattern": "^[0-9]{1,3}(\\.[0-9]{1,4})?$"}
_SIGNED = {"type": "string", "pattern": "^-?[0-9]{1,3}$"}
# SPEC 14, applied in this order: orientation, trim, rotate and flip, box, colour, blur or
# sharpen, radius, pad, watermark, encode. Each may be set by a preset.
_EDIT_PARAMETERS = [
    _query(
        "trim",
        "Cut borders that differ from the top-left pixel by at most this much (0 to 100, of"
        " 255), before the box",
        {"type": "string", "pattern": "^[0-9]{1,3}$"},
    ),
    _query(
        "rotate",
        "Rotate clockwise, after EXIF orientation",
        {"type": "string", "enum": ["90", "180", "270"]},
    ),
    _query(
        "flip",
        "Mirror: h (left-right), v (top-bottom) or hv",
        {"type": "string", "enum": ["h", "v", "hv"]},
    ),
    {"name": "grayscale", **_bool("Shades of grey")},
    _query("brightness", "-100 to 100 (0: unchanged)", _SIGNED),
    _query("contrast", "-100 to 100 (0: unchanged)", _SIGNED),
    _query("saturation", "-100 to 100 (0: unchanged; -100: grey)", _SIGNED),
    _query("blur", "Gaussian blur, sigma 0.3 to 100 in output pixels (not with sharpen)", _NUMBER),
    _query("sharpen", "Unsharp mask, sigma 0.3 to 10 (not with blur)", _NUMBER),
    _query(
        "radius",
        "Rounded corners of this many pixels: transparent where the kind has alpha, else"
        " background",
        {"type": "string", "pattern": "^[0-9]+$"},
    ),
    _query(
        "pad",
        "Pixels added around the result: T,R,B,L (or one number for all), 0 to 1000 each, in"
        " background, or transparent for kinds with alpha when background is absent",
        {"type": "string", "pattern": "^[0-9]{1,4}(,[0-9]{1,4}){0,3}$"},
    ),
    _query(
        "background",
        "RRGGBB: the colour of pad and radius, and what alpha is flattened onto for kinds"
        " without alpha",
        {"type": "string", "pattern": "^#?[0-9a-fA-F]{6}$"},
    ),
    _query(
        "watermark",
        "A watermark named in images.watermarks (an image of the repository; its ETag enters"
        " the key, so a new logo re-marks everything). Missing or undecodable image: 422",
        {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
    ),
    _query(
        "watermark_position",
        "Where the watermark goes (default southeast); tile repeats it",
        {
            "type": "string",
            "enum": [
                "center",
                "north",
                "south",
                "east",
                "west",
                "northeast",
                "northwest",
                "southeast",
                "southwest",
                "tile",
            ],
        },
    ),
    _query("watermark_opacity", "0 to 1 (default 0.5)", _NUMBER),
    _query(
        "watermark_scale",
        "The watermark's width as a share of the result's, 0.01 to 1 (default 0.2)",
        _NUMBER,
    ),
    _query(
        "max_bytes",
        "jpeg, webp and avif: lower the quality (never below 10) until the result fits, in at"
        " most four encodes; when it cannot, the smallest made, with X-Max-Bytes: exceeded",
        {"type": "string", "pattern": "^[0-9]+$"},
    ),
]
_GET_PARAMETERS = [
    _NAME,
    {
        "name": "kind",
        "in": "query",
        "required": False,
        "description": (
            "Output format. Without it (and without a format extension): images.default_kind,"
            " or with images.auto_formats the first of them that Accept names (the answer"
            " then carries Vary: Accept)"
        ),
        "schema": {
            "type": "string",
            "enum": ["jpg", "jpe", "jpeg", "png", "webp", "gif", "tiff", "bmp", "avif"],
        },
    },
    {"name": "xsize", **_size("Fit within this width (1..images.max_dimension)")},
    {"name": "ysize", **_size("Fit within this height (1..images.max_dimension)")},
    {"name": "thumbnail", **_bool("A thumbnail (images.thumbnail_size unless xsize/ysize say)")},
    {
        "name": "fit",
        "in": "query",
        "required": False,
        "description": (
            "contain (default): inside the box; cover: fill the box exactly, cropping the"
            " overflow (needs xsize and ysize, or thumbnail; never enlarges: a smaller original"
            " is cropped to the box's aspect ratio at its own size)"
        ),
        "schema": {"type": "string", "enum": ["contain", "cover"]},
    },
    {
        "name": "gravity",
        "in": "query",
        "required": False,
        "description": (
            "Which part a fit=cover crop keeps (default center); smart: the most interesting"
            " part (edges, saturation, skin tones); focus: centred on the focal point recorded"
            " with POST ?focus=x,y (smart without one); auto: the focal point, else the faces"
            " found at upload (images.detect_faces), else smart"
        ),
        "schema": {
            "type": "string",
            "enum": ["center", "north", "south", "east", "west", "smart", "focus", "auto"],
        },
    },
    {
        "name": "dpr",
        "in": "query",
        "required": False,
        "description": (
            "Device pixel ratio, 1 to 4 (decimals allowed): multiplies the box, never"
            " enlarging and within images.max_dimension"
        ),
        "schema": {"type": "string", "pattern": "^[0-9](\\.[0-9]{1,6})?$"},
    },
    {
        "name": "quality",
        "in": "query",
        "required": False,
        "description": (
            "Encoder quality of jpeg, webp and avif, 1 to 100 (default: images.jpeg_quality,"
            " webp_quality, avif_quality); other kinds ignore it"
        ),
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
    *_EDIT_PARAMETERS,
    {
        "name": "v",
        "in": "query",
        "required": False,
        "description": (
            "Pins the request to one version of the original: the first 12 hex characters of its"
            " ETag (listing details, meta and url answers give such URLs). The answer is"
            " immutable (cached a year); a v that is not the current version (nor, with"
            " swift.versions, a kept one) is a 404"
        ),
        "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{12}$"},
    },
    {
        "name": "version",
        "in": "query",
        "required": False,
        "description": (
            "With swift.versions: serve this kept version (an id from versions=true), derived,"
            " cached and signed as usual; immutable. Unknown: 404"
        ),
        "schema": {"type": "string"},
    },
    {
        "name": "versions",
        **_bool(
            "With swift.versions: JSON of the kept versions, newest first (id, etag, bytes,"
            " time, current, url); a deleted image's too. Versions off: 400"
        ),
    },
    {"name": "meta", **_bool("JSON metadata instead of the image")},
    {"name": "url", **_bool("JSON temporary Swift URL instead of the image")},
    {
        "name": "ttl",
        "in": "query",
        "required": False,
        "description": (
            "With url=true: the temporary URL's lifetime in seconds, at most swift.url_ttl"
            " (its default)"
        ),
        "schema": {"type": "integer", "minimum": 1},
    },
    {
        "name": "original",
        **_bool(
            "The bytes exactly as uploaded (their own Content-Type, every metadata, GPS"
            " included), as an attachment: only with a write token (images.serve_originals:"
            " token), never through a signed URL, never with serve_originals: never (403);"
            " no modifier beside it"
        ),
    },
    {"name": "zip", **_bool("With regex: always a zip")},
    _REGEX,
    {
        "name": "preset",
        "in": "query",
        "required": False,
        "description": (
            "A named set of modifiers from images.presets; modifiers given beside it win. "
            "With images.only_presets, kind, xsize, ysize, thumbnail, fit, gravity, dpr and"
            " quality are refused (400)"
        ),
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
    },
    _SIG,
]
_WRITE_ERRORS = {
    "400": _error("Invalid name, empty body or a corrupt image"),
    "401": _error("Missing or wrong bearer token (when write tokens are configured)"),
    "503": _unavailable(),
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "image_repo",
        "version": "1",
        "description": "On-demand image repository over OpenStack Swift",
    },
    "paths": {
        "/images": {
            "get": {
                "summary": "List image names (and folders), in Swift's order, streamed",
                "parameters": [_REGEX, *_LISTING, _DETAILS, _SIG],
                "responses": {
                    "200": {
                        "description": (
                            "Names, and folders ending in '/' (with delimiter); with details,"
                            " an object each"
                        ),
                        "headers": _SURROGATE_KEYS,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {
                                        "oneOf": [
                                            {"type": "string"},
                                            {"$ref": "#/components/schemas/ListedImage"},
                                        ]
                                    },
                                }
                            }
                        },
                    },
                    "400": _error("Invalid regex or parameter"),
                    "403": _FORBIDDEN,
                    "503": _unavailable(),
                },
            }
        },
        "/images/{name}": {
            "get": {
                "summary": "An image, derived on demand",
                "parameters": _GET_PARAMETERS,
                "responses": _GET_RESPONSES,
            },
            "head": {
                "summary": "Headers of the same GET",
                "parameters": _GET_PARAMETERS,
                "responses": {
                    k: {"description": v["description"]} for k, v in _GET_RESPONSES.items()
                },
            },
            "put": {
                "summary": "Upload (or replace) an original",
                "parameters": [
                    _NAME,
                    {
                        "name": "If-None-Match",
                        "in": "header",
                        "required": False,
                        "description": "'*' refuses to replace",
                        "schema": {"type": "string"},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/octet-stream": {
                            "schema": {"type": "string", "format": "binary"}
                        },
                        **_IMAGE_BODIES,
                    },
                },
                "responses": {
                    "201": {
                        "description": "Stored",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Upload"}}
                        },
                    },
                    **_WRITE_ERRORS,
                    "408": _error("The body sent nothing for server.body_timeout_seconds"),
                    "412": _error("If-None-Match: * and the name exists"),
                    "413": _error(
                        "Over max_upload_bytes, max_pixels, max_frames or max_animation_pixels"
                        " (too_many_pixels), or over the decoding budget: structure limits,"
                        " images.max_decode_seconds, the worker's memory (over_budget)"
                    ),
                    "415": _error("Not an image of an accepted format"),
                    "503": {
                        **_unavailable(),
                        "description": "Swift unreachable, the server saturated, or the upload "
                        "would pass server.max_upload_inflight_bytes (decided before its body "
                        "is read); retry after the given seconds",
                    },
                },
            },
            "post": {
                "summary": (
                    "Rename or move the image (rename=NEW), restore a kept version"
                    " (swift.versions), or record the original's focal point (gravity=focus and"
                    " auto crop around it): give exactly one (write token)"
                ),
                "parameters": [
                    _NAME,
                    {
                        "name": "restore",
                        "in": "query",
                        "required": False,
                        "description": "A version id from versions=true: it becomes the original",
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "rename",
                        "in": "query",
                        "required": False,
                        "description": (
                            "A new name: the original moves there (a copy inside Swift, then"
                            " the old name deleted; both names coherent at once). 409 when the"
                            " name holds an image, unless overwrite=true"
                        ),
                        "schema": {"type": "string"},
                    },
                    {"name": "overwrite", **_bool("With rename: replace the image there")},
                    {
                        "name": "focus",
                        "in": "query",
                        "required": False,
                        "description": (
                            "x,y: the focal point as fractions of the width and height from the"
                            " top-left (0 to 1); clear: remove it. Recorded with the original"
                            " (a new upload clears it), used by every worker and node at once"
                        ),
                        "schema": {"type": "string", "example": "0.5,0.3"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The focal point now recorded (null: cleared)",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Focused"}}
                        },
                    },
                    "409": _error("rename: the new name holds an image (name_taken)"),
                    "201": {
                        "description": (
                            "Restored: the new current original {name, restored, etag, bytes,"
                            " url}; or renamed: {name, from, etag, url}"
                        ),
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        {"$ref": "#/components/schemas/Restored"},
                                        {"$ref": "#/components/schemas/Renamed"},
                                    ]
                                }
                            }
                        },
                    },
                    **_WRITE_ERRORS,
                    "404": _error("No such image, or no such version of it"),
                },
            },
            "delete": {
                "summary": (
                    "Remove an original and every cached copy (with swift.versions, its kept"
                    " versions stay: restore brings one back)"
                ),
                "parameters": [_NAME],
                "responses": {
                    "204": {"description": "Removed"},
                    **_WRITE_ERRORS,
                    "404": _error("No such image"),
                },
            },
        },
        "/": {
            "get": {
                "summary": "The web page: browse folders, search, view, upload, delete",
                "responses": {
                    "200": {
                        "description": "HTML",
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/healthz": {
            "get": {
                "summary": "The process is alive",
                "responses": {
                    "200": {
                        "description": "Alive",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/readyz": {
            "get": {
                "summary": "Swift is reachable, the work queue moves and the worker is healthy",
                "responses": {
                    "200": {
                        "description": "Ready",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Readiness"}
                            }
                        },
                    },
                    "503": {
                        "description": "Not ready",
                        "headers": {"Retry-After": {"schema": {"type": "string"}}},
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Readiness"}
                            }
                        },
                    },
                },
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics",
                "responses": {
                    "200": {
                        "description": "Text exposition format",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error", "detail"],
                "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
            },
            "Upload": {
                "type": "object",
                "required": ["name", "format", "width", "height", "bytes", "etag"],
                "properties": {
                    "name": {"type": "string"},
                    "format": {"type": "string"},
                    "width": {"type": "integer"},
                    "height": {"type": "integer"},
                    "bytes": {"type": "integer"},
                    "etag": {"type": "string"},
                },
            },
            "Meta": {
                "type": "object",
                "required": ["name", "format", "width", "height", "mode", "bytes", "etag", "exif"],
                "properties": {
                    "name": {"type": "string"},
                    "format": {"type": "string"},
                    "width": {"type": "integer"},
                    "height": {"type": "integer"},
                    "mode": {"type": "string"},
                    "bytes": {"type": "integer"},
                    "etag": {"type": "string"},
                    "url": {"type": "string", "description": "Versioned: /images/<name>?v=..."},
                    "uploaded": {"type": ["string", "null"]},
                    "exif": {"type": "object"},
                    **_LOOKS,
                },
            },
            "Renamed": {
                "type": "object",
                "required": ["name", "from", "etag", "url"],
                "properties": {
                    "name": {"type": "string"},
                    "from": {"type": "string"},
                    "etag": {"type": "string"},
                    "url": {"type": "string"},
                },
            },
            "Focused": {
                "type": "object",
                "required": ["name", "focus", "url"],
                "properties": {
                    "name": {"type": "string"},
                    "focus": _POINT,
                    "url": {"type": "string"},
                },
            },
            "TempUrl": {
                "type": "object",
                "required": ["url", "expires", "versioned_url"],
                "properties": {
                    "url": {"type": "string"},
                    "expires": {"type": "integer"},
                    "versioned_url": {"type": "string"},
                },
            },
            "ListedImage": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "url": {"type": "string"},
                    "etag": {"type": "string"},
                    "bytes": {"type": "integer"},
                    "modified": {"type": ["string", "null"]},
                    "folder": {"type": "boolean"},
                    "width": {"type": "integer"},
                    "height": {"type": "integer"},
                    **_LOOKS,
                },
            },
            "Versions": {
                "type": "object",
                "required": ["name", "versions"],
                "properties": {
                    "name": {"type": "string"},
                    "versions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "id": {"type": "string"},
                                "etag": {"type": "string"},
                                "bytes": {"type": "integer"},
                                "time": {"type": "string"},
                                "current": {"type": "boolean"},
                                "url": {"type": "string"},
                            },
                        },
                    },
                },
            },
            "Restored": {
                "type": "object",
                "required": ["name", "restored", "etag", "bytes", "url"],
                "properties": {
                    "name": {"type": "string"},
                    "restored": {"type": "string"},
                    "etag": {"type": "string"},
                    "bytes": {"type": "integer"},
                    "url": {"type": "string"},
                },
            },
            "Readiness": {
                "type": "object",
                "required": ["status", "checks"],
                "properties": {
                    "status": {"type": "string"},
                    "reason": {"type": "string"},
                    "checks": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            },
        }
    },
}
