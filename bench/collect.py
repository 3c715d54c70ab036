"""Assemble docs/benchmarks.md from the per-benchmark sections in docs/bench/*.md.

Each benchmark script writes its own section (machine, date, command, figures, baseline and
ratio); this keeps one page for readers without benchmarks overwriting each other.
Usage: .venv/bin/python bench/collect.py
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORDER = [
    "calendar",
    "plan_parse",
    "supervision",
    "assessment",
    "router",
    "appeals",
    "policies",
    "inspections",
]

HEADER = """# Benchmarks

Figures from the scripts in `bench/`, each measured on the project's development machine (2 cores,
24 GB) and compared with a baseline measured in the same run. Each section below is written by its
script into `docs/bench/<name>.md`; `bench/collect.py` assembles this page. Where a section notes
the load average, other work was running on the machine and wall-clock figures are pessimistic.

"""


def main() -> None:
    parts = sorted((ROOT / "docs" / "bench").glob("*.md"))
    rank = {name: i for i, name in enumerate(ORDER)}
    parts.sort(key=lambda p: (rank.get(p.stem, len(ORDER)), p.stem))
    body = "\n\n".join(p.read_text(encoding="utf-8").strip() for p in parts)
    (ROOT / "docs" / "benchmarks.md").write_text(HEADER + body + "\n", encoding="utf-8")
    print(f"docs/benchmarks.md: {len(parts)} sections ({', '.join(p.stem for p in parts)})")


if __name__ == "__main__":
    main()
