"""Gateways that carry invitations: one interface, configured per deployment per channel.

- ``outbox`` (development and the demo): appends what would be sent to
  ``<message_outbox_dir>/<channel>.jsonl``; nothing leaves the machine.
- ``http``: a provider's JSON API. Request: ``POST url`` with ``Authorization: Bearer
  <token>`` and ``{"to", "channel", "template", "text", "params": {"link"}, "reference"}``
  (Zalo ZNS: ``template`` is the service-rating template, ``params`` its fields); answer 2xx
  ``{"id": "<provider message id>"}``. Delivery reports come back to
  ``POST /api/v1/messages/callbacks/{channel}`` (app/messages/router.py).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx

from app.config import Settings
from app.models.base import utcnow

TEMPLATE = "service_rating"


class GatewayError(Exception):
    """The provider refused or could not be reached; the message is retried later."""


@dataclass(frozen=True)
class Outgoing:
    to: str
    channel: str
    text: str
    link: str
    reference: str  # our message id


class Gateway(Protocol):
    rate_per_minute: int

    async def send(self, message: Outgoing) -> str:
        """Hand the message over; the provider's id for it (raises GatewayError)."""
        ...


@dataclass
class OutboxGateway:
    directory: Path
    rate_per_minute: int = 600

    async def send(self, message: Outgoing) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        provider_id = f"outbox-{uuid.uuid4().hex[:12]}"
        line = {"id": provider_id, "at": utcnow().isoformat(), **message.__dict__}
        with (self.directory / f"{message.channel}.jsonl").open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return provider_id


@dataclass
class HttpGateway:
    url: str
    token: str
    rate_per_minute: int = 60
    timeout: float = 10.0

    async def send(self, message: Outgoing) -> str:
        body = {
            "to": message.to,
            "channel": message.channel,
            "template": TEMPLATE,
            "text": message.text,
            "params": {"link": message.link},
            "reference": message.reference,
        }
        headers = {"authorization": f"Bearer {self.token}"}
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                answer = await client.post(self.url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise GatewayError(f"{type(exc).__name__}: {exc}") from exc
        if not 200 <= answer.status_code < 300:
            raise GatewayError(f"HTTP {answer.status_code}: {answer.text[:200]}")
        try:
            return str(answer.json()["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise GatewayError("the provider's answer has no id") from exc


def gateway_for(settings: Settings, channel: str) -> Gateway | None:
    """The deployment's gateway for a channel (sms, zalo, email), or None."""
    config = settings.message_gateways.get(channel)
    if not config:
        return None
    rate = int(config.get("rate_per_minute", 60))
    if config.get("kind") == "http":
        return HttpGateway(str(config["url"]), str(config.get("token", "")), rate)
    if config.get("kind") == "outbox":
        return OutboxGateway(settings.message_outbox_dir, rate)
    return None
