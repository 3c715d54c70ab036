"""The ``qinqing policies`` contract: exact results file, explanations, Chinese errors."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from qinqing.cli.main import main

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
DATA = SHARED / "data" / "enterprises"
SAMPLE = DATA / "sample_10k.csv"
EXPECTED = DATA / "expected_2025.csv"


@pytest.fixture(scope="module")
def shared_files():
    assert SAMPLE.is_file() and EXPECTED.is_file(), f"shared enterprise data missing in {DATA}"
    return SAMPLE, EXPECTED


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "qinqing.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )


def rows(path: Path) -> list[tuple[str, str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [tuple(r) for r in csv.reader(handle)]


def test_evaluate_reproduces_expected_2025_exactly(tmp_path, shared_files):
    out = tmp_path / "out.csv"
    result = run(
        "policies", "evaluate", "--enterprises", str(SAMPLE), "--year", "2025", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    got, expected = rows(out), rows(EXPECTED)
    assert got[0] == ("uscc", "policy_id", "amount")
    assert set(got[1:]) == set(expected[1:])
    assert len(got) == len(expected)
    assert out.read_bytes() == EXPECTED.read_bytes()
    assert "符合 1403 项次" in result.stdout


def test_evaluate_output_is_the_same_for_gbk_and_parquet_inputs(tmp_path, shared_files):
    from qinqing.core.enterprises.registry_io import load_registry

    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(SAMPLE.read_text(encoding="utf-8").encode("gbk"))
    parquet = tmp_path / "registry.parquet"
    pq.write_table(load_registry(SAMPLE).table, parquet)
    for source in (gbk, parquet):
        out = tmp_path / f"{source.stem}.csv"
        code = main(
            [
                "policies",
                "evaluate",
                "--enterprises",
                str(source),
                "--year",
                "2025",
                "--out",
                str(out),
            ]
        )
        assert code == 0
        assert out.read_bytes() == EXPECTED.read_bytes(), source.name


def test_evaluate_other_year_and_version_column(tmp_path, shared_files):
    out = tmp_path / "2026.csv"
    code = main(
        [
            "policies",
            "evaluate",
            "--enterprises",
            str(SAMPLE),
            "--year",
            "2026",
            "--out",
            str(out),
            "--with-version",
        ]
    )
    assert code == 0
    got = rows(out)
    assert got[0] == ("uscc", "policy_id", "policy_version", "amount")
    assert {r[2] for r in got[1:]} == {"1"}
    assert set(got[1:]) != {(*r[:2], "1", r[2]) for r in rows(EXPECTED)[1:]}


def test_explain_prints_every_condition_in_chinese(shared_files):
    code = rows(EXPECTED)[1][0]  # an enterprise with a district18-art2 award
    expected_amount = int(rows(EXPECTED)[1][2])
    result = run(
        "policies", "explain", "--enterprises", str(SAMPLE), "--uscc", code, "--year", "2025"
    )
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert f"统一社会信用代码 {code}" in text
    assert f"结论：符合，金额 {expected_amount:,} 元" in text
    assert text.count("[满足]") + text.count("[不满足]") >= 19  # 7 + 9 items, 2 conditions
    assert "本企业的严重失信主体：否" in text


def test_explain_json_for_other_systems(capsys, shared_files):
    import json

    code = rows(EXPECTED)[1][0]
    assert (
        main(
            [
                "policies",
                "explain",
                "--enterprises",
                str(SAMPLE),
                "--uscc",
                code,
                "--year",
                "2025",
                "--json",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["uscc"] == code
    assert {p["policy_id"] for p in data["policies"]} == {
        "district18-art2",
        "district18-art3",
        "grad-hiring-subsidy",
    }


def test_explain_unknown_code_exits_2_with_chinese_error(capsys, shared_files):
    assert (
        main(
            [
                "policies",
                "explain",
                "--enterprises",
                str(SAMPLE),
                "--uscc",
                "914403001922038216",
                "--year",
                "2025",
            ]
        )
        == 2
    )
    assert (
        "错误：“sample_10k.csv”中没有统一社会信用代码为“914403001922038216”的企业"
        in capsys.readouterr().err
    )
    assert (
        main(
            [
                "policies",
                "explain",
                "--enterprises",
                str(SAMPLE),
                "--uscc",
                "914403001922038217",
                "--year",
                "2025",
            ]
        )
        == 2
    )
    assert "校验位（第 18 位）应为“6”" in capsys.readouterr().err


def test_invalid_registry_writes_nothing_unless_bad_rows_are_skipped(
    tmp_path, capsys, shared_files
):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    bad = lines[3].split(",")
    bad[header.index("size")] = "巨型"
    registry = tmp_path / "名录.csv"
    registry.write_text(
        "\n".join([lines[0], *lines[1:3], ",".join(bad), *lines[4:]]) + "\n", encoding="utf-8"
    )
    out = tmp_path / "out.csv"
    args = [
        "policies",
        "evaluate",
        "--enterprises",
        str(registry),
        "--year",
        "2025",
        "--out",
        str(out),
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "第 4 行“企业规模”（size）为“巨型”，不是允许的取值" in err
    assert "整个文件未导入" in err
    assert not out.exists()
    assert main([*args, "--skip-bad-rows"]) == 0
    assert "跳过 1 行" in capsys.readouterr().err
    skipped = bad[0]
    expected = [r for r in rows(EXPECTED)[1:] if r[0] != skipped]
    assert rows(out)[1:] == expected


def test_custom_rules_directory_and_rule_errors(tmp_path, capsys, shared_files):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "big.yaml").write_text(
        """id: big-hires
