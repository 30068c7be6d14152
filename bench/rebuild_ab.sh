#!/usr/bin/env bash
# A script of bench/ (rebuild_time.py, fold_time.py, …) run alternately from a baseline
# checkout and from this one, on the same database, REPEAT times (base, new, base, new, …):
# each run prints its own baseline (the bare GROUP BY) and `/proc/loadavg`.
#
#   git worktree add --detach /tmp/base edbad42
#   bench/rebuild_ab.sh /tmp/base 3 rebuild_time.py \
#       --url postgresql://postgres@127.0.0.1:5432/sipas_stats --repeat 1
set -euo pipefail
base=$1 repeat=$2 script=$3
shift 3
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$here/.venv/bin/python}
for i in $(seq "$repeat"); do
  for side in base new; do
    tree=$([ "$side" = base ] && echo "$base" || echo "$here")
    echo "{\"run\": $i, \"side\": \"$side\", \"commit\": \"$(git -C "$tree" rev-parse --short HEAD)\"}"
    (cd "$tree" && PYTHONPATH="$tree:$tree/bench" "$python" "bench/$script" "$@")
  done
done
