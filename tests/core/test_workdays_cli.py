"""The stable ``qinqing calendar`` contract, run as a user runs it (a separate process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(tmp_path):
    env = {
        **os.environ,
        # an empty, never-migrated database: the CLI must not need it for package years
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "QINQING_VAR_DIR": str(tmp_path / "var"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "qinqing.cli.main", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    return run


@pytest.mark.parametrize(
    ("args", "out"),
    [
        (("calendar", "add", "2025-09-30", "3"), "2025-10-11"),
        (("calendar", "add", "2025-12-31", "1"), "2026-01-04"),
        (("calendar", "add", "2025-10-09", "-1"), "2025-09-30"),
        (("calendar", "between", "2025-09-30", "2025-10-11"), "3"),
        (("calendar", "between", "2026-02-13", "2026-02-28"), "6"),
        (("calendar", "due", "2025-09-30 18:00", "3个工作日"), "2025-10-13 17:30"),
        (("calendar", "due", "2025-09-26 20:00", "24小时"), "2025-09-27 20:00"),
    ],
)
def test_add_between_due(run, args, out):
    result = run(*args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == out


def test_a_year_without_a_notice_is_answered_provisionally(run):
    # 2027-06-01 is a Tuesday; no statutory holiday is near it
    result = run("calendar", "add", "2027-06-01", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2027-06-02"
    assert "暂定" in result.stderr and "2027 年" in result.stderr

    # across 元旦 2027 (a Friday): 12-31 is a working day, 2027-01-01 a rest day
    result = run("calendar", "add", "2026-12-30", "2")
    assert (result.returncode, result.stdout.strip()) == (0, "2027-01-04")
    assert "暂定" in result.stderr

    result = run("calendar", "between", "2026-12-01", "2027-01-10")
    assert result.returncode == 0 and "暂定" in result.stderr


def test_official_years_print_no_provisional_line(run):
    result = run("calendar", "add", "2026-06-01", "1")
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "2026-06-02", "")


def test_a_date_outside_the_calendar_exits_non_zero_with_a_clear_message(run):
    result = run("calendar", "add", "2003-12-30", "1")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "2003 年不在工作日历的范围内" in result.stderr


def test_invalid_date_is_explained(run):
    result = run("calendar", "add", "2025-02-30", "1")
    assert result.returncode == 2
    assert "2025-02-30" in result.stderr and "只有 28 天" in result.stderr


def test_package_years_are_answered_without_django():
    code = (
        "import sys; from qinqing.cli.main import main; "
        "rc = main(['calendar', 'add', '2025-09-30', '3']); "
        "assert 'django' not in sys.modules, 'django imported'; sys.exit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2025-10-11"


def test_import_notice_check_validates_without_a_database(run, tmp_path):
    good = REPO / "qinqing" / "core" / "workdays" / "samples" / "notice-2027-sample.yaml"
    result = run("calendar", "import-notice", str(good), "--check")
    assert result.returncode == 0, result.stderr
    assert "文件检查通过：2027 年" in result.stdout

    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        "年份,2027\n文件名称,测试\n日期,类型,名称\n2027-01-01,放假,元旦\n".encode("gbk")
    )
    result = run("calendar", "import-notice", str(bad), "--check")
    assert result.returncode == 2
    assert "第 1 行" in result.stderr and "UTF-8" in result.stderr  # 年份 is already GBK


def test_import_notice_into_an_unmigrated_database_fails_cleanly(run):
    good = REPO / "qinqing" / "core" / "workdays" / "samples" / "notice-2027-sample.csv"
    result = run("calendar", "import-notice", str(good))
    assert result.returncode == 2
    assert "qinqing migrate" in result.stderr and "未导入" in result.stderr
