"""The plan parser on real plans from other issuers (issue 16): tests/plans/corpus.

Twenty-eight public plans (the State Council and its General Office, provinces, cities,
counties and districts; 2012–2024; 意见, 若干意见, 通知 with an attached 工作方案 or 分工方案,
实施意见, 实施方案, 工作要点, 行动方案, 若干措施, 若干规定, two county 考核细则 with indicator tables;
.txt in UTF-8 and GBK, .docx, .pdf), hand-labelled in
``corpus/gold.json`` in the format of ``../shared/gold/seeds_gold.json`` and scored with
``../shared/tools/score_plans.py``. ``pytest tests/plans/test_parse_corpus.py -s`` prints the
per-document table.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from qinqing.plans.parsing import parse_file

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "corpus"
GOLD = CORPUS / "gold.json"
SCORER = REPO.parent / "shared" / "tools" / "score_plans.py"
FIELDS = ("tasks", "lead_units", "responsible_units", "deadline", "targets")
OVERALL_FLOOR = {"tasks": 0.90, "lead_units": 0.90, "responsible_units": 0.90, "deadline": 0.90}
TARGETS_FLOOR = 0.85
DOCUMENT_FLOOR = 0.80


def _gold() -> list[dict]:
    return json.loads(GOLD.read_text(encoding="utf-8"))["documents"]


@pytest.fixture(scope="module")
def scored() -> tuple[dict[str, dict[str, float]], dict[str, float], str]:
    assert SCORER.is_file(), f"scorer missing: {SCORER}"
    env = dict(os.environ, QINQING_CMD=f"{sys.executable} -m qinqing.cli.main")
    result = subprocess.run(
        [sys.executable, str(SCORER), str(GOLD), "--docs-dir", str(CORPUS), "--min-f1", "0.9"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert "ERROR" not in result.stdout, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    per_doc = {}
    for line in lines[:-1]:
        name, _, rest = line.partition(" ")
        per_doc[name] = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", rest)}
    overall = {k: float(v) for k, v in re.findall(r"(\w+):F1=([\d.]+)", lines[-1])}
    return per_doc, overall, lines[-1]


def test_corpus_has_enough_documents_and_tasks_in_every_format():
    files = [d["file"] for d in _gold()]
    assert len(files) >= 15
    assert sum(len(d["tasks"]) for d in _gold()) >= 150
    assert {Path(f).suffix for f in files} == {".txt", ".docx", ".pdf"}
    assert any(f.endswith(".gbk.txt") for f in files)
    for name in files:
        assert (CORPUS / name).is_file(), name
    assert "SOURCES" in (CORPUS / "SOURCES.md").read_text(encoding="utf-8").upper()


def test_per_document_table_and_floors(scored):
    per_doc, overall, summary = scored
    header = f"{'document':46}" + "".join(f"{f[:11]:>12}" for f in FIELDS)
    rows = [header, "-" * len(header)]
    for doc in _gold():
        scores = per_doc[doc["file"]]
        rows.append(
            f"{doc['file']:46}"
            + "".join(f"{scores[f]:>12.3f}" if f in scores else f"{'—':>12}" for f in FIELDS)
        )
    rows.append(f"{'OVERALL':46}" + "".join(f"{overall.get(f, 1.0):>12.3f}" for f in FIELDS))
    print("\n" + "\n".join(rows))
    for field, floor in OVERALL_FLOOR.items():
        assert overall[field] >= floor, summary
    assert overall["targets"] >= TARGETS_FLOOR, summary
    low = {
        (name, field): value
        for name, scores in per_doc.items()
        for field, value in scores.items()
        if field in OVERALL_FLOOR and value < DOCUMENT_FLOOR
    }
    assert not low, low


def test_corpus_targets_are_verbatim():
    for doc in _gold():
        text = re.sub(r"\s+", "", (CORPUS / "text" / f"{doc['file'][:3]}.txt").read_text("utf-8"))
        for task in doc["tasks"]:
            for target in task["targets"]:
                assert re.sub(r"\s+", "", target) in text, (doc["file"], target)


@pytest.mark.parametrize("name", ["c08_xiangxi_2020.txt", "c10_xiamen_2019.gbk.txt"])
def test_fields_from_a_rule_or_a_closing_clause_are_not_flagged(name):
    parsed = parse_file(CORPUS / name)
    assert all("lead_units" not in t["uncertain"] for t in parsed["tasks"])
    assert all("deadline" not in t["uncertain"] for t in parsed["tasks"])


def test_a_span_of_years_is_not_a_date_to_check():
    """“5年内重点引进…” (c26) is a duration: no task of that plan is flagged for its deadline
    except the one whose body names a date (“于2012年10月底前…”)."""
    parsed = parse_file(CORPUS / "c26_guangzhou-rencai_2012.pdf")
    flagged = [t["id"] for t in parsed["tasks"] if "deadline" in t["uncertain"]]
    assert flagged == ["43"]


def test_a_date_in_the_body_without_a_deadline_is_flagged_for_review():
    parsed = parse_file(CORPUS / "c15_district-fangguanfu_2016.txt")
    assert parsed["tasks"][0]["deadline"] is None
    assert "deadline" in parsed["tasks"][0]["uncertain"]
