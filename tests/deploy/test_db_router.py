"""The read-replica router: report reads go to the replica when one is configured, and
nothing else does (a page shown after a save must show what was saved)."""

from __future__ import annotations

import contextlib
import os
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connections, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qinqing.appeals.models import Ticket
from qinqing.core.db_routers import (
    PRIMARY,
    REPLICA,
    ReportReplicaRouter,
    is_report_request,
    reporting,
)
from qinqing.core.orgs.models import Unit

router = ReportReplicaRouter()


@pytest.fixture
def replica_alias(monkeypatch):
    """A ``replica`` alias that points at the primary's own database (decisions only)."""
    monkeypatch.setitem(connections.settings, REPLICA, dict(connections[PRIMARY].settings_dict))
    yield REPLICA
    with contextlib.suppress(AttributeError):
        del connections[REPLICA]  # a connection object made while the alias existed


def test_without_a_replica_every_read_uses_the_primary():
    with reporting():
        assert router.db_for_read(Ticket) == PRIMARY
        assert router.db_for_read(Unit) == PRIMARY


def test_only_marked_report_reads_go_to_the_replica(replica_alias):
    assert router.db_for_read(Ticket) == PRIMARY  # an ordinary read
    with reporting():
        assert router.db_for_read(Ticket) == REPLICA
        assert router.db_for_read(Unit) == REPLICA
        # logins and sessions: a session created a moment ago may not be on the replica yet
        assert router.db_for_read(Session) == PRIMARY
        assert router.db_for_read(get_user_model()) == PRIMARY
        assert router.db_for_write(Ticket) == PRIMARY
    assert router.db_for_read(Ticket) == PRIMARY  # the mark ends with the block
    assert router.allow_migrate(REPLICA, "appeals") is False
    assert router.allow_migrate(PRIMARY, "appeals") is True


@pytest.mark.django_db(transaction=True)
def test_a_read_inside_a_transaction_stays_on_the_primary(replica_alias):
    with reporting(), transaction.atomic():
        assert router.db_for_read(Ticket) == PRIMARY


def test_the_report_pages_are_marked_and_nothing_else():
    rf = RequestFactory()
    assert is_report_request(rf.get(reverse("web:cockpit")))
    assert is_report_request(rf.get(reverse("appeals:figures_export")))
    assert not is_report_request(rf.post(reverse("web:cockpit")))
    assert not is_report_request(rf.get(reverse("appeals:list")))
    assert not is_report_request(rf.get("/no-such-page/"))


# --- a real second database standing in for the replica (PostgreSQL) ----------------------


@pytest.fixture
def copied_replica(transactional_db, world):
    """The primary as it is now, copied into a second database named ``replica``."""
    primary = connections[PRIMARY]
    if primary.vendor != "postgresql":
        pytest.skip("the replica copy needs PostgreSQL (pg_dump)")
    s = primary.settings_dict
    name = f"{s['NAME']}_replica"
    env = {**os.environ, "PGHOST": s["HOST"] or "127.0.0.1", "PGPORT": str(s["PORT"] or 5432)}
    env["PGUSER"] = s["USER"]
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    psql = ["psql", "-q", "-v", "ON_ERROR_STOP=1"]
    subprocess.run([*psql, "-d", "postgres", "-c", f'DROP DATABASE IF EXISTS "{name}"'], env=env, check=True)  # fmt: skip
    subprocess.run([*psql, "-d", "postgres", "-c", f'CREATE DATABASE "{name}"'], env=env, check=True)  # fmt: skip
    dump = subprocess.run(
        ["pg_dump", "--no-owner", s["NAME"]], env=env, check=True, capture_output=True
    )
    subprocess.run([*psql, "-d", name], input=dump.stdout, env=env, check=True, capture_output=True)  # fmt: skip
    with contextlib.suppress(AttributeError):
        del connections[REPLICA]
    connections.settings[REPLICA] = {**primary.settings_dict, "NAME": name}
    replica = connections[REPLICA]
    replica.connect()  # made after the test began: connect it ourselves (pytest-django)
    try:
        yield replica
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]
        subprocess.run([*psql, "-d", "postgres", "-c", f'DROP DATABASE "{name}"'], env=env, check=True)  # fmt: skip


def test_the_cockpit_reads_the_replica_and_the_rest_the_primary(copied_replica, world):
    with copied_replica.cursor() as cursor:  # the replica differs: we can tell who answered
        cursor.execute(
            "UPDATE orgs_unit SET name = %s WHERE id = %s", ["副本示例市", world.city.pk]
        )
    client = Client()
    client.force_login(world.leader)  # the session exists on the primary only

    with (
        CaptureQueriesContext(copied_replica) as on_replica,
        CaptureQueriesContext(connections[PRIMARY]) as on_primary,
    ):
        page = client.get(reverse("web:cockpit"))
    assert page.status_code == 200 and "领导驾驶舱" in page.content.decode()
    replica_sql = " ".join(q["sql"] for q in on_replica.captured_queries)
    primary_sql = " ".join(q["sql"] for q in on_primary.captured_queries)
    assert '"appeals_ticket"' in replica_sql  # the figures came from the replica
    assert '"appeals_ticket"' not in primary_sql
    assert '"django_session"' in primary_sql  # the session, only on the primary, was honoured
    # an ordinary read, and the same read after the page, see the primary
    assert Unit.objects.get(pk=world.city.pk).name == "示例市"
    with reporting():
        assert Unit.objects.get(pk=world.city.pk).name == "副本示例市"
    # a save is seen at once by the next ordinary page
    Unit.objects.filter(pk=world.city.pk).update(name="示例市（改）")
    assert Unit.objects.get(pk=world.city.pk).name == "示例市（改）"
    with copied_replica.cursor() as cursor:
        cursor.execute("SELECT name FROM orgs_unit WHERE id = %s", [world.city.pk])
        assert cursor.fetchone() == ("副本示例市",)  # the write did not go to the replica
