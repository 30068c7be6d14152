"""Schemathesis against /openapi.json, over real HTTP: with an API key, with an admin's
session (cookie + CSRF header) and anonymously. Every answer must be a documented status with
a documented media type and a body matching its schema, and never a 5xx.

Bounded for CI: a fixed number of examples per operation and mode, derandomised (the same
cases every run); the totals are printed and recorded in docs/reliability.md.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from itertools import product
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI

from tests.auth_helpers import csrf_of, sign_in
from tests.conftest import LiveServer
from tests.factories import make_key, make_province, make_user

# Per operation, caller, path variant and generation mode (positive, negative).
EXAMPLES = int(os.environ.get("SIPAS_FUZZ_EXAMPLES", "4"))
# Path parameters naming what exists (make_province), so that cases reach past the lookups.
KNOWN = {"round_code": "R2026", "unit_code": "C11", "code": "one-stop-counter"}


@dataclass
class Tally:
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)  # "METHOD path [caller]" -> report

    def summary(self) -> str:
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        return f"{self.cases} cases ({codes}); {len(self.failures)} operations failing"


def fuzz(base_url: str, callers: dict[str, dict[str, str]]) -> Tally:
    """Run every operation for every caller; collect failures rather than stop at the first."""
    import requests
    import schemathesis
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    tally = Tally()
    for name, headers in callers.items():
        http = requests.Session()  # one connection kept open, not one per case
        http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # callers stay as set
        for result in schema.get_all_operations():
            operation = result.ok()
            known = {k: v for k, v in KNOWN.items() if f"{{{k}}}" in operation.path}
            variants = [("any", {}), ("known", known)] if known else [("any", {})]
            for (where, fixed), mode in product(variants, GenerationMode):
                label = f"{operation.label} [{name}, {where} path, {mode.value}]"
                strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed)
                try:
                    _run(strategy, base_url, headers, tally, http)
                except Unsatisfiable:  # no invalid input exists (e.g. no parameters)
                    continue
                except (Exception, BaseExceptionGroup) as exc:  # keep it, go on
                    tally.failures[label] = str(exc)[:3000]
    return tally


def _run(strategy: Any, base_url: str, headers: dict[str, str], tally: Tally, http: Any) -> None:
    """EXAMPLES derandomised cases of one operation; raises on the first failed check."""
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        response = case.call(base_url=base_url, session=http, headers=headers, timeout=30)
        tally.cases += 1
        tally.statuses[response.status_code] += 1
        case.validate_response(response, checks=checks, headers=headers)

    run()


@pytest.fixture
async def callers(
    app: FastAPI, client: httpx.AsyncClient, live_server: LiveServer
) -> dict[str, dict[str, str]]:
    await make_province(app)
    await make_user(app, "admin@example.vn", superadmin=True)
    key = await make_key(app, "P")
    signed = await sign_in(client, "admin@example.vn")  # through the real pages
    assert signed.status_code == 303
    session = client.cookies["sipas_session"]
    admin = {"Cookie": f"sipas_session={session}", "X-CSRF-Token": await csrf_of(client)}
    return {"anonymous": {}, "api key": {"Authorization": f"Bearer {key}"}, "admin": admin}


async def test_openapi_document_holds_under_fuzzing(
    live_server: LiveServer, callers: dict[str, dict[str, str]]
) -> None:
    start = time.monotonic()
    tally = await anyio.to_thread.run_sync(fuzz, live_server.url, callers)
    print(f"\nschemathesis: {tally.summary()} in {time.monotonic() - start:.0f} s")
    report = "\n\n".join(f"== {label}\n{text}" for label, text in tally.failures.items())
    assert not tally.failures, f"{tally.summary()}\n{report}"
    assert tally.cases > 100 * EXAMPLES  # the run did reach the operations
    assert 500 not in tally.statuses
