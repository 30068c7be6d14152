"""Console errors are pages of the console: the human message (in the user's language) inside
the layout, with ways back; a refused form comes back with the message at its field."""

from __future__ import annotations

from fastapi import FastAPI

from tests.comment_factories import comment_of, respond
from tests.console.helpers import HTML, staff_client
from tests.factories import make_province

NAV = '<nav class="nav"'


def no_dump(text: str) -> bool:
    """Nothing of the validator's own report reaches the page."""
    return not any(s in text for s in ("validation error", "int_parsing", "'type':", "Traceback"))


async def test_exclude_without_a_reason_shows_the_form_again(app: FastAPI):
    province = await make_province(app)
    rid = await respond(app, province, "C11", "Góp ý")
    async with staff_client(app, "m@x.vn", [("manager", "D1")]) as (staff, csrf):
        url = f"/console/responses/{rid}"
        blank = await staff.post(f"{url}/exclude", data={"csrf_token": csrf, "reason": "   "})
        assert blank.status_code == 422 and no_dump(blank.text)
        assert '<p class="err" id="e-reason">Vui lòng ghi lý do loại phiếu.</p>' in blank.text
        assert 'aria-invalid="true"' in blank.text and NAV in blank.text
        assert 'href="/console/responses"' in blank.text  # back to the list
        assert "Loại phiếu" in blank.text  # the form is there to try again
        staff.cookies.set("sipas_lang", "en")
        english = await staff.post(f"{url}/exclude", data={"csrf_token": csrf, "reason": ""})
        assert "Please give the reason for excluding the response." in english.text
        staff.cookies.delete("sipas_lang")
        too_long = await staff.post(
            f"{url}/exclude", data={"csrf_token": csrf, "reason": "x" * 2001}
        )
        assert too_long.status_code == 422 and "Tối đa 2000 ký tự." in too_long.text
        assert no_dump(too_long.text)
        excluded = await staff.post(f"{url}/exclude", data={"csrf_token": csrf, "reason": "Trùng"})
        assert excluded.status_code == 303


async def test_a_refusal_without_a_field_is_a_console_page_with_ways_back(app: FastAPI):
    province = await make_province(app)
    rid = await respond(app, province, "C11", "Góp ý")
    async with staff_client(app, "m@x.vn", [("manager", "D1")]) as (staff, csrf):
        url = f"/console/responses/{rid}"
        data = {"csrf_token": csrf, "reason": "Trùng"}
        assert (await staff.post(f"{url}/exclude", data=data)).status_code == 303
        again = await staff.post(
            f"{url}/exclude", data=data, headers={"referer": f"https://testserver{url}"}
        )
        assert again.status_code == 409 and no_dump(again.text)
        assert "Phiếu này đã bị loại khỏi thống kê." in again.text and NAV in again.text
        assert f'href="{url}"' in again.text  # back where the form was
        assert 'href="/console/responses">Về trang Phiếu trả lời' in again.text
        foreign = await staff.post(
            f"{url}/exclude", data=data, headers={"referer": "https://evil.example/x"}
        )
        assert "evil.example" not in foreign.text
        staff.cookies.set("sipas_lang", "en")
        english = await staff.post(f"{url}/exclude", data=data)
        assert "This response is already excluded" in english.text
        assert "Back to Responses" in english.text


async def test_a_malformed_query_is_explained_not_dumped(app: FastAPI):
    await make_province(app)
    async with staff_client(app, "v@x.vn", [("viewer", "D1")]) as (staff, _):
        bad = await staff.get("/console/responses?before=abc", headers=HTML)
        assert bad.status_code == 422 and no_dump(bad.text) and NAV in bad.text
        assert "Một số mục gửi lên bị thiếu hoặc không hợp lệ." in bad.text
        assert 'href="/console/responses">Về trang Phiếu trả lời' in bad.text


async def test_comment_forms_show_their_refusals_at_the_field(app: FastAPI):
    province = await make_province(app)
    cid = await comment_of(app, await respond(app, province, "C11", "Góp ý"))
    async with staff_client(app, "m@x.vn", [("manager", "D1")]) as (staff, csrf):
        url = f"/console/comments/{cid}"
        nobody = await staff.post(f"{url}/assign", data={"csrf_token": csrf, "assignee_id": ""})
        assert nobody.status_code == 422 and no_dump(nobody.text) and NAV in nobody.text
        assert '<p class="err" id="e-assignee_id">Vui lòng chọn người xử lý.</p>' in nobody.text
        assert 'href="/console/comments"' in nobody.text
        garbled = await staff.post(f"{url}/assign", data={"csrf_token": csrf, "assignee_id": "x"})
        assert garbled.status_code == 422 and "Giá trị không hợp lệ." in garbled.text
        assert no_dump(garbled.text)
        blank = await staff.post(f"{url}/reply", data={"csrf_token": csrf, "reply": "  \n "})
        assert blank.status_code == 422 and no_dump(blank.text)
        assert '<p class="err" id="e-reply">Vui lòng nhập nội dung trả lời.</p>' in blank.text
        staff.cookies.set("sipas_lang", "en")
        english = await staff.post(f"{url}/reply", data={"csrf_token": csrf, "reply": ""})
        assert "Please enter the reply." in english.text
        assert "Vui lòng" not in english.text
