"""Password hashing (argon2id), random tokens, and keyed hashes of identifiers."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.i18n import N_, Message

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when an account does not exist, so both paths cost the same time
    (made on first use: a hash costs ~0.5 s of CPU, too much for every process's import)."""
    return _hasher.hash("not-a-real-password")


MIN_PASSWORD_LENGTH = 10


# argon2id costs 64 MiB and ~0.5 s of CPU per hash: it runs in its own few threads (the C
# code releases the GIL), never on the event loop, at a lower CPU priority, so that a burst of
# sign-ins neither starves the loop (probes, citizens) nor allocates 64 MiB per waiting
# request (tests/auth/test_signin_load.py).
HASH_CONCURRENCY = 2
HASH_NICENESS = 19


def _lower_priority() -> None:
    """Run this thread (and the lanes argon2 starts from it) after the event loop's."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux, or not allowed
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)


_hash_threads = ThreadPoolExecutor(
    HASH_CONCURRENCY, thread_name_prefix="argon2", initializer=_lower_priority
)


async def hash_password(password: str) -> str:
    """The argon2id hash of ``password``, computed off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_hash_threads, _hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches (a missing account costs the same), off the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_hash_threads, _verify, password_hash, password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """A reason to refuse a new password, in Vietnamese, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return Message("Mật khẩu cần ít nhất %(n)s ký tự.", n=MIN_PASSWORD_LENGTH)
    if password.strip() != password:
        return N_("Mật khẩu không được bắt đầu hoặc kết thúc bằng khoảng trắng.")
    return None


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def keyed_hash(secret_key: str, value: str) -> str:
    """HMAC of an identifier (client address, account name): comparable, not reversible."""
    return hmac.new(secret_key.encode(), value.encode(), hashlib.sha256).hexdigest()
