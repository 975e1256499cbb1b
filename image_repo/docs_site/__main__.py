"""`python -m image_repo.docs_site`: write the generated pages of the docs site.

`--check` writes nothing and exits 1 when one is stale; `--offline SITE_DIR` exits 1 when a
built page loads or links anything from another host than this machine."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from image_repo.docs_site import ROOT, stale_pages, write_pages
from image_repo.docs_site.offline import foreign_urls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m image_repo.docs_site")
    parser.add_argument("--check", action="store_true", help="only say which pages are stale")
    parser.add_argument("--offline", type=Path, metavar="SITE_DIR", help="check a built site")
    args = parser.parse_args(argv)
    if args.offline is not None:
        found = foreign_urls(args.offline)
        for page, url in found:
            print(f"{page}: {url}", file=sys.stderr)
        return 1 if found else 0
    if args.check:
        stale = stale_pages()
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)} (run python -m image_repo.docs_site)")
        return 1 if stale else 0
    for path in write_pages():
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
