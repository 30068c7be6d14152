"""Webhook subscriptions for tests, made through the service layer, and a receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from fastapi import FastAPI

from app.audit.service import CLI
from app.auth.principal import Principal
from app.config import Settings
from app.units.service import load_tree
from app.webhooks.schemas import SubscriptionIn
from app.webhooks.service import create_subscription

ROOT = Principal(kind="user", id=0, label="test", is_superadmin=True)


async def make_webhook(
    app: FastAPI, unit: str, url: str = "http://127.0.0.1:9/hook", events: list[str] | None = None
) -> tuple[int, str]:
    """A subscription (id, secret) on ``unit`` for ``events`` (default: all)."""
    body = SubscriptionIn.model_validate(
        {
            "url": url,
            "unit": unit,
            "events": events or ["response.created", "integrity.flag", "round.published"],
        }
    )
    async with app.state.db.write_sessions.begin() as session:
        created = await create_subscription(session, CLI, ROOT, await load_tree(session), body)
    return created.id, created.secret


class Receiver:
    """A tiny HTTP server: /ok answers 200; /flaky 500 twice then 200; /down always 500."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, str], bytes, int]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                tries = sum(1 for s in receiver.seen if s[0] == self.path)
                flaky_ok = self.path == "/flaky" and tries >= 2
                status = 200 if self.path == "/ok" or flaky_ok else 500
                receiver.seen.append((self.path, dict(self.headers.items()), body, status))
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def at(self, path: str) -> list[tuple[str, dict[str, str], bytes, int]]:
        return [s for s in self.seen if s[0] == path]


def fast(settings: Settings, **more: object) -> Settings:
    return settings.model_copy(
        update={"webhook_backoff_seconds": 0.05, "webhook_settle_seconds": 0.0, **more}
    )


def serving() -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 in a thread, until the generator is closed (for fixtures)."""
    found = Receiver()
    found.thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()
