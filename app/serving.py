"""How pages and files travel: HEAD answered like GET, compression, and static files with
content-hashed URLs that browsers may keep for a year."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import parse_qs

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

IMMUTABLE = "public, max-age=31536000, immutable"
# Compressing fewer bytes than this costs more than it saves (headers, CPU).
GZIP_MIN_BYTES = 500
# Level 6 saves within 1% of level 9 on the form page at 70% of its CPU (docs/performance.md).
GZIP_LEVEL = 6


class HeadAsGet:
    """Answer HEAD as the same GET would, without its body (uptime monitors use HEAD).

    FastAPI routes declare GET only, so HEAD was refused with 405.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # the rest of the body follows: send nothing yet
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


class HashedStaticFiles(StaticFiles):
    """Static files addressed as ``/static/<name>?v=<hash of its content>`` (see ``url``).

    A request naming the current hash may be cached for a year (a new release changes the
    URL); any other request is revalidated (``no-cache``, with the ETag Starlette sends).
    """

    def __init__(
        self,
        directory: Path,
        packages: list[str | tuple[str, str]] | None = None,
        prefix: str = "/static",
    ) -> None:
        super().__init__(directory=directory, packages=packages)
        self.prefix = prefix
        self.hashes: dict[str, str] = {}
        for root in map(Path, self.all_directories):  # looked up in this order, first wins
            for p in sorted(root.rglob("*")):
                if p.is_file():
                    self.hashes.setdefault(p.relative_to(root).as_posix(), file_hash(p))

    def url(self, name: str) -> str:
        """The URL of a static file, with the hash of its content."""
        return f"{self.prefix}/{name}?v={self.hashes[name]}"

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            sent = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [""])
            current = self.hashes.get(Path(path).as_posix())
            fresh = current is not None and sent[-1] == current
            response.headers["cache-control"] = IMMUTABLE if fresh else "no-cache"
        return response
