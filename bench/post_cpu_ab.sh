#!/usr/bin/env bash
# CPU per POST in process (bench/post_cpu.py), a baseline checkout beside this one, interleaved.
#
#   git worktree add /tmp/base <commit>
#   BASE=/tmp/base BASE_DB=postgresql://…/sipas_micro_base NEW_DB=postgresql://…/sipas_micro_new \
#     bench/post_cpu_ab.sh [ROUNDS]
# Each database is a freshly seeded demo (`sipas demo --no-serve`, run by its own checkout).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-$here/.venv/bin/python}
for i in $(seq "${1:-3}"); do
  echo "round $i, loadavg $(cat /proc/loadavg)"
  echo -n "  base: "
  (cd "$BASE/bench" && SIPAS_WORKER=false PYTHONPATH="$BASE:$BASE/bench" SIPAS_DATABASE_URL=$BASE_DB \
    "$py" post_cpu.py --count 3000 2>&1 | tail -n 1)
  echo -n "  this: "
  (cd "$here/bench" && SIPAS_WORKER=false SIPAS_DATABASE_URL=$NEW_DB \
    "$py" post_cpu.py --count 3000 2>&1 | tail -n 1)
done
