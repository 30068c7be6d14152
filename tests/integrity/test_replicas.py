"""Limits hold across replicas: two app processes on one PostgreSQL share one device window
and one burst count (the state is in the database, not in a process)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import CRITERIA, make_province
from tests.integrity.helpers import aged_sid, answers_all, statuses

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def replica(database_url: str, secret: str) -> Iterator[str]:
    """`uvicorn app.main:create_app` in a process of its own; its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "SIPAS_DATABASE_URL": database_url,
        "SIPAS_SECRET_KEY": secret,
        "SIPAS_ENVIRONMENT": "test",
        "SIPAS_COUNTER_CACHE_SECONDS": "0",
        "SIPAS_PUBLIC_BASE_URL": "https://khaosat.example.vn",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(
                    f"replica did not start: {process.stderr.read() if process.stderr else ''}"
                )
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


async def test_two_processes_enforce_one_limit(app: FastAPI, database_url: str, is_postgres: bool):
    if not is_postgres:
        pytest.skip("replicas share a PostgreSQL; the embedded SQLite serves one process")
    province = await make_province(app, integrity=None)
    secret = app.state.settings.secret_key
    with replica(database_url, secret) as first, replica(database_url, secret) as second:
        device = "phone-of-one-citizen-0001"
        cookies = {"sipas_device": device}
        answers = {"field": "land", **{c: str(3 + i % 3) for i, c in enumerate(CRITERIA)}}
        async with httpx.AsyncClient(cookies=cookies) as phone:
            sent = await phone.post(
                f"{first}/s/C11", data={"sid": aged_sid(app, "C11", device, 90), **answers}
            )
            assert sent.headers["location"] == "/s/C11/thanks"
            again = {**answers, CRITERIA[0]: "1"}
            sent = await phone.post(
                f"{second}/s/C11", data={"sid": aged_sid(app, "C11", device, 80), **again}
            )
            assert sent.headers["location"] == "/s/C11/thanks?held=1"
        for i in range(8):  # fresh devices, alternating replicas: one burst count
            base = (first, second)[i % 2]
            sid = aged_sid(app, "C21", f"fresh-device-{i:04d}-xxxxxxxx", 120)
            async with httpx.AsyncClient() as phone:
                sent = await phone.post(
                    f"{base}/s/C21", data={"sid": sid, **answers_all("1", CRITERIA)}
                )
                assert sent.status_code == 303
    assert await statuses(app, province.units["C11"].id) == {"valid": 1, "held": 1}
    assert await statuses(app, province.units["C21"].id) == {"held": 8}
