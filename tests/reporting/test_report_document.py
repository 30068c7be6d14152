"""The report document: DOCX read back by python-docx and PDF rendered by pdftoppm, both
holding the API's figures of the same revision, its hash, and Vietnamese without a missing
glyph."""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import anyio
import docx
import httpx
import pypdfium2
import pytest
from fastapi import FastAPI

from app.reporting.document.blocks import Paragraph
from app.reporting.document.pdf import to_pdf
from app.reporting.numbers import shown
from tests.comment_factories import respond as respond_with_text
from tests.comment_factories import sync
from tests.factories import add_response, make_province, province_today, ratings
from tests.improvement.helpers import computed, plan
from tests.reporting.helpers import add_round, respond, staff_client

LAST_YEAR = province_today() - timedelta(days=365)
DOC = "/api/v1/rounds/R2026/report-document"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def seed_published(app: FastAPI, client: httpx.AsyncClient) -> str:
    """R2025 (C12 100 %, C11 50 %) and R2026 closed (C11 and C12 100 %, C21 0 %), with bands,
    targets, a comment, frozen as revision 1; its content hash."""
    province = await make_province(app, status="closed")
    earlier = await add_round(
        app, province, "R2025", LAST_YEAR, {"C11": 1000, "C12": 500, "C21": 300}
    )
    for unit, level in [("C11", 5), ("C11", 2), ("C12", 5), ("C21", 2)]:
        await respond(app, earlier, unit, ratings({}, default=level))
    for unit, level in [("C12", 4), ("C21", 1)]:
        await add_response(app, province, unit, ratings({}, default=level))
    await respond_with_text(app, province, "C11", "Cán bộ hướng dẫn tận tình, chu đáo")
    assert await sync(app) == 1
    await staff_client(app, client, "admin@x.vn", [("admin", "P")])
    bands = [
        {"label": "Tốt", "min": 90},
        {"label": "Khá", "min": 50},
        {"label": "Yếu", "min": None},
    ]
    assert (await client.put("/api/v1/rounds/R2026/bands", json={"bands": bands})).is_success
    targets = [{"unit": "D1", "value": 80}, {"unit": "D2", "value": 80}]
    assert (await client.put("/api/v1/rounds/R2026/targets", json={"targets": targets})).is_success
    frozen = await client.post("/api/v1/rounds/R2026/freeze", json={"note": "công bố"})
    assert frozen.status_code == 200, frozen.text
    return str(frozen.json()["result"]["content_hash"])


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [" | ".join(c.text for c in row.cells) for row in table.rows]
    parts += [p.text for p in document.sections[0].footer.paragraphs]
    return "\n".join(parts)


def rendered_pages(pdf: bytes, folder: Path) -> list[int]:
    """pdftoppm's PNG of every page: their sizes in bytes."""
    path = folder / "r.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(folder / "p")], check=True)
    return [p.stat().st_size for p in sorted(folder.glob("p-*.png"))]


def figures(report: dict) -> list[str]:
    """The API's figures as the document shows them (one decimal, decimal comma)."""
    shown_ = [shown(report["index"]), shown(report["ci95"][0]) if report["ci95"] else None]
    shown_ += [shown(e["index"]) for e in report["elements"] if e["index"] is not None]
    shown_ += [shown(c["index"]) for c in report["children"] if c["index"] is not None]
    return [s for s in shown_ if s]


