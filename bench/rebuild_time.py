"""A rebuild of a round's tallies beside a bare GROUP BY of the same answers, interleaved
(GROUP BY, rebuild, GROUP BY, rebuild, …, GROUP BY), on round BENCH-STATS seeded by
bench/stats_seed.py. The first rebuild is also the one a freshly seeded round needs.

    python bench/rebuild_time.py --url postgresql://postgres@127.0.0.1:5432/sipas_stats --repeat 1
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from fold_time import PLAIN, Bench, summary  # bench/ is on sys.path


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


async def run(url: str, repeat: int) -> None:
    bench = Bench(url)
    await bench.start()
    stale = "UPDATE tally_state SET stale = TRUE WHERE round_id = :r"
    group_by, rebuild = [], []
    try:
        print(json.dumps({"loadavg_before": loadavg()}), flush=True)
        for _ in range(repeat):
            group_by.append(await bench.timed(lambda: bench.execute(PLAIN, r=bench.round_id)))
            await bench.execute(stale, r=bench.round_id)
            rebuild.append(await bench.timed(bench.fold_new))
            print(json.dumps({"group_by_s": group_by[-1], "rebuild_s": rebuild[-1]}), flush=True)
        group_by.append(await bench.timed(lambda: bench.execute(PLAIN, r=bench.round_id)))
        responses = await bench.scalar(
            "SELECT count(*) FROM response WHERE round_id = :r AND status = 'valid'",
            r=bench.round_id,
        )
        ratio = summary(rebuild)["median"] / summary(group_by)["median"]
        out = {"responses": responses, "rebuild_s": summary(rebuild)}
        out |= {"group_by_s": summary(group_by), "ratio": round(ratio, 2)}
        print(json.dumps(out | {"loadavg_after": loadavg()}), flush=True)
    finally:
        await bench.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(run(args.url, args.repeat))


if __name__ == "__main__":
    main()
