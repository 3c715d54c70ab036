"""Hole 1 (money): four simultaneous submissions of one policy application by one enterprise
created four open applications, each approvable. The database now allows one open
application per enterprise and policy, and the service answers the losers in Chinese."""

from __future__ import annotations

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, connections, transaction

from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import InvalidInput
from qinqing.policies import service
from qinqing.policies.models import Application, ApplicationState
from tests.policies.conftest import NOW

DATA = {
    "contact_name": "钱经理",
    "contact_phone": "13800000000",
    "bank_account": "示例银行 6222 0000",
    "requested_amount": "30000",
    "statement": "并发提交",
}


def files():
    return {
        n: SimpleUploadedFile(f"{n}.pdf", b"%PDF-1.4 test", "application/pdf")
        for n in ("劳动合同复印件", "社会保险缴费明细")
    }


def submit(pw):
    return service.submit_application(
        pw.sme, actor=pw.world.enterprise_a, data=DATA, files=files(), now=NOW
    )


def test_database_refuses_a_second_open_application(pw):
    first = submit(pw)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            policy=pw.sme, uscc=first.uscc, enterprise_name="x", contact_name="x",
            contact_phone="1", bank_account="1", requested_amount=1, submitted_at=NOW,
            review_due_at=NOW, created_at=NOW,
        )  # fmt: skip
    # a closed application does not block a new one
    Application.objects.filter(pk=first.pk).update(state=ApplicationState.REJECTED)
    assert submit(pw).state == ApplicationState.SUBMITTED


def test_a_submission_that_loses_the_race_gets_a_chinese_message(pw, monkeypatch):
    """The pre-check passes for both (as under concurrency); the constraint decides."""
    submit(pw)
    real = service._refuse_second_open_application
    calls = []

    def passes_once(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            real(*args, **kwargs)

    monkeypatch.setattr(service, "_refuse_second_open_application", passes_once)
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput, match="请在原申报中继续办理"):
        submit(pw)
    assert Application.objects.count() == 1
    assert AuditEvent.objects.count() == events


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_four_simultaneous_submissions_create_one_application(transactional_db, pw):
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def worker():
        try:
            barrier.wait(timeout=10)
            submit(pw)
            outcomes.append("created")
        except InvalidInput as error:
            outcomes.append(str(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes.count("created") == 1, outcomes
    assert all("继续办理" in o or "请勿重复提交" in o for o in outcomes if o != "created")
    assert Application.objects.filter(policy=pw.sme).count() == 1
    assert AuditEvent.objects.filter(verb="application.submitted").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="transactional DDL")
def test_approval_checks_again_for_another_open_application(pw):
    """A duplicate left from before the constraint existed cannot be approved as well."""
    from decimal import Decimal

    from tests.policies.conftest import set_budget

    constraint = next(
        c for c in Application._meta.constraints if c.name == "one_open_application_per_policy"
    )
    with connection.schema_editor() as editor:  # rolled back with the test's transaction
        editor.remove_constraint(Application, constraint)
    first = submit(pw)
    duplicate = Application.objects.get(pk=first.pk)
    duplicate.pk = None
    duplicate.save()
    set_budget(pw.sme, "100000", actor=pw.world.office_admin)
    for application in (first, duplicate):
        with pytest.raises(InvalidInput, match="同一企业同一政策只能兑现一次"):
            service.approve_application(
                application, actor=pw.world.market_clerk, amount="30000", comment="", now=NOW
            )
    assert pw.sme.budgets.get().committed == Decimal("0")
    service.reject_application(duplicate, actor=pw.world.market_clerk, comment="重复申报", now=NOW)
    service.approve_application(
        first, actor=pw.world.market_clerk, amount="30000", comment="", now=NOW
    )
    assert pw.sme.budgets.get().committed == Decimal("30000")