async def test_docx_holds_the_apis_figures_of_the_revision_and_its_hash(
    app: FastAPI, client: httpx.AsyncClient
):
    digest = await seed_published(app, client)
    report = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=D1")).json()
    assert report["snapshot"]["content_hash"] == digest
    answer = await client.get(DOC, params={"unit": "D1", "format": "docx"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == DOCX
    assert answer.headers["x-content-sha256"] == digest
    assert 'filename="bao-cao-R2026-D1-r1.docx"' in answer.headers["content-disposition"]
    text = docx_text(answer.content)
    assert "BÁO CÁO KẾT QUẢ KHẢO SÁT SỰ HÀI LÒNG" in text
    assert f"SHA-256 của bản công bố: {digest}" in text and f"SHA-256 {digest}" in text
    for figure in figures(report):
        assert figure in text, figure
    children = {c["code"]: c for c in report["children"]}
    assert children["C11"]["previous"]["rank_change"] == 1
    row = next(line for line in text.splitlines() if "| Đơn vị C11 |" in line)
    assert row.startswith("1 | tăng 1 bậc | Đơn vị C11 | 100,0 |"), row
    assert "So với đợt R2025" in text and "Tốt (từ 90,0%)" in text
    page = await client.get("/console/rounds/R2026/revisions")  # the console's buttons
    assert "/console/rounds/R2026/report-document?format=pdf" in page.text

    province = docx_text((await client.get(DOC, params={"unit": "P"})).content)
    p = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P")).json()
    assert f"đạt {shown(p['index'])}%" in province
    assert p["rank"] is None and p["rank_of"] is None  # the top unit: no peers, no places
    assert "không xếp hạng vì là đơn vị cao nhất của đợt khảo sát" in flat(province)
    assert "không xếp hạng" not in flat(text)  # D1 is ranked among its siblings
    assert "Có 1/2 đơn vị được giao chỉ tiêu chưa đạt:" in province  # D2 at 0 % < 80
    assert "Đã tiếp nhận 1 ý kiến góp ý" in province
    assert "Thái độ, hướng dẫn của cán bộ | 1 | Cán bộ hướng dẫn tận tình, chu đáo" in province


async def test_pdf_renders_with_every_vietnamese_glyph(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    digest = await seed_published(app, client)
    report = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P")).json()
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        answer = await client.get(DOC, params={"format": "pdf"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert not [r for r in caplog.records if "missing" in r.getMessage()]
    sizes = rendered_pages(answer.content, tmp_path)
    assert len(sizes) >= 3 and all(size > 1000 for size in sizes)
    pdf = pypdfium2.PdfDocument(answer.content)
    text = flat(" ".join(page.get_textpage().get_text_range() for page in pdf))
    assert "BÁO CÁO KẾT QUẢ KHẢO SÁT SỰ HÀI LÒNG CỦA NGƯỜI DÂN, TỔ CHỨC" in text
    assert "Độc lập – Tự do – Hạnh phúc" in text
    assert (
        f"Chỉ số hài lòng chung của {report['unit']['name']} đạt {shown(report['index'])}%" in text
    )
    assert digest in text.replace(" ", "")
    for figure in figures(report):
        assert figure in text, figure


def test_a_missing_glyph_is_reported(caplog: pytest.LogCaptureFixture):
    """The check above can fail: DejaVu Sans has no CJK ideographs."""
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        to_pdf([Paragraph("Hà Nội 漢字")], "chân trang", "thử")
    assert any("missing the following glyphs" in r.getMessage() for r in caplog.records)


async def test_the_document_needs_a_reader_of_the_unit(app: FastAPI, client: httpx.AsyncClient):
    await make_province(app)
    assert (await client.get(DOC)).status_code == 401
    await staff_client(app, client, "v@x.vn", [("viewer", "D2")])
    assert (await client.get(DOC, params={"unit": "D1"})).status_code == 403
    assert (await client.get(DOC, params={"unit": "D2", "format": "odt"})).status_code == 422
    console = await client.get("/console/rounds/R2026/report-document", params={"unit": "D2"})
    assert console.status_code == 200 and console.headers["content-type"] == DOCX
    assert "Số liệu hiện hành, chưa chốt công bố" in docx_text(console.content)


def run_cli(args: list[str], database_url: str, forms_dir: str) -> tuple[int, str]:
    """`sipas ARGS` in this process (a thread of its own: the command runs its own loop)."""
    from typer.testing import CliRunner

    from app.cli import cli
    from app.config import get_settings

    env = {"SIPAS_DATABASE_URL": database_url, "SIPAS_FORMS_DIR": forms_dir}
    get_settings.cache_clear()
    try:
        done = CliRunner().invoke(cli, args, env=env)
    finally:
        get_settings.cache_clear()
    return done.exit_code, done.output


async def test_the_cli_writes_the_document_of_the_latest_revision(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
):
    digest = await seed_published(app, client)
    report = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=P")).json()
    settings = app.state.settings
    out = tmp_path / "bao-cao.docx"
    args = ["report", "R2026", "--unit", "P", "--format", "docx", "--out", str(out)]
    code, output = await anyio.to_thread.run_sync(
        run_cli, args, settings.database_url, str(settings.forms_dir)
    )
    assert code == 0, output
    assert f"revision 1 (sha256 {digest})" in output
    text = docx_text(out.read_bytes())
    assert f"đạt {shown(report['index'])}%" in text and digest in text
    bad = ["report", "R2026", "--format", "odt"]
    code, output = await anyio.to_thread.run_sync(
        run_cli, bad, settings.database_url, str(settings.forms_dir)
    )
    assert code == 2 and "docx or pdf" in output


async def test_docx_lists_the_largest_gaps_and_the_improvement_plan(
    app: FastAPI, client: httpx.AsyncClient
):
    await seed_published(app, client)
    today = app.state.settings.today()  # the province's day (UTC+7), as documents date things
    planned = []
    for unit, title, due in [
        ("C21", "Niêm yết lại quy trình tại quầy", today - timedelta(days=3)),
        ("C11", "Bổ sung ghế chờ cho người dân", today + timedelta(days=20)),
    ]:
        planned.append(await plan(client, unit, title, due))
    done = await client.patch(f"/api/v1/improvement/actions/{planned[1]}", json={"status": "done"})
    assert done.status_code == 200, done.text
    # Before the worker has computed the analysis, the section says so (no request computes it).
    text = docx_text((await client.get(DOC, params={"unit": "D2"})).content)
    assert "Số liệu phân tích của đơn vị chưa được tính" in text
    await computed(app)
    # D2 (target 80) lost every point at C21: its largest gaps, ranked by the gain to target.
    gaps = (await client.get("/api/v1/rounds/R2026/gaps", params={"unit": "D2"})).json()
    drivers = (await client.get("/api/v1/rounds/R2026/drivers", params={"unit": "D2"})).json()
    assert gaps["ranked_by"] == "target"
    text = docx_text((await client.get(DOC, params={"unit": "D2"})).content)
    assert "VI. TIÊU CHÍ BỊ MẤT ĐIỂM VÀ KẾ HOẠCH CẢI THIỆN" in text
    assert "VII. PHƯƠNG PHÁP VÀ HẠN CHẾ" in text
    losing = [g for g in gaps["criteria"] if (g["gains"]["target"] or 0) > 0]
    rows = [line for line in text.splitlines() if " – " in line and " | " in line]
    shown_rows = [r for r in rows if r.startswith(tuple(f"{g['code']} – " for g in losing))]
    assert len(losing) > 5 and len(shown_rows) == 5  # the five largest
    for gap, row in zip(losing, shown_rows, strict=False):
        assert row == (
            f"{gap['code']} – {gap['name']} | {shown(gap['unit']['index'])} | "
            f"{shown(gap['target'])} | {shown(gap['gains']['target'])}"
        )
    assert "Kế hoạch cải thiện có 1 hành động: 0 đã hoàn thành, 1 quá hạn" in text
    assert "chưa được tính" not in text
    for d in drivers["drivers"][:5]:  # the strongest drivers, with their interval if any
        ci = f"{shown(d['ci95'][0], 3)}–{shown(d['ci95'][1], 3)}" if d["ci95"] else "–"
        row = f"{d['code']} – {d['name']} | {shown(d['importance'], 3)} | {ci} |"
        assert row in text, row

    text = docx_text((await client.get(DOC, params={"unit": "P"})).content)
    assert "Kế hoạch cải thiện có 2 hành động: 1 đã hoàn thành, 1 quá hạn chưa hoàn thành." in text
    late = next(line for line in text.splitlines() if "Niêm yết lại quy trình" in line)
    assert late.endswith("| Đã lập kế hoạch – quá hạn"), late
    assert "| ACC1 | Trưởng bộ phận một cửa |" in late
    finished = next(line for line in text.splitlines() if "Bổ sung ghế chờ" in line)
    assert finished.endswith(f"| Đã hoàn thành ngày {today.strftime('%d/%m/%Y')}"), finished

    # A counter's document lists only its own subtree's actions.
    counter = docx_text((await client.get(DOC, params={"unit": "C11"})).content)
    assert "Bổ sung ghế chờ" in counter and "Niêm yết lại quy trình" not in counter


def english_day(day: date) -> str:
    return f"{day.day} {day.strftime('%B')} {day.year}"


def test_units_english_names_follow_the_documented_rule():
    from app.reporting.document.names import english_name

    assert english_name("Xã An Bình") == "An Bình Commune"
    assert english_name("Bộ phận Một cửa phường Hòa Lạc") == "One-stop counter of Hòa Lạc Ward"
    assert english_name("Quầy Sở Tư pháp") == "Department of Justice counter"
    assert english_name("UBND tỉnh Sơn Hà") == "Sơn Hà Provincial People's Committee"
    assert english_name("Tỉnh Sơn Hà (dữ liệu minh hoạ)") == "Sơn Hà Province (illustrative data)"
    assert english_name("Trung tâm Phục vụ hành chính công tỉnh") == (
        "Public Administrative Service Centre of the province"
    )
    assert english_name("Xãhội") == "Xãhội" and english_name("Cục Thuế") == "Cục Thuế"


async def test_the_document_in_english_holds_the_same_figures(
    app: FastAPI, client: httpx.AsyncClient
):
    digest = await seed_published(app, client)
    report = (await client.get("/api/v1/rounds/R2026/satisfaction?unit=D1&lang=en")).json()
    answer = await client.get(DOC, params={"unit": "D1", "format": "docx", "lang": "en"})
    assert answer.status_code == 200, answer.text
    assert 'filename="report-R2026-D1-r1.docx"' in answer.headers["content-disposition"]
    assert docx.Document(io.BytesIO(answer.content)).core_properties.language == "en-GB"
    text = docx_text(answer.content)
    assert "REPORT ON CITIZENS' AND ORGANISATIONS' SATISFACTION" in text
    assert f"SHA-256 of the published revision: {digest}" in text
    assert "I. SUMMARY OF RESULTS" in text and "VII. METHOD AND LIMITATIONS" in text
    assert "VI. CRITERIA THAT LOSE POINTS AND THE IMPROVEMENT PLAN" in text
    assert "No improvement plan for this round yet." in text
    assert "TÓM TẮT" not in text and "Đợt khảo sát:" not in text
    english = [shown(report["index"], comma=False)]
    english += [shown(e["index"], comma=False) for e in report["elements"] if e["index"]]
    for figure in english:
        assert figure in text, figure
    assert all(e["name"].upper() in text for e in report["elements"])  # the English names
    row = next(line for line in text.splitlines() if "| Unit C11 |" in line)
    assert row.startswith("1 | up 1 place | Unit C11 | 100.0 |"), row  # the unit's English name
    assert "Compared with round R2025" in text
    assert "Đơn vị" not in text  # no unit keeps its Vietnamese kind
    # Dates as English writes them: "7 December 2026", never 07/12/2026.
    assert re.search(r"\b\d{2}/\d{2}/\d{4}\b", text) is None, text
    rounds = (await client.get("/api/v1/rounds")).json()
    round_ = next(r for r in rounds if r["code"] == "R2026")
    starts, ends = date.fromisoformat(round_["starts_on"]), date.fromisoformat(round_["ends_on"])
    assert f"from {english_day(starts)} to {english_day(ends)}" in text

    province = flat(docx_text((await client.get(DOC, params={"lang": "en"})).content))
    assert "not ranked, as the survey round's top unit" in province
    pdf = await client.get(DOC, params={"format": "pdf", "lang": "en"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (await client.get(DOC, params={"lang": "fr"})).status_code == 422


def test_a_band_of_many_units_fits_the_pdf():
    """400 units, 150 in one band: the band's cell lists 30 names and how many more (all of
    them in one cell was taller than a page, and fpdf2 refused the PDF)."""
    from app.reporting.document.blocks import Table
    from app.reporting.document.findings import _listed
    from app.reporting.document.wording import words

    names = [f"Ủy ban nhân dân xã Thử Nghiệm số {i}" for i in range(150)]
    cell = _listed(words("vi"), names)
    assert cell.endswith("số 29 và 120 đơn vị khác (xem bảng xếp hạng ở mục III)")
    assert _listed(words("en"), names).endswith("and 120 more (see the ranking in section III)")
    table = Table(["Mức", "Số đơn vị", "Đơn vị"], [["Tốt", "150", cell]] * 3, [2, 1, 7], {1})
    assert to_pdf([table], "chân trang", "tiêu đề", "vi").startswith(b"%PDF")
    with pytest.raises(ValueError, match="too high"):  # the whole list, as before
        to_pdf(
            [Table(["a", "b", "c"], [["Tốt", "150", ", ".join(names * 3)]], [2, 1, 7], {1})],
            "f",
            "t",
            "vi",
        )
