"""A database that other processes can reach: the PostgreSQL test database itself, or on
SQLite (whose test database lives in memory) a migrated file copied for each test."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@dataclass
class ProcessDB:
    url: str
    env: dict
    sqlite_path: Path | None

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.sqlite_path is not None:
            with sqlite3.connect(self.sqlite_path, timeout=30) as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def start(self, *args: str, **env: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "qinqing.cli.main", *args],
            cwd=REPO,
            env={**self.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def _base_env(var_dir: Path, url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DATABASE_URL=url,
        QINQING_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="tests.core.jobs.sample_settings",
        PYTHONPATH=str(REPO),
    )
    return env


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory) -> Path:
    var = tmp_path_factory.mktemp("jobs-sqlite")
    path = var / "template.sqlite3"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=REPO,
        env=_base_env(var, f"sqlite:///{path}"),
        check=True,
    )
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def process_db(request, transactional_db, tmp_path) -> ProcessDB:
    from django.db import connection

    if connection.vendor == "postgresql":
        s = connection.settings_dict
        auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
        url = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        return ProcessDB(url, _base_env(tmp_path, url), None)
    template = request.getfixturevalue("_migrated_sqlite")
    path = tmp_path / "qinqing.sqlite3"
    shutil.copyfile(template, path)
    url = f"sqlite:///{path}"
    return ProcessDB(url, _base_env(tmp_path, url), path)
