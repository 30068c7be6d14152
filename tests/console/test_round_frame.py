"""The round's frame page: volumes and list frames imported from CSV/XLSX through the page,
rejected rows shown by line, column and reason with nothing imported, and scope."""

from __future__ import annotations

import re

from fastapi import FastAPI

from tests.console.helpers import HTML, staff_client
from tests.factories import make_province
from tests.sampling.helpers import audit_actions, in_period, upload, volumes, xlsx

PAGE = "/console/rounds/R2026/frame"
IMPORT = "/console/rounds/R2026/frame/import"
CELL = r"<t[dh][^>]*>(.*?)</t[dh]>"


def cells(page: str, table: str) -> list[list[str]]:
    """The text of each body row's cells of the table with this id."""
    body = re.search(rf'<table class="data" id="{table}">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert body, f"no table {table}"
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    return [
        [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(CELL, row, re.S)]
        for row in rows
    ]


async def test_admin_imports_volumes_and_a_list_frame(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (client, csrf):
        page = await client.get(PAGE, headers=HTML)
        assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
        volumes_csv = "unit;transactions;field\nC11;700;land\nC11;500;justice\nC12;1.300;\n"
        sent = await client.post(
            IMPORT, data={"csrf_token": csrf, "kind": "volumes"}, files=upload(volumes_csv)
        )
        assert sent.status_code == 303, sent.text
        assert sent.headers["location"] == f"{PAGE}?done=volumes-imported"
        shown = await client.get(sent.headers["location"], headers=HTML)
        assert "Đã nhập lượng giao dịch." in shown.text
        rows = cells(shown.text, "volumes")
        assert rows[0][1:] == ["1.200", "justice: 500; land: 700"] and rows[1][1] == "1.300"
        header = [["dossier", "unit", "field", "completed_on"]]
        listed = [[f"HS-{i}", "C11" if i < 4 else "C21", "land", in_period(i)] for i in range(6)]
        workbook = upload(xlsx(header + listed), "dossiers.xlsx")
        sent = await client.post(
            IMPORT, data={"csrf_token": csrf, "kind": "dossiers"}, files=workbook
        )
        assert sent.status_code == 303, sent.text
        shown = (await client.get(sent.headers["location"], headers=HTML)).text
        assert "Đã nhập danh sách hồ sơ." in shown
        assert [r[:3] for r in cells(shown, "dossiers")] == [
            ["C11", "land", "4"],
            ["C21", "land", "2"],
        ]
    assert await volumes(app) == {"C11": 1200, "C12": 1300, "C21": 300}
    assert (await audit_actions(app))[-1] == "dossiers.import"


async def test_rejected_rows_are_listed_and_nothing_is_imported(app: FastAPI):
    await make_province(app)
    bad = "unit,transactions\nC11,12a\nC99,5\nC12,40\nC12,41\n"
    async with staff_client(app, "a@x.vn", [("admin", "P")]) as (client, csrf):
        refused = await client.post(
            IMPORT, data={"csrf_token": csrf, "kind": "volumes"}, files=upload(bad)
        )
        assert refused.status_code == 422
        assert "3 dòng bị từ chối trong 4 dòng đã đọc: chưa nhập dòng nào." in refused.text
        assert cells(refused.text, "rejected") == [
            ["2", "transactions", "không phải số nguyên không âm"],
            ["3", "unit", "không có đơn vị mã C99"],
            ["5", "field", "đơn vị C12, lĩnh vực “” đã có ở dòng 4"],
        ]
        assert 'value="volumes" checked' in refused.text  # the choice is kept
        client.cookies.set("sipas_lang", "en")
        english = await client.post(
            IMPORT, data={"csrf_token": csrf, "kind": "dossiers"}, files=upload("dossier,unit\n")
        )
        assert (
            english.status_code == 422
            and "The file was refused: nothing was imported." in english.text
        )
        assert cells(english.text, "rejected") == [["1", "completed_on", "missing column"]]
        no_file = await client.post(IMPORT, data={"csrf_token": csrf, "kind": "volumes"})
        assert no_file.status_code == 422 and 'href="#f-file"' in no_file.text
        no_kind = await client.post(
            IMPORT, data={"csrf_token": csrf, "kind": "x"}, files=upload(bad)
        )
        assert no_kind.status_code == 422 and 'href="#f-kind"' in no_kind.text
    assert await volumes(app) == {"C11": 1000, "C12": 500, "C21": 300}


async def test_frame_page_follows_scope_and_role(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "d2@x.vn", [("admin", "D2")]) as (client, csrf):
        assert (await client.get(PAGE, headers=HTML)).status_code == 403
        foreign = await client.post(
            IMPORT,
            data={"csrf_token": csrf, "kind": "volumes"},
            files=upload("unit,transactions\nC21,1\n"),
        )
        assert foreign.status_code == 403
    async with staff_client(app, "v@x.vn", [("viewer", "P")]) as (client, csrf):
        page = await client.get(PAGE, headers=HTML)
        assert page.status_code == 200 and "frame/import" not in page.text
        assert "Chỉ người quản trị" in page.text
        sent = await client.post(
            IMPORT,
            data={"csrf_token": csrf, "kind": "volumes"},
            files=upload("unit,transactions\nC21,1\n"),
        )
        assert sent.status_code == 403
    async with staff_client(app, "m@x.vn", [("admin", "P")]) as (client, _):
        forged = await client.post(
            IMPORT,
            data={"csrf_token": "forged", "kind": "volumes"},
            files=upload("unit,transactions\nC21,1\n"),
        )
        assert forged.status_code == 403
    assert (await volumes(app))["C21"] == 300
