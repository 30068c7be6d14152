"""Users page: create accounts, grant and revoke roles, deactivate and reactivate, in scope."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from tests.auth_helpers import sign_in
from tests.console.helpers import HTML, staff_client
from tests.factories import make_province, make_user


def other_client(client: httpx.AsyncClient) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=client._transport, base_url="https://testserver")


def new_user(csrf: str, **fields: str) -> dict[str, str]:
    base = {"csrf_token": csrf, "email": "new@x.vn", "name": "Lê Văn Mới", "role": "viewer"}
    return {**base, "unit": "C11", **fields}


async def test_admin_creates_an_account_with_a_password_shown_once(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "d1@x.vn", [("admin", "D1")]) as (admin, csrf):
        page = (await admin.get("/admin/users", headers=HTML)).text
        assert 'action="/admin/users"' in page
        assert '<option value="C11"' in page and '<option value="C21"' not in page
        created = await admin.post("/admin/users", data=new_user(csrf))
        assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
        shown = re.search(r'<code class="secret" id="new-password">([^<]+)</code>', created.text)
        assert shown is not None
        password = shown.group(1)
        listing = (await admin.get("/admin/users", headers=HTML)).text
        assert "new@x.vn" in listing and "Lê Văn Mới" in listing and password not in listing
        audit = (await admin.get("/console/audit?action=user", headers=HTML)).text
        assert "user.create" in audit and "user.grant" in audit
        async with other_client(admin) as newcomer:
            landed = await sign_in(newcomer, "new@x.vn", password)
            assert landed.headers["location"] == "/account/password"  # must choose their own

        typed = await admin.post(
            "/admin/users", data=new_user(csrf, email="typed@x.vn", password="a chosen secret")
        )
        assert typed.status_code == 303
        assert re.fullmatch(r"/admin/users/\d+\?done=user-created", typed.headers["location"])
        after = (await admin.get(typed.headers["location"], headers=HTML)).text
        assert "Đã tạo tài khoản." in after and 'id="new-password"' not in after


async def test_create_refusals_are_shown_in_the_form(app: FastAPI):
    await make_province(app)
    await make_user(app, "taken@x.vn", [("viewer", "C11")])
    async with staff_client(app, "d1@x.vn", [("admin", "D1")]) as (admin, csrf):
        cases = [
            ({"email": "TAKEN@x.vn"}, "Đã có tài khoản dùng email hoặc tên đăng nhập này."),
            ({"email": "not-an-address"}, "Vui lòng nhập một địa chỉ email hợp lệ."),
            ({"password": "short-pw"}, "Mật khẩu cần ít nhất 10 ký tự."),
            ({"unit": "C21"}, "Vui lòng chọn một giá trị trong danh sách."),
            ({"role": ""}, "Vui lòng điền mục này."),
            ({"role": "owner"}, "Vui lòng chọn một giá trị trong danh sách."),
        ]
        for fields, message in cases:
            refused = await admin.post("/admin/users", data=new_user(csrf, **fields))
            assert refused.status_code == 422, fields
            assert message in refused.text and 'aria-invalid="true"' in refused.text, fields
            assert "short-pw" not in refused.text  # a password is never echoed back
            assert 'value="Lê Văn Mới"' in refused.text  # the rest is kept
        forged = await admin.post("/admin/users", data=new_user("forged"))
        assert forged.status_code == 403
        assert "new@x.vn" not in (await admin.get("/admin/users", headers=HTML)).text
    async with staff_client(app, "v@x.vn", [("viewer", "D1")]) as (viewer, csrf):
        assert (await viewer.post("/admin/users", data=new_user(csrf))).status_code == 403
        assert (await viewer.get("/admin/users", headers=HTML)).status_code == 403


async def test_grant_revoke_deactivate_and_reactivate(app: FastAPI):
    await make_province(app)
    clerk = await make_user(app, "clerk@x.vn", [("viewer", "C11")])
    async with staff_client(app, "d1@x.vn", [("admin", "D1")]) as (admin, csrf):
        url = f"/admin/users/{clerk}"
        granted = await admin.post(
            f"{url}/grant", data={"csrf_token": csrf, "role": "manager", "unit": "C12"}
        )
        assert (
            granted.status_code == 303 and granted.headers["location"] == f"{url}?done=role-granted"
        )
        page = (await admin.get(granted.headers["location"], headers=HTML)).text
        assert "Đã cấp quyền." in page and "Quản lý @" in page and "<code>C12</code>" in page
        outside = await admin.post(
            f"{url}/grant", data={"csrf_token": csrf, "role": "admin", "unit": "D2"}
        )
        assert outside.status_code == 422
        assert "Vui lòng chọn một giá trị trong danh sách." in outside.text
        revoke = {"csrf_token": csrf, "role": "manager", "unit": "C12"}
        assert (await admin.post(f"{url}/revoke", data=revoke)).status_code == 303
        assert "<code>C12</code>" not in (await admin.get(url, headers=HTML)).text
        assert (await admin.post(f"{url}/revoke", data=revoke)).status_code == 404

        async with other_client(admin) as clerk_client:
            await sign_in(clerk_client, "clerk@x.vn")
            assert (await clerk_client.get("/console/overview", headers=HTML)).status_code == 200
            locked = await admin.post(f"{url}/deactivate", data={"csrf_token": csrf})
            assert locked.status_code == 303
            assert "Đã khóa" in (await admin.get("/admin/users", headers=HTML)).text
            ended = await clerk_client.get("/console/overview", headers=HTML)
            assert ended.status_code == 303 and ended.headers["location"].startswith("/login")
            assert (await sign_in(clerk_client, "clerk@x.vn")).status_code == 400
            reopened = await admin.post(f"{url}/reactivate", data={"csrf_token": csrf})
            assert reopened.status_code == 303
            assert (await sign_in(clerk_client, "clerk@x.vn")).status_code == 303
        audit = (await admin.get("/console/audit?action=user", headers=HTML)).text
        for action in ("user.grant", "user.revoke", "user.deactivate", "user.reactivate"):
            assert action in audit, action
        no_csrf = await admin.post(f"{url}/deactivate", data={})
        assert no_csrf.status_code == 403


async def test_accounts_beyond_ones_scope_are_refused(app: FastAPI):
    await make_province(app)
    wide = await make_user(app, "wide@x.vn", [("viewer", "C11"), ("viewer", "C21")])
    other = await make_user(app, "other@x.vn", [("viewer", "C21")])
    async with staff_client(app, "d1@x.vn", [("admin", "D1")]) as (admin, csrf):
        me = re.search(r'href="/admin/users/(\d+)">d1@x.vn<', await _listing(admin))
        assert me is not None
        self_lock = await admin.post(
            f"/admin/users/{me.group(1)}/deactivate", data={"csrf_token": csrf}
        )
        assert self_lock.status_code == 403
        # wide@ holds a role in D2 too: visible, its roles in D1 can change, not its account.
        page = await admin.get(f"/admin/users/{wide}", headers=HTML)
        assert page.status_code == 200 and "/deactivate" not in page.text
        assert f"/admin/users/{wide}/revoke" in page.text
        for action in ("deactivate", "reset"):
            data = {"csrf_token": csrf, "temporary": "temporary-pass-1"}
            refused = await admin.post(f"/admin/users/{wide}/{action}", data=data)
            assert refused.status_code == 403 and "ngoài phạm vi" in refused.text
        foreign = {"csrf_token": csrf, "role": "viewer", "unit": "C21"}
        assert (await admin.post(f"/admin/users/{wide}/revoke", data=foreign)).status_code == 403
        assert (await admin.get(f"/admin/users/{other}", headers=HTML)).status_code == 403
        grant = {"csrf_token": csrf, "role": "viewer", "unit": "C11"}
        assert (await admin.post(f"/admin/users/{other}/grant", data=grant)).status_code == 403
        short = await admin.post(
            f"/admin/users/{me.group(1)}/reset", data={"csrf_token": csrf, "temporary": "short"}
        )
        assert short.status_code == 422 and "Mật khẩu cần ít nhất 10 ký tự." in short.text


async def _listing(client: httpx.AsyncClient) -> str:
    return (await client.get("/admin/users", headers=HTML)).text
