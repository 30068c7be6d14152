"""Sign-in, cookies, throttle, expiry, logout, password change and reset, CSRF."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, update

from app.models import UserSession
from app.models.base import utcnow
from tests.auth_helpers import csrf_of, hidden, sign_in
from tests.factories import PASSWORD, make_province, make_user


async def session_count(app: FastAPI) -> int:
    async with app.state.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(UserSession)) or 0)


async def test_sign_in_sets_a_safe_cookie(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    await make_user(app, "an@x.vn", [("admin", "P")])
    answer = await sign_in(client, "AN@x.vn ")  # case and spaces do not matter
    assert answer.status_code == 303 and answer.headers["location"] == "/account"
    cookie = next(h for h in answer.headers.get_list("set-cookie") if "sipas_session=" in h)
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered
    assert "secure" in lowered  # the test settings serve over https
    assert (await client.get("/admin/users")).status_code == 200


async def test_failure_message_does_not_reveal_the_account(app: FastAPI, client: httpx.AsyncClient):
    await make_user(app, "an@x.vn")
    wrong_password = await sign_in(client, "an@x.vn", "not the password")
    no_account = await sign_in(client, "ghost@x.vn", "not the password")
    assert wrong_password.status_code == no_account.status_code == 400
    message = "Email/tên đăng nhập hoặc mật khẩu không đúng."
    assert message in wrong_password.text and message in no_account.text
    assert await session_count(app) == 0


async def test_login_is_throttled_per_account(app: FastAPI, client: httpx.AsyncClient):
    await make_user(app, "an@x.vn")
    for _ in range(5):
        assert (await sign_in(client, "an@x.vn", "wrong-password")).status_code == 400
    blocked = await sign_in(client, "an@x.vn")  # even the right password, for now
    assert blocked.status_code == 429 and "thử lại sau" in blocked.text
    assert await session_count(app) == 0


async def test_login_is_throttled_per_client(app: FastAPI, client: httpx.AsyncClient):
    await make_user(app, "an@x.vn")
    for i in range(20):
        await sign_in(client, f"guess{i}@x.vn", "wrong-password")
    assert (await sign_in(client, "an@x.vn")).status_code == 429


async def test_login_without_its_csrf_cookie_is_refused(app: FastAPI, client: httpx.AsyncClient):
    await make_user(app, "an@x.vn")
    page = await client.get("/login")
    token = hidden(page.text, "csrf_token")
    client.cookies.clear()
    forged = await client.post(
        "/login", data={"login": "an@x.vn", "password": PASSWORD, "csrf_token": token}
    )
    assert forged.status_code == 403
    assert await session_count(app) == 0


async def test_staff_forms_refuse_a_missing_or_wrong_csrf_token(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_user(app, "an@x.vn")
    await sign_in(client, "an@x.vn")
    assert (await client.post("/logout", data={})).status_code == 403
    assert (await client.post("/logout", data={"csrf_token": "nope"})).status_code == 403
    assert await session_count(app) == 1
    ok = await client.post("/logout", data={"csrf_token": await csrf_of(client)})
    assert ok.status_code == 303


async def test_logout_ends_the_session_for_a_replayed_cookie(
    app: FastAPI, client: httpx.AsyncClient
):
    await make_user(app, "an@x.vn")
    await sign_in(client, "an@x.vn")
    stolen = client.cookies.get("sipas_session")
    await client.post("/logout", data={"csrf_token": await csrf_of(client)})
    assert await session_count(app) == 0
    client.cookies.set("sipas_session", stolen or "")
    answer = await client.get("/account/password", headers={"accept": "text/html"})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


async def test_idle_and_absolute_expiry(app: FastAPI, client: httpx.AsyncClient, settings):
    await make_user(app, "an@x.vn")
    await sign_in(client, "an@x.vn")
    assert (await client.get("/account/password")).status_code == 200

    idle = utcnow() - timedelta(minutes=settings.session_idle_minutes, seconds=1)
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(update(UserSession).values(last_seen_at=idle))
    assert (await client.get("/account/password")).status_code in (303, 401)

    await sign_in(client, "an@x.vn")
    async with app.state.db.write_sessions.begin() as session:
        await session.execute(update(UserSession).values(expires_at=utcnow()))
    assert (await client.get("/account/password")).status_code in (303, 401)


async def test_sessions_live_in_the_database_so_replicas_agree(
    app: FastAPI, settings, client: httpx.AsyncClient
):
    from app.main import create_app

    await make_user(app, "an@x.vn")
    await sign_in(client, "an@x.vn")
    other = create_app(settings)  # a second replica on the same database
    async with (
        other.router.lifespan_context(other),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=other),
            base_url="https://testserver",
            cookies=client.cookies,
        ) as replica,
    ):
        assert (await replica.get("/account/password")).status_code == 200
        await replica.post("/logout", data={"csrf_token": await csrf_of(replica)})
    assert (await client.get("/account/password")).status_code in (303, 401)


async def test_password_change(app: FastAPI, client: httpx.AsyncClient):
    await make_user(app, "an@x.vn")
    await sign_in(client, "an@x.vn")
    csrf = await csrf_of(client)
    wrong = await client.post(
        "/account/password", data={"csrf_token": csrf, "current": "nope", "new": "x" * 12}
    )
    assert wrong.status_code == 400 and "không đúng" in wrong.text
    short = await client.post(
        "/account/password", data={"csrf_token": csrf, "current": PASSWORD, "new": "short"}
    )
    assert short.status_code == 400 and "10 ký tự" in short.text
    done = await client.post(
        "/account/password",
        data={"csrf_token": csrf, "current": PASSWORD, "new": "a brand new secret"},
    )
    assert done.status_code == 303 and await session_count(app) == 0
    assert (await sign_in(client, "an@x.vn")).status_code == 400
    assert (await sign_in(client, "an@x.vn", "a brand new secret")).status_code == 303


async def test_admin_reset_forces_a_new_password(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    await make_user(app, "admin@x.vn", [("admin", "D1")])
    clerk = await make_user(app, "clerk@x.vn", [("viewer", "C11")])
    boss = await make_user(app, "boss@x.vn", [("admin", "P")])
    await sign_in(client, "admin@x.vn")
    csrf = await csrf_of(client)
    reset = await client.post(
        f"/admin/users/{clerk}/reset", data={"csrf_token": csrf, "temporary": "temporary-pass-1"}
    )
    assert reset.status_code == 303
    # A district admin cannot take over the province admin's account.
    refused = await client.post(
        f"/admin/users/{boss}/reset", data={"csrf_token": csrf, "temporary": "temporary-pass-1"}
    )
    assert refused.status_code == 403

    async with httpx.AsyncClient(transport=client._transport, base_url="https://testserver") as c:
        landed = await sign_in(c, "clerk@x.vn", "temporary-pass-1")
        assert landed.headers["location"] == "/account/password"
        blocked = await c.get("/api/v1/rounds")
        assert blocked.status_code == 403
        assert blocked.json()["error"]["code"] == "password_change_required"
        page = await c.get("/admin/users", headers={"accept": "text/html"})
        assert page.status_code == 303 and page.headers["location"] == "/account/password"
