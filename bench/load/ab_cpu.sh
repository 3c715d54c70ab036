#!/bin/sh
# page_cpu.py in two trees, alternated, for a before/after measured in one run.
#
#   bench/load/ab_cpu.sh BEFORE_TREE [ROUNDS] [OUT_DIR]
#
# BEFORE_TREE: a copy of the working tree with the files of the change put back as committed,
# e.g.  mkdir /tmp/before && tar --exclude=./.venv --exclude=./.git -cf - . | tar -xf - -C /tmp/before
#       for f in <changed files>; do git show HEAD:$f > /tmp/before/$f; done
# Both trees use this tree's .venv and bench/out/load_users.json. Run it under the bench lock:
#   flock /tmp/qq-bench.lock bench/load/ab_cpu.sh /tmp/before 2
set -eu
BEFORE=$(cd "$1" && pwd)
ROUNDS=${2:-2}
OUT=${3:-bench/out/load/ab}
AFTER=$(cd "$(dirname "$0")/../.." && pwd)
PY="$AFTER/.venv/bin/python"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
mkdir -p "$BEFORE/bench/out" && cp "$AFTER/bench/out/load_users.json" "$BEFORE/bench/out/"
date -u; uptime
i=1
while [ "$i" -le "$ROUNDS" ]; do
  for side in before after; do
    tree=$BEFORE; [ "$side" = after ] && tree=$AFTER
    (cd "$tree" && "$PY" bench/load/page_cpu.py --repeat 7 --json "$OUT/${side}_$i.json" > "$OUT/${side}_$i.txt" 2>&1)
    echo "$side $i: $(grep 'weighted GET mix' "$OUT/${side}_$i.txt")"
  done
  i=$((i + 1))
done
uptime; date -u
