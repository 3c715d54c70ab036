"""Benchmark the plan parser on the seed documents.

Usage: .venv/bin/python bench/plan_parse.py [--n ROUNDS] [--big TASKS]

Parses every file of ../shared/seeds ROUNDS times and prints documents per second and
characters per second, then does the same on the corpus of real plans of issue 16
(tests/plans/corpus: .txt in UTF-8 and GBK, .docx, .pdf), per format. The baseline, measured in the same run, is reading and decoding the
same files (``readers.read_file``: size check, bytes, encoding detection, line splitting);
the ratio says how much the parsing itself costs on top. A synthetic plan of TASKS numbered
tasks (built from seed 000) checks that the time grows linearly with the length of a plan.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

from qinqing.plans.parsing import parse_file, parse_text, targets
from qinqing.plans.parsing.readers import read_file

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
CORPUS = REPO / "tests" / "plans" / "corpus"


def _timed(fn, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        targets.clear_caches()  # every round parses from cold, as an upload does
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def _synthetic_plan(tasks: int) -> str:
    """A plan of ``tasks`` tasks: the task lines of seed 000, renumbered and repeated."""
    lines = (SEEDS / "000_36604b5286f2cc39.txt").read_text(encoding="utf-8").splitlines()
    items = [
        ln.strip().split(".", 1)[1] for ln in lines if ln.strip()[:1].isdigit() and "牵头" in ln
    ]
    out = ["XX市优化营商环境实施方案", "一、重点任务"]
    per_section = 40
    for k in range(tasks):
        if k % per_section == 0:
            out.append(f"（{_cn(k // per_section + 1)}）第{k // per_section + 1}组任务")
        out.append(f"{k + 1}.{items[k % len(items)]}")
    return "\n".join(out)


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20, help="rounds over all seed files (default 20)")
    ap.add_argument(
        "--big", type=int, default=900, help="tasks in the synthetic plan (default 900)"
    )
    args = ap.parse_args()

    files = sorted(SEEDS.glob("*.txt"))
    assert files, f"no seed files in {SEEDS}"
    chars = sum(len(read_file(f).text) for f in files)
    for f in files:  # warm up imports and caches
        parse_file(f)

    base = _timed(lambda: [read_file(f) for f in files], args.n)
    full = _timed(lambda: [parse_file(f) for f in files], args.n)
    base_s, full_s = statistics.median(base), statistics.median(full)

    print(
        f"python {platform.python_version()} on {platform.machine()}; {len(files)} seed files, {chars:,} characters"
    )
    print(f"rounds: {args.n} (median round reported)")
    print(
        f"baseline read+decode : {base_s * 1000:8.2f} ms/round  {len(files) / base_s:9.1f} docs/s  {chars / base_s / 1e6:7.2f} M chars/s"
    )
    print(
        f"parse_file (full)    : {full_s * 1000:8.2f} ms/round  {len(files) / full_s:9.1f} docs/s  {chars / full_s / 1e6:7.2f} M chars/s"
    )
    print(f"ratio parse/baseline : {full_s / base_s:8.1f}x")
    print("per document (median of rounds):")
    for f in files:
        t = statistics.median(_timed(lambda f=f: parse_file(f), max(3, args.n // 2)))
        doc = parse_file(f)
        size = len(read_file(f).text)
        count = (
            f"{len(doc['tasks'])} tasks"
            if doc["kind"] == "plan"
            else f"{len(doc['articles'])} articles"
        )
        print(f"  {f.name:28s} {size:8,} chars  {t * 1000:7.2f} ms  {count}")

    _corpus(args.n)

    small_text = _synthetic_plan(args.big // 10)
    big_text = _synthetic_plan(args.big)
    t_small = statistics.median(_timed(lambda: parse_text(small_text, "small.txt"), 5))
    t_big = statistics.median(_timed(lambda: parse_text(big_text, "big.txt"), 3))
    tasks_found = len(parse_text(big_text, "big.txt")["tasks"])
    print(
        f"synthetic plan: {args.big // 10} tasks {t_small * 1000:.1f} ms; {args.big} tasks ({len(big_text):,} chars, "
        f"{tasks_found} parsed) {t_big * 1000:.1f} ms; growth x{t_big / t_small:.1f} for x10 tasks"
    )


def _corpus(rounds: int) -> None:
    """The corpus of real plans: all files per round, and the median per file by format."""
    import json

    gold = json.loads((CORPUS / "gold.json").read_text(encoding="utf-8"))["documents"]
    files = [CORPUS / d["file"] for d in gold]
    chars = sum(len(read_file(f).text) for f in files)
    tasks = sum(len(d["tasks"]) for d in gold)
    for f in files:
        parse_file(f)
    base_s = statistics.median(_timed(lambda: [read_file(f) for f in files], rounds))
    full_s = statistics.median(_timed(lambda: [parse_file(f) for f in files], rounds))
    print(f"corpus: {len(files)} real plans, {chars:,} characters, {tasks} gold tasks")
    print(
        f"  read+decode {base_s * 1000:8.2f} ms/round; parse_file {full_s * 1000:8.2f} ms/round  "
        f"{len(files) / full_s:7.1f} docs/s  {chars / full_s / 1e6:5.2f} M chars/s"
    )
    by_format: dict[str, list[float]] = {}
    print("  per document (median of rounds): read+decode ms, parse_file ms, tasks parsed/gold")
    for f, doc in zip(files, gold, strict=True):
        kind = "gbk.txt" if f.name.endswith(".gbk.txt") else f.suffix.lstrip(".")
        n = max(3, rounds // 2)
        t_read = statistics.median(_timed(lambda f=f: read_file(f), n))
        t = statistics.median(_timed(lambda f=f: parse_file(f), n))
        by_format.setdefault(kind, []).append(t)
        parsed = len(parse_file(f)["tasks"])
        print(
            f"    {f.name:48s} {len(read_file(f).text):7,} chars  read {t_read * 1000:7.2f} ms"
            f"  parse {t * 1000:7.2f} ms  tasks {parsed}/{len(doc['tasks'])}"
        )
    for kind, times in sorted(by_format.items()):
        print(
            f"  {kind:8s} {len(times):2d} files  median {statistics.median(times) * 1000:6.2f} ms"
            f"  max {max(times) * 1000:6.2f} ms"
        )


if __name__ == "__main__":
    main()
