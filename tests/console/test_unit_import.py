"""Units page: import a CSV or XLSX file — preview (a dry run), confirm (all or nothing), every
rejected row named by line and column, the file carried signed between the two steps."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from app.console.unit_import import MAX_FILE_BYTES
from tests.console.helpers import HTML, staff_client
from tests.factories import make_province
from tests.imports.test_units_import import GOOD, parents, unit_count
from tests.reporting.helpers import audit_actions
from tests.sampling.helpers import xlsx

URL = "/console/units/import"


async def upload(
    client: httpx.AsyncClient, csrf: str, data: bytes, name: str = "units.csv"
) -> httpx.Response:
    files = {"file": (name, data, "text/csv")}
    return await client.post(URL, data={"csrf_token": csrf}, files=files, headers=HTML)


def sealed_of(page: str) -> str:
    found = re.search(r'name="sealed" value="([^"]+)"', page)
    assert found, "the preview offers no confirmation"
    return found.group(1)


def table(page: str, table_id: str) -> list[list[str]]:
    """The text of each body row's cells of the table with this id."""
    body = re.search(rf'<table class="data" id="{table_id}">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert body, table_id
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    return [[" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in row] for row in cells]


async def test_preview_lists_the_changes_then_confirm_writes_them(app: FastAPI):
    await make_province(app)
    before = await unit_count(app)
    async with staff_client(app, "p@x.vn", [("admin", "P")]) as (client, csrf):
        preview = await upload(client, csrf, GOOD.encode())
        assert preview.status_code == 200, preview.text
        assert await unit_count(app) == before  # a preview writes nothing
        changes = table(preview.text, "changes")
        assert [row[:3] for row in changes] == [
            ["2", "C13", "Tạo mới"],
            ["3", "D3", "Tạo mới"],
            ["4", "C31", "Tạo mới"],
            ["5", "C11", "Cập nhật trước đây: Đơn vị C11 · counter · D1"],  # what C11 was
        ]
        assert changes[3][3:] == ["Quầy C11 (đổi tên)", "counter", "D1"]
        assert "Sẽ tạo mới 3, cập nhật 1, giữ nguyên 0 đơn vị." in preview.text
        confirmed = await client.post(
            URL, data={"csrf_token": csrf, "sealed": sealed_of(preview.text)}
        )
        assert confirmed.status_code == 303
        assert confirmed.headers["location"] == "/console/units?done=units-imported"
        shown = await client.get(confirmed.headers["location"], headers=HTML)
        assert "Đã nhập các đơn vị từ tệp." in shown.text and "<code>C31</code>" in shown.text
        again = await upload(client, csrf, GOOD.encode())
    assert await unit_count(app) == before + 3
    assert (await parents(app))["C31"] == "D3"
    assert await audit_actions(app, "unit.import") == 1
    assert "Tệp không thay đổi đơn vị nào." in again.text and 'name="sealed"' not in again.text


async def test_an_xlsx_file_is_previewed_and_imported(app: FastAPI):
    await make_province(app)
    data = xlsx(
        [
            ["code", "name", "level", "parent"],
            [2027, "Quầy số", "counter", "D1"],  # a number typed as a code
            [None, None, None, None],  # an empty row
            ["C14", "Quầy C14", "counter", "D1"],
            ["C15", "Quầy C15", "counter"],  # the parent cell left empty: a top unit
        ]
    )
    async with staff_client(app, "root@x.vn", superadmin=True) as (client, csrf):
        preview = await upload(client, csrf, data, "units.xlsx")
        assert preview.status_code == 200, preview.text
        assert [row[:2] for row in table(preview.text, "changes")] == [
            ["2", "2027"],
            ["4", "C14"],
            ["5", "C15"],
        ]
        sealed = sealed_of(preview.text)
        confirmed = await client.post(URL, data={"csrf_token": csrf, "sealed": sealed})
        assert confirmed.status_code == 303
    found = await parents(app)
    assert (found["2027"], found["C14"], found["C15"]) == ("D1", "D1", None)


BAD_FILES = [
    ("code,name,level\nC13,X,counter\n", [["1", "Đơn vị cấp trên", "Thiếu cột bắt buộc."]]),
    (
        "code,name,level,parent\nC13,X,counter,NOWHERE\n",
        [["2", "Đơn vị cấp trên", "Không có đơn vị cấp trên NOWHERE."]],
    ),
    (
        "code,name,level,parent\nC13,X,counter,D1\nC13,Y,counter,D1\n",
        [["3", "Mã", "C13 đã có ở dòng 2."]],
    ),
    (
        "code,name,level,parent,phone\nC13,X,counter,D1,1\n",
        [["1", "phone", "Cột không được hỗ trợ."]],
    ),
]


async def test_bad_files_list_every_rejected_row_and_write_nothing(app: FastAPI):
    await make_province(app)
    before = await unit_count(app)
    async with staff_client(app, "p@x.vn", [("admin", "P")]) as (client, csrf):
        for text, rejected in BAD_FILES:
            answer = await upload(client, csrf, text.encode())
            assert answer.status_code == 422, text
            assert table(answer.text, "rejected") == rejected, text
            assert 'name="sealed"' not in answer.text and 'type="file"' in answer.text
        client.cookies.set("sipas_lang", "en")
        answer = await upload(client, csrf, BAD_FILES[1][0].encode())
        assert table(answer.text, "rejected") == [["2", "Parent unit", "unknown parent NOWHERE"]]
        client.cookies.set("sipas_lang", "vi")
        latin = await upload(client, csrf, "code,name,level,parent\nA,Ré,x,D1\n".encode("latin-1"))
        assert latin.status_code == 422 and "UTF-8" in latin.text
        xls = await upload(client, csrf, b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old.xls")
        assert xls.status_code == 422 and ".xlsx" in xls.text
    assert await unit_count(app) == before
    assert await audit_actions(app, "unit.import") == 0


async def test_a_missing_or_too_large_file_is_refused_on_the_form(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "p@x.vn", [("admin", "P")]) as (client, csrf):
        large = b"code,name,level,parent\n" + b"X" * MAX_FILE_BYTES
        too_large = await upload(client, csrf, large)
        no_file = await client.post(URL, data={"csrf_token": csrf}, files={"x": ("", b"")})
        page = await client.get(URL, headers=HTML)
    assert too_large.status_code == 422 and "Tệp lớn hơn 512 KB." in too_large.text
    assert no_file.status_code == 422 and "Vui lòng chọn tệp CSV hoặc XLSX." in no_file.text
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text


async def test_a_tampered_foreign_or_stale_preview_is_refused(app: FastAPI):
    await make_province(app)
    before = await unit_count(app)
    async with staff_client(app, "p@x.vn", [("admin", "P")]) as (client, csrf):
        sealed = sealed_of((await upload(client, csrf, GOOD.encode())).text)
    async with staff_client(app, "q@x.vn", [("admin", "P")]) as (other, other_csrf):
        foreign = await other.post(URL, data={"csrf_token": other_csrf, "sealed": sealed})
        value, signature = sealed.rsplit(".", 1)
        forged = f"{value[:-4]}AAAA.{signature}"
        tampered = await other.post(URL, data={"csrf_token": other_csrf, "sealed": forged})
    for answer in (foreign, tampered):
        assert answer.status_code == 422 and "Bản xem trước đã hết hạn" in answer.text
    assert await unit_count(app) == before


async def test_the_scope_is_checked_on_preview_and_on_confirm(app: FastAPI):
    """A D1 admin's file may not touch D2; a valid preview is checked again when confirmed
    (here its parent unit was moved out of the admin's scope meanwhile)."""
    await make_province(app)
    async with staff_client(app, "d1@x.vn", [("admin", "D1")]) as (client, csrf):
        outside = await upload(client, csrf, b"code,name,level,parent\nC22,X,counter,D2\n")
        assert outside.status_code == 422
        assert table(outside.text, "rejected") == [
            ["2", "Đơn vị cấp trên", "Đơn vị cấp trên này nằm ngoài phạm vi quản trị của bạn."]
        ]
        preview = await upload(client, csrf, b"code,name,level,parent\nC13,X,counter,C12\n")
        sealed = sealed_of(preview.text)
        async with staff_client(app, "root@x.vn", superadmin=True) as (root, root_csrf):
            form = {"csrf_token": root_csrf, "name": "C12", "level": "counter", "parent": "D2"}
            assert (await root.post("/console/units/C12", data=form)).status_code == 303
        late = await client.post(URL, data={"csrf_token": csrf, "sealed": sealed}, headers=HTML)
    assert late.status_code == 422 and 'id="rejected"' in late.text
    assert (await parents(app)).get("C13") is None


async def test_import_is_for_admins_with_a_csrf_token(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "v@x.vn", [("viewer", "P")]) as (client, csrf):
        assert (await client.get(URL, headers=HTML)).status_code == 403
        assert (await upload(client, csrf, GOOD.encode())).status_code == 403
    async with staff_client(app, "p@x.vn", [("admin", "P")]) as (client, _):
        forged = await upload(client, "forged", GOOD.encode())
        assert forged.status_code == 403
