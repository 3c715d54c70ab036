"""Shared fixtures. ``world`` builds the named test world (tests/world.py)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _lift_audit_triggers_for_test_flushes() -> None:
    """Let Django flush the *test* database between transactional tests.

    The audit tables refuse DELETE and TRUNCATE (migration audit 0004). Flushing a test
    database is the one legitimate removal, so this test-only patch lifts the refusal for
    the flush statements alone: on SQLite a row in ``audit_flush_permit`` (removed again in
    the same transaction), on PostgreSQL ``SET LOCAL session_replication_role = replica``
    (the test role is a superuser; the application's production role must not be). The
    application itself never does either.
    """
    from django.db import transaction
    from django.db.backends.base.operations import BaseDatabaseOperations

    original = BaseDatabaseOperations.execute_sql_flush
    if getattr(original, "_qinqing_lifts_audit", False):
        return

    def execute_sql_flush(self, sql_list):
        connection = self.connection
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SET LOCAL session_replication_role = replica")
                elif "audit_flush_permit" in connection.introspection.table_names(cursor):
                    cursor.execute("INSERT INTO audit_flush_permit (reason) VALUES ('test flush')")
            original(self, sql_list)
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SET LOCAL session_replication_role = DEFAULT")
                elif "audit_flush_permit" in connection.introspection.table_names(cursor):
                    cursor.execute("DELETE FROM audit_flush_permit")

    execute_sql_flush._qinqing_lifts_audit = True
    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush


_lift_audit_triggers_for_test_flushes()


def _signed_in_clients_pass_the_second_factor() -> None:
    """``client.force_login(user)`` (and ``client.login``) mean "signed in", as they skip the
    password: they now also skip the TOTP step, by confirming a device for the user and
    marking the session verified exactly as ``django_otp.login`` does after a right code.
    Enforcement stays on in every test (QINQING_REQUIRE_2FA is never turned off); the tests
    of the second factor itself sign in through the login page (tests/core/test_identity.py).
    """
    from django.test.client import ClientMixin

    original = ClientMixin._login
    if getattr(original, "_qinqing_verifies", False):
        return

    def _login(self, user, backend=None):
        original(self, user, backend)
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from qinqing.core.accounts.security import second_factor_required

        if not second_factor_required(user):
            return
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    _login._qinqing_verifies = True
    ClientMixin._login = _login


_signed_in_clients_pass_the_second_factor()


@pytest.fixture(autouse=True)
def _session_clocks_off(settings):
    """Many tests move the clock hours or months ahead between two requests of one signed-in
    client (SLA clocks, sweeps); the idle timeout and the password age would sign that client
    out. They are off by default in tests; tests/core/test_identity.py turns them on to prove
    them. Production defaults (30 minutes, 90 days) are in qinqing/settings.py."""
    settings.QINQING_IDLE_TIMEOUT_MINUTES = 0
    settings.QINQING_PASSWORD_MAX_AGE_DAYS = 0


@pytest.fixture(autouse=True)
def _audit_checkpoints_per_test(settings, tmp_path_factory):
    """Each test has its own checkpoint directory: a checkpoint of one test's chain would
    otherwise (rightly) fail the verification of the next test's database."""
    settings.QINQING_AUDIT_CHECKPOINT_DIR = tmp_path_factory.mktemp("audit-checkpoints")


@pytest.fixture
def shared_dir() -> Path:
    assert SHARED.is_dir(), f"../shared is missing next to the repository ({SHARED})"
    return SHARED


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Argon2 is deliberately slow; tests that are not about hashing use a fast hasher."""
    if "argon2" not in request.node.name:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Tests marked ``date_sensitive`` (they go through the demo or a sweep, which read the clock)
# run on a pinned clock: a fixed working Monday by default, or the day QINQING_TEST_TODAY
# names (scripts/test.sh runs them again on several such days: before and after New Year,
# a leap day, a 调休 Saturday of a provisional year).
DEFAULT_TEST_TODAY = "2026-06-15"


def test_today() -> dt.date:
    return dt.date.fromisoformat(os.environ.get("QINQING_TEST_TODAY") or DEFAULT_TEST_TODAY)


@pytest.fixture(autouse=True)
def _pinned_clock(request):
    if request.node.get_closest_marker("date_sensitive") is None:
        yield None
        return
    import time_machine

    moment = dt.datetime.combine(test_today(), dt.time(10, 0), tzinfo=SHANGHAI)
    with time_machine.travel(moment, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path) -> Path:
    """Uploads and generated files of every test go to its own temporary folder; static
    files are served from the apps, whether or not someone ran collectstatic in var/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads")},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return tmp_path / "uploads"


class Clock:
    """``timezone.now()`` pinned for one test; ``set`` and ``advance`` move it."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, *args: int) -> dt.datetime:
        self.now = dt.datetime(*args, tzinfo=SHANGHAI)
        return self.now

    def advance(self, **kwargs: float) -> dt.datetime:
        self.now = self.now + dt.timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock_start() -> dt.datetime:
    """Where ``clock`` starts: Monday 9 March 2026, 10:00 in Shanghai, an ordinary working
    day far from holidays. A folder's conftest overrides it with its own moment."""
    return dt.datetime(2026, 3, 9, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def clock(monkeypatch, clock_start) -> Clock:
    """Pages and services read ``timezone.now()``; this pins it (and lets a test move it)."""
    from django.utils import timezone

    c = Clock(clock_start)
    monkeypatch.setattr(timezone, "now", c)
    return c


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
    return [
        f"qinqing database: {url.split('@')[-1]}",
        f"qinqing pinned test date (date_sensitive tests): {test_today()}",
    ]


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
