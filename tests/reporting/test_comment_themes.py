"""Comments' themes from their content: a Vietnamese lexicon matched with or without accents;
the report document counts comments per theme with one masked example."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.comments.themes import classify, fold
from app.models import Comment
from tests.comment_factories import respond, sync
from tests.factories import make_province
from tests.reporting.helpers import staff_client
from tests.reporting.test_report_document import DOC, docx_text

# (text, theme): with and without accents, mixed case, several themes in one comment.
FIXTURES = [
    ("Cán bộ hướng dẫn tận tình, thủ tục nhanh hơn lần trước.", "staff"),
    ("can bo thai do hach dich, CAU GAT voi nguoi dan", "staff"),
    ("Phải chờ đợi quá lâu, trả kết quả trễ hẹn 3 ngày.", "waiting"),
    ("xep hang cho lau qua", "waiting"),
    ("Đề nghị niêm yết rõ phí, lệ phí ngay tại quầy.", "fees"),
    ("Bi doi tien boi duong moi lam nhanh. Goi 0912 345 678", "fees"),
    ("Hồ sơ bị trả lại hai lần vì thiếu giấy tờ.", "procedures"),
    ("thu tuc ruom ra, phuc tap", "procedures"),
    ("Phòng chờ chật chội, thiếu ghế ngồi.", "facilities"),
    ("Cổng dịch vụ công trực tuyến hay bị lỗi khi tải tệp lên.", "online"),
    ("Rất hài lòng, cảm ơn Bộ phận Một cửa.", "other"),
    ("Cho tôi hỏi xã Tân Tiến ở đâu", "other"),  # "cho", "Tiến": not "chờ", not "tiền"
]


@pytest.mark.parametrize(("text", "theme"), FIXTURES)
def test_a_comment_is_classified_by_its_content(text: str, theme: str):
    assert classify(text) == theme


def test_folding_ignores_accents_case_and_punctuation():
    folded = " thu tuc ruom ra dong "
    assert fold("Thủ tục RƯỜM RÀ, đông!") == fold("thu tuc ruom ra dong") == folded
    assert classify(None) == classify("") == "other"


async def test_the_document_counts_comments_by_theme_with_a_masked_example(
    app: FastAPI, client: httpx.AsyncClient
):
    province = await make_province(app, status="closed")
    for text, _ in FIXTURES:
        await respond(app, province, "C11", text)
    assert await sync(app) == len(FIXTURES)
    async with app.state.db.sessions() as session:
        stored = (await session.scalars(select(Comment.theme).order_by(Comment.id))).all()
    assert stored == [theme for _, theme in FIXTURES]  # set when the comment was made

    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    answer = await client.get(DOC, params={"unit": "D1", "format": "docx"})
    assert answer.status_code == 200, answer.text
    text = docx_text(answer.content)
    rows = {line.split(" | ")[0]: line.split(" | ")[1:] for line in text.splitlines()}
    assert rows["Thái độ, hướng dẫn của cán bộ"][0] == "2"
    assert rows["Thời gian chờ, trễ hẹn"][0] == "2"
    assert rows["Ý kiến khác"][0] == "2"
    assert rows["Dịch vụ công trực tuyến"] == ["1", FIXTURES[9][0]]
    fees = rows["Phí, lệ phí, khoản chi ngoài quy định"]
    assert fees[0] == "2" and fees[1].startswith("Bi doi tien boi duong")  # the latest one
    assert "09******78" in fees[1] and "345 678" not in text  # masked
    assert "Chủ đề | Số ý kiến | Ví dụ" in text

    english = docx_text((await client.get(DOC, params={"unit": "D1", "lang": "en"})).content)
    assert "Theme | Comments | Example" in english
    assert "Fees and extra payments | 2 |" in english and "Online public services | 1 |" in english