version: 3
title: 招用毕业生 20 人以上的企业奖励
document: 测试文件
article: 第一条
source_text: 招用 20 人以上奖励 1 万元。
when: [{attribute: graduate_hires, at_least: 20}]
items: [{id: flat, title: 奖励, amount: 1万元}]
""",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    args = [
        "policies",
        "evaluate",
        "--enterprises",
        str(SAMPLE),
        "--year",
        "2025",
        "--out",
        str(out),
        "--rules",
        str(rules),
    ]
    assert main(args) == 0
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    hires = lines[0].split(",").index("graduate_hires")
    expected = [
        (r.split(",")[0], "big-hires", "10000") for r in lines[1:] if int(r.split(",")[hires]) >= 20
    ]
    assert rows(out)[1:] == expected
    (rules / "broken.yaml").write_text(
        "id: broken\nversion: 1\nitems: [{id: a, title: 甲}]\n", encoding="utf-8"
    )
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：政策规则有")
    assert "broken.yaml" in err and "缺少金额“amount”" in err
    assert main(["policies", "validate", "--rules", str(rules)]) == 2


def test_year_and_missing_file_errors(capsys, tmp_path):
    assert (
        main(
            [
                "policies",
                "evaluate",
                "--enterprises",
                str(SAMPLE),
                "--year",
                "25",
                "--out",
                str(tmp_path / "o.csv"),
            ]
        )
        == 2
    )
    assert "政策年度“25”不合理" in capsys.readouterr().err
    assert (
        main(
            [
                "policies",
                "evaluate",
                "--enterprises",
                str(tmp_path / "no.csv"),
                "--year",
                "2025",
                "--out",
                str(tmp_path / "o.csv"),
            ]
        )
        == 2
    )
    assert "找不到文件" in capsys.readouterr().err


def test_policies_cli_does_not_import_django(tmp_path, shared_files):
    out = tmp_path / "out.csv"
    script = (
        "import sys, argparse\n"
        "from qinqing.policies import cli\n"
        "parser = argparse.ArgumentParser(); sub = parser.add_subparsers()\n"
        "cli.register(sub)\n"
        f"args = parser.parse_args(['policies', 'evaluate', '--enterprises', {str(SAMPLE)!r}, '--year', '2025', '--out', {str(out)!r}])\n"
        "assert args.func(args) == 0\n"
        f"args = parser.parse_args(['policies', 'explain', '--enterprises', {str(SAMPLE)!r}, '--uscc', {rows(EXPECTED)[1][0]!r}, '--year', '2025'])\n"
        "assert args.func(args) == 0\n"
        "assert 'django' not in sys.modules, 'policies CLI imported Django'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == EXPECTED.read_bytes()


def test_near_misses_file_lists_who_missed_by_one_condition(tmp_path, shared_files):
    out, near = tmp_path / "out.csv", tmp_path / "near.csv"
    args = [
        "policies",
        "evaluate",
        "--enterprises",
        str(SAMPLE),
        "--year",
        "2025",
        "--out",
        str(out),
    ]
    assert main([*args, "--near-misses", str(near)]) == 0
    found = rows(near)
    assert found[0] == ("uscc", "policy_id", "item_id", "reason")
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    records = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    # grad-hiring-subsidy has two conditions: exactly one fails, or both hold but 严重失信
    expected_grad = set()
    for r in records:
        sme, hires, dishonest = (
            r["size"] != "large",
            int(r["graduate_hires"]) > 0,
            r["serious_dishonesty"] == "True",
        )
        if (sme + hires == 1 and not dishonest) or (sme and hires and dishonest):
            expected_grad.add(r["uscc"])
    assert {r[0] for r in found[1:] if r[1] == "grad-hiring-subsidy"} == expected_grad
    art2 = [r for r in found[1:] if r[1] == "district18-art2"]
    assert art2 and all("严重失信" in r[3] for r in art2)
    eligible = {(r[0], r[1]) for r in rows(EXPECTED)[1:]}
    assert not eligible & {(r[0], r[1]) for r in found[1:]}


def test_attributes_and_sql_commands(capsys):
    assert main(["policies", "attributes"]) == 0
    listing = capsys.readouterr().out
    assert "graduate_hires\t本年度招用高校毕业生人数\t整数" in listing
    assert "size\t企业规模\t枚举（固定取值）" in listing and "micro（微型）" in listing
    assert main(["policies", "sql", "--year", "2025", "--dialect", "sqlite"]) == 0
    from qinqing.policies.engine.spec import load_ruleset
    from qinqing.policies.engine.sql import compile_to_sql

    assert capsys.readouterr().out == compile_to_sql(load_ruleset(), 2025, dialect="sqlite") + "\n"
