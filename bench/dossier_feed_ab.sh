#!/bin/sh
# Dossier feed ingestion, this checkout beside a baseline checkout, interleaved (order swapped
# each round), the same bench script (this checkout's) run by each checkout's venv and code.
#   BENCH_PG_DSN=postgresql://postgres@127.0.0.1:5432/sipas_feed_bench \
#       sh bench/dossier_feed_ab.sh /work/main 3
set -eu
BASE=${1:?baseline checkout}
ROUNDS=${2:-3}
HERE=$(pwd)
SCRIPT="$HERE/bench/dossier_feed.py"
run() {
    echo "== $1 ($(git -C "$1" rev-parse --short HEAD)) loadavg $(cat /proc/loadavg)"
    (cd "$1" && .venv/bin/python "$SCRIPT" --batch 1000 --batches 5 --repeats 3 | grep -E "^(batch|feed|copy)")
}
i=0
while [ "$i" -lt "$ROUNDS" ]; do
    if [ $((i % 2)) -eq 0 ]; then run "$BASE"; run "$HERE"; else run "$HERE"; run "$BASE"; fi
    i=$((i + 1))
done
