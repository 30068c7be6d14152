"""A hand-written fuzzer (hypothesis) for what schemathesis cannot see: the citizen's form post
(/s/{code}), the invitation post (/t/{token}) and the sign-in (/login) — plain form
endpoints outside the OpenAPI document. Bodies mix real field names with odd values, odd
encodings and odd content types; a fresh signed submission id is used half the time so
that cases reach the answers' validation. Never a 5xx.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import anyio
import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import LiveServer
from tests.factories import CRITERIA, make_province, make_user
from tests.sampling.invitation_helpers import invite

EXAMPLES = int(os.environ.get("SIPAS_FUZZ_POSTS", "120"))
LOGINS = int(os.environ.get("SIPAS_FUZZ_LOGINS", "20"))  # each is a slow password check
FIELDS = ["sid", "field", "comment", "gender", "age", "csrf_token", *CRITERIA, "x"]


def strategies() -> dict[str, Any]:
    from hypothesis import strategies as st

    value = st.one_of(
        st.sampled_from(["", "5", "1", "na", "0", "6", "-1", "5.5", "1e308", "land", "x" * 3000]),
        st.text(max_size=40),
        st.integers().map(str),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=5).map(lambda s: s + "\x00"),
    )
    pair = st.tuples(st.sampled_from(FIELDS) | st.text(max_size=8), value)
    complete = [("field", "land"), *((code, "5") for code in CRITERIA)]
    pairs = st.one_of(  # anything, or a complete answer with a few fields changed or added
        st.lists(pair, max_size=25),
        st.lists(pair, max_size=3).map(lambda extra: [*complete, *extra]),
    )
    kind = st.sampled_from(["form", "form", "form", "multipart", "json", "bytes", "none"])
    return {"pairs": pairs, "kind": kind, "fresh": st.booleans(), "junk": st.binary(max_size=64)}


def send(
    client: httpx.Client, url: str, pairs: list[tuple[str, str]], kind: str, junk: bytes
) -> httpx.Response:
    """POST the pairs as a form, a multipart body, JSON, or raw bytes; or no body at all."""
    if kind == "form":
        return client.post(url, data=dict(pairs))
    if kind == "multipart":
        files = {"x": ("a.txt", junk, "text/plain")}
        return client.post(url, data=dict(pairs), files=files)
    if kind == "json":
        return client.post(url, content=json.dumps(dict(pairs)), headers=JSON)
    if kind == "bytes":
        return client.post(url, content=junk, headers=FORM)
    return client.post(url)


JSON = {"content-type": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}


def fresh_sid(client: httpx.Client, url: str) -> str:
    page = client.get(url)
    found = re.search(r'name="sid" value="([^"]+)"', page.text)
    return found.group(1) if found else "none"


def fuzz(base: str, target: Callable[[Any], str], examples: int, statuses: Counter[int]) -> None:
    """``examples`` derandomised posts to the URL ``target(draw)`` picks; raises on a 5xx."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    s = strategies()

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data(), pairs=s["pairs"], kind=s["kind"], fresh=s["fresh"], junk=s["junk"])
    def run(data: Any, pairs: list[tuple[str, str]], kind: str, fresh: bool, junk: bytes) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            url = target(data)
            if fresh:
                pairs = [("sid", fresh_sid(client, url)), *pairs]
            answer = send(client, url, pairs, kind, junk)
        statuses[answer.status_code] += 1
        assert answer.status_code < 500, f"{answer.status_code} for {url} {kind} {pairs!r}"

    run()


def counter_url(data: Any) -> str:
    from hypothesis import strategies as st

    known = st.sampled_from(["C11", "C11", "C11", "C12", "c11", "P", "NOPE"])
    code = data.draw(known | st.text(max_size=12))
    query = data.draw(st.sampled_from(["", "?kiosk=1", "?lang=en", "?lang=xx", "?kiosk=%00"]))
    return f"/s/{quote(code, safe='') or 'C11'}{query}"


SECRET = "test-secret-key-not-for-production"  # tests/conftest.py's settings


def receipt_url(data: Any) -> str:
    """A receipt code's form (/r/{code}): a valid code, a tampered one, or anything."""
    from hypothesis import strategies as st

    from app.integrity.receipts import issue_code, round_key

    valid = issue_code(round_key(SECRET, "R2026"), "C11", "HS-1")
    code = data.draw(
        st.sampled_from([valid, valid[:-1] + "A", valid.lower(), "C11~~", "~"])
        | st.text(max_size=40)
    )
    return f"/r/{quote(code, safe='~') or 'x'}"


def login_pairs(data: Any, csrf: str) -> list[tuple[str, str]]:
    from hypothesis import strategies as st

    login = data.draw(st.sampled_from(["admin@example.vn", "", "a" * 300]) | st.text(max_size=30))
    password = data.draw(st.sampled_from(["correct horse battery", ""]) | st.text(max_size=30))
    token = data.draw(st.sampled_from([csrf, "", "x"]))
    return [("login", login), ("password", password), ("csrf_token", token), ("next", "/x")]


def fuzz_login(base: str, examples: int, statuses: Counter[int]) -> None:
    """Sign-ins with odd names, passwords and CSRF tokens; the cookie is sent when we have it."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data(), kind=st.sampled_from(["form", "multipart", "json", "bytes"]))
    def run(data: Any, kind: str) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            page = client.get("/login").text
            found = re.search(r'name="csrf_token" value="([^"]*)"', page)
            csrf = found.group(1) if found else ""
            client.cookies.set("sipas_login_csrf", csrf)  # Secure cookie: set by hand on http
            answer = send(client, "/login", login_pairs(data, csrf), kind, b"\xd3\x01")
        statuses[answer.status_code] += 1
        assert answer.status_code < 500, f"{answer.status_code} for /login {kind}"

    run()


@pytest.fixture
async def tokens(app: FastAPI, live_server: LiveServer) -> list[str]:
    province = await make_province(app)
    await make_user(app, "admin@example.vn", superadmin=True)
    return await invite(app, province, "C11", 5)


async def test_form_token_and_sign_in_posts_never_fail_with_5xx(
    live_server: LiveServer, tokens: list[str]
) -> None:
    from hypothesis import strategies as st

    def token_url(data: Any) -> str:
        token = data.draw(st.sampled_from(tokens) | st.sampled_from(tokens) | st.text(max_size=50))
        return f"/t/{quote(token, safe='') or 'x'}"

    seen: dict[str, Counter[int]] = {
        "form": Counter(),
        "token": Counter(),
        "receipt": Counter(),
        "login": Counter(),
    }
    base, start = live_server.url, time.monotonic()
    await anyio.to_thread.run_sync(fuzz, base, counter_url, EXAMPLES, seen["form"])
    await anyio.to_thread.run_sync(fuzz, base, token_url, EXAMPLES, seen["token"])
    await anyio.to_thread.run_sync(fuzz, base, receipt_url, EXAMPLES // 2, seen["receipt"])
    await anyio.to_thread.run_sync(fuzz_login, base, LOGINS, seen["login"])
    print(f"\nfuzz of posts: {time.monotonic() - start:.0f} s")
    for name, statuses in seen.items():
        print(f"\nfuzz {name}: {sum(statuses.values())} posts, {dict(sorted(statuses.items()))}")
        assert not any(code >= 500 for code in statuses)
    assert seen["form"][303] > 0 and seen["form"][422] > 0  # stored, and refused with reasons
    assert seen["login"][303] + seen["login"][401] + seen["login"][403] > 0
