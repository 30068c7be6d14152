"""Print the results of one bench/run.sh run as a Markdown table (and write summary.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROWS = [
    # key, label, reference from the issue, target (rps, p99 ms)
    ("bare", "Baseline (a): bare FastAPI `GET /json`", "≈ 11,000", None),
    ("rawpg", "Baseline (b): FastAPI POST, 25-col INSERT, raw asyncpg pool", "≈ 3,000", None),
    ("sacore", "Baseline (c): same POST, SQLAlchemy async Core", "≈ 1,350", None),
    ("saorm", "Baseline (d): same POST, SQLAlchemy async ORM", "≈ 1,000", None),
    ("sipas_post", "sipas `POST /s/{code}` (stored responses)", "", (1500, 150)),
    ("sipas_get", "sipas `GET /s/{code}` (form pages)", "", (3000, None)),
]


def load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def main() -> None:
    out = Path(sys.argv[1])
    base = load(out / "rawpg.json")
    lines = [
        "| Endpoint | req/s | p50 ms | p99 ms | vs raw asyncpg | server CPU (% of 1 core) "
        "| server CPU ms/req | new PG conns | Issue ref. | Target | Met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for key, label, ref, target in ROWS:
        run = load(out / f"{key}.json")
        if run is None:
            continue
        rps = run["rps"]
        if key == "sipas_post":  # count stored (acknowledged) responses, not all replies
            rps = run["statuses"]["303"] / run["duration_s"]
        ratio = f"{rps / base['rps']:.2f}×" if base else "n/a"
        lat = run["latency_ms"]
        bad = run["errors"]["status"] + run["errors"]["timeout"]
        met, goal = "", ""
        if target:
            want_rps, want_p99 = target
            goal = f"≥ {want_rps:,}/s" + (f", p99 < {want_p99} ms" if want_p99 else "")
            ok = rps >= want_rps and (want_p99 is None or lat["p99"] < want_p99) and bad == 0
            if key == "sipas_post":
                verify = load(out / "verify.json")
                goal += ", 0 lost/dup"
                ok = ok and bool(verify and verify["ok"])
            met = "yes" if ok else "**no**"
        cpu = load(out / f"{key}.cpu.json") or {}
        lines.append(
            f"| {label} | {rps:,.0f} | {lat['p50']:.1f} | {lat['p99']:.1f} | {ratio} "
            f"| {cpu.get('server_cpu_pct_of_one_core', '')} "
            f"| {cpu.get('server_cpu_ms_per_request', '')} | {cpu.get('new_pg_sessions', '')} "
            f"| {ref} | {goal} | {met} |"
        )
    report = load(out / "report.json")
    if report:
        http = report["http"]
        lines.append(
            f"| sipas province report, {report['respondents']:,} responses "
            f"(50 sequential) | – | {http['median']:.1f} (median) | {http['p95']:.1f} (p95) | – "
            f"| | | | | < 100 ms | {'yes' if http['p95'] < 100 else '**no**'} |"
        )
    whatif = sorted(out.glob("whatif_w*.flags"))
    if whatif:
        lines += [
            "",
            "What-if (bench/what_if.py: candidate fixes applied outside app/, cumulative):",
            "",
            "| Variant | GET req/s | GET p99 ms | GET CPU ms/req | POST stored/s | POST p99 ms "
            "| POST CPU ms/req | new PG conns (POST) | rows verified |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for flags_file in whatif:
            tag = flags_file.stem.removeprefix("whatif_")
            get, post = load(out / f"whatif_{tag}_get.json"), load(out / f"whatif_{tag}_post.json")
            gcpu = load(out / f"whatif_{tag}_get.cpu.json") or {}
            pcpu = load(out / f"whatif_{tag}_post.cpu.json") or {}
            ver = load(out / f"whatif_{tag}_verify.json") or {}
            if not get or not post:
                continue
            stored = post["statuses"]["303"] / post["duration_s"]
            lines.append(
                f"| {tag}: {flags_file.read_text().strip()} | {get['rps']:,.0f} "
                f"| {get['latency_ms']['p99']:.1f} | {gcpu.get('server_cpu_ms_per_request', '')} "
                f"| {stored:,.0f} | {post['latency_ms']['p99']:.1f} "
                f"| {pcpu.get('server_cpu_ms_per_request', '')} "
                f"| {pcpu.get('new_pg_sessions', '')} "
                f"| {'ok' if ver.get('ok') else 'FAILED'} |"
            )
    text = "\n".join(lines)
    verify = load(out / "verify.json")
    if verify:
        text += "\n\nRow verification (sipas POST run):\n\n```json\n"
        text += json.dumps(verify, indent=2) + "\n```"
    if report and "in_process" in report:
        text += "\n\nReport breakdown (in-process, ms):\n\n```json\n"
        text += json.dumps(report["in_process"], indent=2) + "\n```"
    (out / "summary.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
