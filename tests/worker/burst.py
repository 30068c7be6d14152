"""A burst of responses for the background tests: copies of the round's valid responses
(with their answers), inserted set-wise so that 10,000 take a second, queued by the triggers."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import text

COLUMNS = (
    "round_id, unit_id, form_version_id, channel, status, base_weight, stratum, psu, "
    "over_quota, submitted_at, comments_synced"
)
RESPONSES = f"""
WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < :reps)
INSERT INTO response (id, submission_id, {COLUMNS})
SELECT :base + c.x * :span + c.id, 'burst-' || CAST(:base + c.x * :span + c.id AS TEXT),
       {", ".join("c." + col.strip() for col in COLUMNS.split(","))}
FROM (SELECT r.*, s.x FROM response r CROSS JOIN s
      WHERE r.round_id = :round_id AND r.status = 'valid' AND r.id <= :span
      ORDER BY s.x, r.id LIMIT :n) c"""
ANSWERS = """
INSERT INTO answer (response_id, question, ordinal, value, text)
SELECT n.id, a.question, a.ordinal, a.value, a.text
FROM response n JOIN answer a ON a.response_id = (n.id - :base) % :span
WHERE n.id > :base"""


async def burst(app: FastAPI, round_id: int, n: int) -> None:
    """Insert ``n`` copies of the round's valid responses in one transaction."""
    db = app.state.db
    async with db.write_sessions.begin() as session:
        top = int(await session.scalar(text("SELECT MAX(id) FROM response")) or 0)
        valid = await session.scalar(
            text("SELECT COUNT(*) FROM response WHERE round_id = :r AND status = 'valid'"),
            {"r": round_id},
        )
        base, span = top, top + 1
        params = {"base": base, "span": span, "round_id": round_id, "n": n}
        await session.execute(text(RESPONSES), params | {"reps": n // max(int(valid), 1) + 1})
        await session.execute(text(ANSWERS), {"base": base, "span": span})
        if db.engine.dialect.name == "postgresql":
            await session.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('response', 'id'), "
                    "(SELECT MAX(id) FROM response))"
                )
            )


async def queued(app: FastAPI) -> int:
    async with app.state.db.sessions() as session:
        return int(await session.scalar(text("SELECT COUNT(*) FROM tally_queue")) or 0)
