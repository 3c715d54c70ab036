"""``qinqing policies evaluate`` from Parquet: the fast path (only the columns the rules
read are kept, unread columns settled by the file's statistics, pyarrow without pandas)
gives the same results and refuses the same bad files as reading everything."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from qinqing.cli.main import main
from qinqing.core.enterprises.registry_io import load_registry, read_registry
from qinqing.policies.engine.evaluate import attributes_used, evaluate
from qinqing.policies.engine.spec import load_ruleset

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data" / "enterprises"
SAMPLE = DATA / "sample_10k.csv"
EXPECTED = DATA / "expected_2025.csv"


@pytest.fixture(scope="module")
def sample_table() -> pa.Table:
    assert SAMPLE.is_file() and EXPECTED.is_file(), f"shared enterprise data missing in {DATA}"
    return load_registry(SAMPLE).table


def with_value(table: pa.Table, column: str, row: int, value: object) -> pa.Table:
    """The table with one cell changed (``value`` of the column's type, or None)."""
    values = table.column(column).to_pylist()
    values[row] = value
    index = table.column_names.index(column)
    return table.set_column(index, column, pa.array(values, table.schema.field(column).type))


def write(tmp_path: Path, table: pa.Table, name: str = "名录.parquet", **options) -> Path:
    path = tmp_path / name
    pq.write_table(table, path, **options)
    return path


WRITE_OPTIONS: dict[str, dict[str, object]] = {
    "one row group": {},
    "no statistics": {"write_statistics": False},
    "row groups": {"row_group_size": 999},  # several dictionaries and statistics
    "plain text": {"use_dictionary": False},
}


def run_process(*args: str) -> subprocess.CompletedProcess[str]:
    """``qinqing …`` as its own process (through entry(), as the console script runs),
    printing on the last line of stdout whether pandas was imported."""
    script = (
        "import sys\n"
        "from qinqing.cli.main import entry\n"
        f"sys.argv = ['qinqing', *{list(args)!r}]\n"
        "try:\n"
        "    entry()\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "print('pandas imported:', 'pandas' in sys.modules)\n"
        "sys.exit(code)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )


def evaluate_args(source: Path, out: Path) -> list[str]:
    return ["policies", "evaluate", "--enterprises", str(source), "--year", "2025"] + [
        "--out",
        str(out),
    ]


def test_evaluate_process_from_parquet_matches_expected_without_pandas(tmp_path, sample_table):
    parquet = write(tmp_path, sample_table)
    out = tmp_path / "out.csv"
    result = run_process(*evaluate_args(parquet, out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == EXPECTED.read_bytes()
    assert "符合 1403 项次" in result.stdout
    assert result.stdout.splitlines()[-1] == "pandas imported: False"


@pytest.mark.parametrize("layout", sorted(WRITE_OPTIONS))
def test_only_the_rule_columns_are_kept_and_the_rest_is_still_validated(
    sample_table, tmp_path, layout
):
    rules = load_ruleset()
    wanted = {"uscc", *attributes_used(rules)}
    assert "graduate_hires" in wanted and "name" not in wanted
    parquet = write(tmp_path, sample_table, **WRITE_OPTIONS[layout])
    full = read_registry(parquet).registry
    fast = read_registry(parquet, columns=wanted).registry
    assert full is not None and fast is not None
    assert set(fast.table.column_names) == wanted
    assert fast.table.equals(full.table.select(fast.table.column_names))
    a, b = evaluate(rules, full, 2025), evaluate(rules, fast, 2025)
    assert [(d.uscc, d.policy_id, d.amount) for d in a.decisions()] == [
        (d.uscc, d.policy_id, d.amount) for d in b.decisions()
    ]


BAD_FILES = {
    # column, row, value: each in a column the seed rules do not read
    "name empty": ("name", 4, ""),
    "name missing": ("name", 4, None),
    "established_on far future": ("established_on", 7, dt.date(2205, 3, 1)),
    "established_on missing": ("established_on", 7, None),
    "region_code pattern": ("region_code", 9, "42060"),
    "industry_code pattern": ("industry_code", 2, "c39"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
@pytest.mark.parametrize("layout", sorted(WRITE_OPTIONS))
def test_a_bad_value_in_an_unread_column_is_refused_as_before(tmp_path, sample_table, case, layout):
    column, row, value = BAD_FILES[case]
    parquet = write(tmp_path, with_value(sample_table, column, row, value), **WRITE_OPTIONS[layout])
    wanted = {"uscc", *attributes_used(load_ruleset())}
    before = read_registry(parquet)
    fast = read_registry(parquet, columns=wanted)
    assert before.registry is None and fast.registry is None
    assert [e.message for e in fast.errors] == [e.message for e in before.errors]
    assert len(fast.errors) == 1 and f"第 {row + 2} 行" in fast.errors[0].message
    skipped = read_registry(parquet, columns=wanted, on_error="skip")
    assert skipped.registry is not None and len(skipped.registry) == len(sample_table) - 1


def test_the_command_refuses_a_bad_parquet_file_in_chinese(tmp_path, sample_table):
    bad = with_value(sample_table, "established_on", 7, dt.date(2205, 3, 1))
    out = tmp_path / "out.csv"
    result = run_process(*evaluate_args(write(tmp_path, bad), out))
    assert result.returncode == 2
    assert "第 9 行“成立日期”（established_on）为“2205-03-01”，年份不在 1900—2100 年之间" in (
        result.stderr
    )
    assert "整个文件未导入" in result.stderr
    assert not out.exists()
    missing = sample_table.drop_columns(["name"])
    assert main(evaluate_args(write(tmp_path, missing, "缺列.parquet"), out)) == 2
    assert not out.exists()
    damaged = tmp_path / "坏文件.parquet"
    damaged.write_bytes(write(tmp_path, sample_table).read_bytes()[:5000])
    result = run_process(*evaluate_args(damaged, out))
    assert result.returncode == 2
    assert "“坏文件.parquet”不是有效的 Parquet 文件" in result.stderr


def test_missing_required_column_is_reported_when_reading_only_some(sample_table, tmp_path):
    parquet = write(tmp_path, sample_table.drop_columns(["name"]))
    imported = read_registry(parquet, columns={"uscc", "size"})
    assert imported.registry is None
    assert "缺少必需的列“name”（名称）" in imported.report()


def test_text_and_timestamp_columns_are_read_and_converted(sample_table, tmp_path):
    """Columns not of their catalogue type cannot be settled by statistics."""
    text = sample_table.set_column(
        sample_table.column_names.index("established_on"),
        "established_on",
        pc.cast(sample_table.column("established_on"), pa.string()),
    )
    parquet = write(tmp_path, text)
    out = tmp_path / "out.csv"
    assert main(evaluate_args(parquet, out)) == 0
    assert out.read_bytes() == EXPECTED.read_bytes()
    bad = with_value(text, "established_on", 3, "2025-02-30")
    imported = read_registry(write(tmp_path, bad, "bad.parquet"), columns={"uscc"})
    assert imported.registry is None
    assert "第 5 行“成立日期”（established_on）为“2025-02-30”，不是有效日期" in imported.report()
