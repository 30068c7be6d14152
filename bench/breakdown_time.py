"""Time the design-based breakdown (and the ranking) on the round seeded by bench/stats_seed.py.

Adds the answer to the single-choice question 'field' (six categories and unanswered, set
based, once) to the seeded round, then times ``breakdown_report`` by field and by channel
for the province and a department, and ``ranking_report`` of the counters, in-process.

    python bench/breakdown_time.py --url sqlite:////tmp/sipas-stats-bench.db --repeat 3
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from sqlalchemy import text

from app.config import Settings
from app.db import Database
from app.forms.registry import Catalogue
from app.instruments.registry import register_forms
from app.reporting.breakdown import breakdown_report
from app.reporting.queries import RankingQuery
from app.reporting.ranking import ranking_report

FIELDS = """
INSERT INTO answer (response_id, question, ordinal, value, text)
SELECT id, 'field', 0, NULL,
       CASE id % 7 WHEN 0 THEN 'land' WHEN 1 THEN 'land' WHEN 2 THEN 'business'
                   WHEN 3 THEN 'justice' WHEN 4 THEN 'social' WHEN 5 THEN 'other' END
FROM response
WHERE round_id = (SELECT id FROM round WHERE code = :r) AND id % 7 <> 6
  AND NOT EXISTS (SELECT 1 FROM answer a WHERE a.response_id = response.id
                  AND a.question = 'field')"""


async def run(url: str, round_code: str, repeat: int) -> None:
    settings = Settings(database_url=url)
    db = Database(settings)
    catalogue = Catalogue.from_directory(settings.forms_dir)
    try:
        async with db.write_sessions.begin() as session:
            await register_forms(session, catalogue)
            await session.execute(text(FIELDS), {"r": round_code})
        cases = [
            ("breakdown BP by field", "BP", "field"),
            ("breakdown BD03 by field", "BD03", "field"),
            ("breakdown BP by channel", "BP", "channel"),
            ("ranking of counters under BP", "BP", None),
        ]
        for name, unit, by in cases:
            took = []
            for _ in range(repeat):
                start = time.perf_counter()
                async with db.sessions() as session:
                    if by is None:
                        query = RankingQuery("counter", unit, "vi", None, True)
                        await ranking_report(session, catalogue, round_code, query, None, settings)
                    else:
                        await breakdown_report(
                            session, catalogue, round_code, unit, by, "vi", None, settings
                        )
                took.append(1000 * (time.perf_counter() - start))
            print(f"{name}: median {statistics.median(took):.0f} ms (min {min(took):.0f})")
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--round", default="BENCH-STATS")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(run(args.url, args.round, args.repeat))


if __name__ == "__main__":
    main()
