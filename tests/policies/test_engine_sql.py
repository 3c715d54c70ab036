"""compile_to_sql: the same results computed inside a database (SQLite here)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from qinqing.core.enterprises.registry_io import load_registry
from qinqing.policies.engine.evaluate import evaluate
from qinqing.policies.engine.spec import load_ruleset, parse_policy
from qinqing.policies.engine.sql import compile_to_sql

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SAMPLE = SHARED / "data" / "enterprises" / "sample_10k.csv"
EXPECTED = SHARED / "data" / "enterprises" / "expected_2025.csv"


def sqlite_registry(registry) -> sqlite3.Connection:
    table = registry.table
    columns = table.column_names
    con = sqlite3.connect(":memory:")
    con.execute(
        "CREATE TABLE enterprises (row_no INTEGER, " + ", ".join(f'"{c}"' for c in columns) + ")"
    )

    def cell(value):
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
        return value

    data = table.to_pylist()
    con.executemany(
        "INSERT INTO enterprises VALUES (" + ", ".join("?" * (len(columns) + 1)) + ")",
        [(i, *(cell(row[c]) for c in columns)) for i, row in enumerate(data)],
    )
    return con


@pytest.fixture(scope="module")
def sample_db():
    assert SAMPLE.is_file(), f"shared sample registry missing: {SAMPLE}"
    registry = load_registry(SAMPLE)
    return registry, sqlite_registry(registry)


def as_csv(result_rows) -> str:
    return "uscc,policy_id,amount\n" + "".join(f"{u},{p},{a}\n" for u, p, a in result_rows)


def test_sql_on_sqlite_reproduces_expected_2025(sample_db):
    _, con = sample_db
    sql = compile_to_sql(load_ruleset(), 2025, dialect="sqlite")
    assert as_csv(con.execute(sql).fetchall()) == EXPECTED.read_text(encoding="utf-8")


@pytest.mark.parametrize("year", [2023, 2024, 2026, 2027])
def test_sql_matches_the_numpy_engine_in_other_years(sample_db, year):
    registry, con = sample_db
    rules = load_ruleset()
    got = con.execute(compile_to_sql(rules, year, dialect="sqlite")).fetchall()
    evaluation = evaluate(rules, registry, year)
    expected = [(d.uscc, d.policy_id, d.amount) for d in evaluation.decisions()]
    assert got == expected


def test_sql_for_every_operator_and_amount_kind_matches_numpy(sample_db):
    registry, con = sample_db
    policy = parse_policy(
        """
id: everything
version: 1
title: 全部写法
document: 测试
article: 第一条
source_text: 测试。
valid_from: 2025-03-01
cap: 250000
when:
  - any_of:
      - {attribute: size, not_in: [large]}
      - {attribute: industry_code, starts_with: [C, E]}
  - not: {attribute: region_code, equals: "420606"}
  - count_of:
      - {attribute: established_on, before: 2010-01-01}
      - {attribute: graduate_hires, between: [1, 20]}
      - {attribute: high_tech_on, present: true}
      - {attribute: little_giant_on, on_or_before: policy_year_end}
    at_least: 1
exclusions:
  - {attribute: serious_dishonesty, equals: true}
items:
  - id: tiers
    title: 分档
    amount:
      tiers_by: graduate_hires
      tiers: [{at_least: 1, amount: 1000}, {at_least: 10, amount: 5000, each: 100}]
  - id: pct
    title: 比例
    amount: {percent: 12.5, of: graduate_hires}
    cap: 2
groups:
  - id: g
    title: 取最高
    items:
      - {id: a, title: 甲, when: [{attribute: high_tech_on, in_policy_year: true}], amount: 10万元}
      - {id: b, title: 乙, when: [{attribute: srdi_sme_city_on, in_policy_year: false}, {attribute: srdi_sme_city_on, after: 2020-01-01}], amount: 2万元}
      - {id: c, title: 丙, when: [{attribute: established_on, on_or_after: 2024-01-01}], amount: 30万元}
""",
        "everything.yaml",
    )
    for year in (2025, 2026):
        got = con.execute(compile_to_sql([policy], year, dialect="sqlite")).fetchall()
        expected = [
            (d.uscc, d.policy_id, d.amount) for d in evaluate([policy], registry, year).decisions()
        ]
        assert len(expected) > 100
        assert got == expected


def test_postgresql_dialect_uses_greatest_and_typed_dates():
    sql = compile_to_sql(load_ruleset(), 2025)
    assert (
        "GREATEST(" in sql
        and "DATE '2025-01-01'" in sql
        and 'CAST(COALESCE("graduate_hires", 0) AS BIGINT)' in sql
    )
    assert sql.rstrip().endswith('ORDER BY policy_order, "row_no"')
