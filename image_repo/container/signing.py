"""`image_repo sign`'s versioned URLs: a path to one image gets the `v=` of the original Swift
holds now (SPEC 13), so what is signed is immutable and never shows an older photo."""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, quote, urlsplit

from image_repo.adapters.http.request_parsing import image_name_of
from image_repo.container.wiring import Container
from image_repo.domain.errors import ImageNotFoundError, ImageRepoError
from image_repo.domain.pins import pin_of
from image_repo.settings import AppConfig, CredentialsError


def pinned(config: AppConfig, path: str) -> tuple[str, str | None]:
    """`path` with `v=` added, and None; or `path` unchanged, and why it is not pinned (a
    listing, a regex, a version given already, or an image Swift does not hold)."""
    parts = urlsplit(path)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    if not parts.path.startswith("/images/") or {"regex", "v", "version", "versions"} & set(params):
        return path, None
    try:
        name, _ = image_name_of(quote(parts.path, safe="/%").encode("ascii"))
        container = Container(config=config, environ=dict(os.environ))
        stored = container.original_store().head(name)
    except ImageNotFoundError:
        return path, "no such image in Swift yet: signed without v="
    except (ImageRepoError, CredentialsError) as error:
        return path, f"{error}: signed without v="
    separator = "&" if parts.query else "?"
    return f"{path}{separator}v={pin_of(stored.etag)}", None
