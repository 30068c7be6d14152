"""The report document for a province of 400 units: time to build DOCX and PDF, beside the
existing XLSX export of the same report as a baseline, interleaved and repeated.

    SIPAS_DATABASE_URL=sqlite:////tmp/demo.db python -m app demo --no-serve
    SIPAS_DATABASE_URL=sqlite:////tmp/demo.db python bench/report_document.py [UNITS] [REPEATS]

The demo province's report (its elements, criteria, method, comments) is read once through the
same service as `sipas report`; its children are then replicated to UNITS units (varied
indices, intervals, bands, targets and previous ranks), as a frozen revision's report of a
400-unit province would hold them. Reading that report from a revision is one row (the
document's queries do not grow with the units), so the time that grows is the rendering.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.comments.schemas import OnTimeRow
from app.config import get_settings
from app.db import Database, standalone_session
from app.forms.registry import Catalogue
from app.instruments.registry import register_forms
from app.reporting.comparison_schemas import PreviousResult, TargetResult
from app.reporting.document.content import Comments, ReportContent, Theme, report_content
from app.reporting.document.render import render_document
from app.reporting.exports import report_table, to_xlsx
from app.reporting.schemas import ChildResult


async def demo_content() -> ReportContent:
    settings = get_settings()
    catalogue = Catalogue.from_directory(settings.forms_dir)
    async with standalone_session(settings) as session:
        await register_forms(session, catalogue)
    db = Database(settings)
    try:
        async with db.sessions() as session:
            return await report_content(session, catalogue, settings, "DEMO-2026", "SH", None)
    finally:
        await db.dispose()


def province(content: ReportContent, units: int) -> ReportContent:
    template = content.report.children[0]
    children = []
    for i in range(units):
        index = 60 + (i * 37 % 400) / 10
        children.append(
            ChildResult.model_validate(
                template.model_dump()
                | {
                    "code": f"X{i:04d}",
                    "name": f"Ủy ban nhân dân xã Thử Nghiệm số {i + 1}",
                    "index": index,
                    "ci95": [index - 3.1, min(index + 2.9, 100)],
                    "rank": i + 1,
                    "rank_of": units,
                    "band": "Tốt" if index >= 90 else "Khá" if index >= 75 else "Trung bình",
                    "target": TargetResult(
                        value=80, status="met" if index > 83 else "not_met", basis="ci95"
                    ).model_dump(),
                    "previous": PreviousResult(
                        index=index - 2, rank=(i * 7) % units + 1, delta=2.0, significant=False
                    ).model_dump(),
                }
            )
        )
    report = content.report.model_copy(update={"children": children})
    handling = OnTimeRow(
        unit="SH",
        unit_name="",
        received=1200,
        on_time=1100,
        late=60,
        open_overdue=10,
        pending=30,
        due=1170,
        share=94.02,
    )
    # The demo's themes (classified from its comments' text), with 1,200 comments in all.
    themes = [Theme(t.key, t.label, t.comments * 100, t.example) for t in content.comments.themes]
    return ReportContent(
        report, content.round, Comments(handling, themes), content.method, datetime.now(UTC)
    )


def timed(label: str, work: object, runs: dict[str, list[float]]) -> None:
    start = time.perf_counter()
    work()  # type: ignore[operator]
    runs.setdefault(label, []).append(time.perf_counter() - start)


def main() -> None:
    units = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    content = province(asyncio.run(demo_content()), units)
    print(f"units {units}, repeats {repeats}, loadavg {Path('/proc/loadavg').read_text().strip()}")
    runs: dict[str, list[float]] = {}
    table = report_table(content.report, content.round, content.generated_at)
    for _ in range(repeats):  # interleaved: baseline, docx, pdf
        timed("baseline xlsx export", lambda: to_xlsx(table, True), runs)
        timed("docx", lambda: render_document(content, "docx"), runs)
        timed("pdf", lambda: render_document(content, "pdf"), runs)
    sizes = {f: len(render_document(content, f)) for f in ("docx", "pdf")}
    for label, values in runs.items():
        print(
            f"{label:22s} min {min(values):6.2f} s  median {statistics.median(values):6.2f} s  "
            f"max {max(values):6.2f} s"
        )
    print(f"sizes: docx {sizes['docx']} bytes, pdf {sizes['pdf']} bytes")
    print(f"loadavg after {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    os.environ.setdefault("SIPAS_LOG_LEVEL", "WARNING")
    main()
