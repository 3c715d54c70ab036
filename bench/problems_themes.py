"""Benchmark: 每月一题 themes over 100,000 messages (target: under 60 s).

The messages are the real 问政留言 of ../shared/data/appeals, sampled and perturbed in memory
(never written to the repository): each copy gets one of 16 region codes, a date in three
months, and about one character in ten dropped, so that copies are near-duplicates, not
identical.

Baselines, measured in the same run on the first 10,000 of the same messages:

* the previous algorithm (``qinqing/problems/themes.py`` at commit ``BASELINE_COMMIT``, read
  from git): pure-Python jieba, all candidate pairs before the region check, one re-cut and
  one explanation per theme; its themes are compared with the new ones;
* jieba's pure-Python cutting alone of the same heads, scaled to the full size.

Usage: .venv/bin/python bench/problems_themes.py [--messages 100000] [--baseline 10000]
Writes docs/bench/problems_themes.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.util
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, load_note, machine_line, write_doc  # noqa: E402  (bench/ on sys.path)

DATA = ROOT.parent / "shared" / "data" / "appeals"
BASELINE_COMMIT = "9d81393"
NOTE = (
    "Wall-clock time depends on the load average reported above: the machine has 2 cores, "
    "often shared with other work, and at a load average of 12 a process gets a small share "
    "of a core (an earlier run at load 12-16 took 130 s). CPU seconds (both processes) are "
    "the figure that does not depend on it."
)


def load_real():
    rows = []
    for name in ("train.csv", "replies.csv"):
        with (DATA / name).open(encoding="utf-8") as fh:
            rows.extend((r["title"], r["body"]) for r in csv.DictReader(fh))
    return rows


def perturb(text: str, rnd: random.Random) -> str:
    return "".join(ch for ch in text if rnd.random() > 0.1)


def build(n: int, seed: int = 1):
    from qinqing.problems.themes import Message

    rnd = random.Random(seed)
    real = load_real()
    regions = [f"R{k:02d}" for k in range(16)]
    start = dt.date(2025, 1, 1)
    out = []
    for i in range(n):
        title, body = real[rnd.randrange(len(real))]
        day = start + dt.timedelta(days=rnd.randrange(90))
        out.append(
            Message(
                str(i),
                day.isoformat(),
                perturb(title, rnd),
                perturb(body, rnd),
                rnd.choice(regions),
            )  # fmt: skip
        )
    return out


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the feature workers)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn, *args, **kwargs):
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - wall, cpu_seconds() - cpu


def old_module():
    """The previous themes module, read from git into a temporary file."""
    source = subprocess.run(
        ["git", "show", f"{BASELINE_COMMIT}:qinqing/problems/themes.py"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    path = Path(tempfile.mkdtemp()) / "themes_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("themes_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["themes_before"] = module
    spec.loader.exec_module(module)
    return module


def jieba_cut_seconds(messages) -> float:
    import logging

    import jieba

    from qinqing.problems.themes.text import _head

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    heads = [_head(m) for m in messages]
    start = cpu_seconds()
    for head in heads:
        jieba.lcut(head, HMM=False)
    return cpu_seconds() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=10_000)
    args = parser.parse_args()
    from qinqing.problems import themes
    from qinqing.problems.themes import clusters

    load_before = load_note()
    messages = build(args.messages)
    stages: dict[str, float] = {}
    read_features = clusters.features

    def features(rows):
        start = time.perf_counter()
        out = read_features(rows)
        stages["features"] = time.perf_counter() - start
        return out

    clusters.features = features
    found, total, total_cpu = timed(themes.mine_themes, messages)
    clusters.features = read_features
    members = sum(t.size for t in found)

    small = messages[: args.baseline]
    new_small, new_wall, new_cpu = timed(themes.mine_themes, small)
    before = old_module()
    old_small, old_wall, old_cpu = timed(before.mine_themes, small)
    same = sorted(t.ids for t in new_small) == sorted(t.ids for t in old_small)
    cut_small = jieba_cut_seconds(small)
    cut_scaled = cut_small * args.messages / args.baseline
    load_after = load_note()
    ok = total < 60
    lines = [
        "## Problems: 每月一题 themes (`qinqing problems themes`)",
        "",
        f"{machine_line()} · before the run: {load_before}, after: {load_after} (the machine "
        "is shared by ~8 engineers).",
        "",
        f"Command: `.venv/bin/python bench/problems_themes.py --messages {args.messages}`",
        "",
        f"Data: {args.messages:,} messages sampled from the 5,576 real 问政留言 of "
        "../shared/data/appeals (in memory only), each with one of 16 region codes, a date in "
        "three months and ~10 % of its characters dropped.",
        "",
        f"- **{args.messages:,} messages → {len(found):,} themes ({members:,} messages in "
        f"themes): {total:.1f} s** wall clock end to end, {total_cpu:.1f} s of CPU (both "
        "processes).",
        f"  - of which reading words, places and regions (two processes): "
        f"{stages.get('features', 0):.1f} s wall.",
        f"- Baseline, same run, first {args.baseline:,} messages: the previous algorithm "
        f"(commit `{BASELINE_COMMIT}`) {old_wall:.1f} s wall / {old_cpu:.1f} s CPU, the new "
        f"one {new_wall:.1f} s / {new_cpu:.1f} s (×{old_cpu / max(new_cpu, 1e-9):.1f} less "
        f"CPU); the themes found are {'identical' if same else 'different'}.",
        f"- Baseline, same run: jieba's pure-Python cutting alone of those {args.baseline:,} "
        f"heads takes {cut_small:.1f} s of CPU, {cut_scaled:.0f} s scaled to "
        f"{args.messages:,}; the whole new pipeline uses {total_cpu / max(cut_scaled, 1e-9):.2f}"
        " of that.",
        "",
        "Target (issue 18): 100,000 messages in under 60 s"
        + (" — met." if ok else f" — **not met** on this run ({total:.0f} s wall)."),
        "",
        NOTE,
    ]
    write_doc("problems_themes", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
