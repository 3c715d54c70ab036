"""Shared fixtures. ``world`` builds the named test world (tests/world.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def shared_dir() -> Path:
    assert SHARED.is_dir(), f"../shared is missing next to the repository ({SHARED})"
    return SHARED


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Argon2 is deliberately slow; tests that are not about hashing use a fast hasher."""
    if "argon2" not in request.node.name:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    from tests.world import build_world

    return build_world()


@pytest.fixture
def client_for(client):
    """``client_for(user)`` returns the test client logged in as ``user``."""

    def login(user):
        client.force_login(user)
        return client

    return login


def pytest_report_header(config):
    url = os.environ.get("DATABASE_URL", "sqlite (default)")
    return [f"qinqing database: {url.split('@')[-1]}"]


DB_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server", "client", "admin_client"}


def pytest_collection_modifyitems(config, items):
    """With QINQING_DB_TESTS_ONLY=1 (the PostgreSQL run of scripts/test.sh), keep only tests
    that touch the database: the others already ran on SQLite and prove nothing new."""
    if os.environ.get("QINQING_DB_TESTS_ONLY") != "1":
        return
    keep, drop = [], []
    for item in items:
        uses_db = item.get_closest_marker("django_db") is not None or bool(
            DB_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        )
        (keep if uses_db else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
