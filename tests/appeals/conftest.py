"""Appeals tests: private upload folder, a fixed clock, a demo routing model, a configured city."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 9 March 2026, 10:00 in Shanghai: an ordinary working day, far from holidays.
NOW = dt.datetime(2026, 3, 9, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Django's cache (rate limits) and the per-process copies of settings and API clients."""
    from django.core.cache import cache

    from qinqing.appeals.api import forget_clients
    from qinqing.appeals.service import forget_settings

    cache.clear()
    forget_settings()
    forget_clients()
    yield
    cache.clear()
    forget_settings()
    forget_clients()


@pytest.fixture
def clock_start() -> dt.datetime:
    return NOW


@pytest.fixture(scope="session")
def demo_model_path(tmp_path_factory):
    from qinqing.appeals.seeds import train_demo_router

    return train_demo_router(tmp_path_factory.mktemp("router") / "demo-router.npz")


@pytest.fixture
def appeals_world(world, settings, demo_model_path):
    """The test world with 示例市 configured: settings, mapping to world units, articles."""
    from qinqing.appeals import suggest
    from tests.appeals.factories import configure_city

    settings.QINQING_APPEALS_ROUTER_MODEL = str(demo_model_path)
    suggest.forget_model()
    configure_city(world, demo_model_path)
    yield world
    suggest.forget_model()


@pytest.fixture
def as_user(db):
    """``as_user(user)``: a fresh test client logged in as ``user`` (several at once)."""
    from django.test import Client

    def login(user):
        client = Client()
        client.force_login(user)
        return client

    return login
