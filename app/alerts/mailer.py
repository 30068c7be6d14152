"""Sending an e-mail: SMTP when ``smtp_url`` is set, else the development outbox (.eml files).
smtplib runs in a thread: the worker's event loop is not blocked."""

from __future__ import annotations

import asyncio
import email.policy
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from app.config import Settings

# Headers are not folded at 78 characters: folding a long Vietnamese subject splits it into
# encoded words and CPython's generator drops the space at the fold ("sắp đến" arrives as
# "sắpđến"); RFC 5322 allows lines up to 998.
POLICY = email.policy.default.clone(max_line_length=998)


def _message(settings: Settings, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["From"], message["To"], message["Subject"] = settings.smtp_from, to, subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@sipas>"
    message.set_content(body)
    return message


def _smtp(url: str, message: EmailMessage) -> None:
    parts = urlsplit(url)
    host, secure = parts.hostname or "localhost", parts.scheme == "smtps"
    port = parts.port or (465 if secure else 25)
    client = (
        smtplib.SMTP_SSL(host, port, timeout=30) if secure else smtplib.SMTP(host, port, timeout=30)
    )
    with client:
        if not secure and client.has_extn("starttls"):
            client.starttls(context=ssl.create_default_context())
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


def _outbox(settings: Settings, message: EmailMessage) -> None:
    directory = settings.message_outbox_dir / "mail"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(message))


async def send_mail(settings: Settings, to: str, subject: str, body: str) -> None:
    """Send one e-mail (raises on an SMTP failure)."""
    message = _message(settings, to, subject, body)
    if settings.smtp_url:
        await asyncio.to_thread(_smtp, settings.smtp_url, message)
    else:
        await asyncio.to_thread(_outbox, settings, message)
