"""After the sipas POST run: were all acknowledged submissions stored, once, and only them?

Inputs: the wrk JSON (per-thread count of requests sent and of 303s received) and the body
files. Thread t sent exactly the first ``sent_t`` lines of ``<prefix>.<t>.tsv``, so the set
of sids sent is known. Checks, against the database:

* stored rows whose sid was sent  >= 303s seen by wrk     (nothing acknowledged was lost)
* stored - 303s <= connections                          (only requests in flight when wrk
                                                          stopped can be stored unacknowledged)
* no row with a sid that was not sent, counted from the rows added since ``--before``
* count(*) == count(DISTINCT submission_id)             (no duplicated submission)
* answers stored for those responses == answers the bodies carried (no partial response)
"""

from __future__ import annotations

import argparse
import asyncio
import json

import asyncpg


def sent_sids(run: dict, prefix: str) -> dict[str, int]:
    """sid -> number of answers its body carried, for every body wrk sent."""
    sent: dict[str, int] = {}
    for thread in run["threads"]:
        with open(f"{prefix}.{thread['id']}.tsv", encoding="ascii") as f:
            for i, line in enumerate(f):
                if i >= thread["sent"]:
                    break
                _, _, sid, answers = line.rstrip("\n").split("\t")
                sent[sid] = int(answers)
    return sent


async def verify(args: argparse.Namespace, run: dict, sent: dict[str, int]) -> dict[str, object]:
    conn = await asyncpg.connect(args.dsn)
    try:
        await conn.execute("CREATE TEMP TABLE sent_sid (sid text PRIMARY KEY, answers int)")
        await conn.copy_records_to_table("sent_sid", records=list(sent.items()))
        stored = await conn.fetchval(
            "SELECT count(*) FROM response r JOIN sent_sid s ON s.sid = r.submission_id"
        )
        total, distinct = await conn.fetchrow(
            "SELECT count(*), count(DISTINCT submission_id) FROM response"
        )
        answers_expected, answers_stored = await conn.fetchrow(
            "SELECT (SELECT coalesce(sum(s.answers), 0) FROM response r "
            "          JOIN sent_sid s ON s.sid = r.submission_id), "
            "       (SELECT count(*) FROM answer a JOIN response r ON r.id = a.response_id "
            "          JOIN sent_sid s ON s.sid = r.submission_id)"
        )
    finally:
        await conn.close()
    acked = run["statuses"]["303"]
    added = total - args.before
    result = {
        "sids_sent": len(sent),
        "requests_sent": run["sent"],
        "responses_303": acked,
        "other_statuses": {k: v for k, v in run["statuses"].items() if k != "303" and v},
        "socket_errors": {k: v for k, v in run["errors"].items() if v},
        "rows_stored_for_sent_sids": stored,
        "rows_added_during_run": added,
        "stored_minus_303": stored - acked,
        "rows_total": total,
        "rows_distinct_submission_id": distinct,
        "answers_expected": answers_expected,
        "answers_stored": answers_stored,
        "exhausted_body_file": bool(run["exhausted"]),
    }
    checks = {
        "every_response_was_303": not result["other_statuses"]
        and acked > 0
        and run["errors"]["status"] == 0
        and run["errors"]["timeout"] == 0,
        "no_acknowledged_row_lost": stored >= acked,
        "unacknowledged_rows_within_in_flight": 0 <= stored - acked <= args.connections,
        "no_row_from_unsent_sid": added == stored,
        "no_duplicate_submission": total == distinct and len(sent) == run["sent"],
        "no_partial_response": answers_expected == answers_stored,
        "body_file_not_exhausted": not run["exhausted"],
    }
    result["checks"] = checks
    result["ok"] = all(checks.values())
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--wrk-json", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--before", type=int, required=True, help="response rows before the run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    with open(args.wrk_json) as f:
        run = json.load(f)
    result = asyncio.run(verify(args, run, sent_sids(run, args.prefix)))
    with open(args.json, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
