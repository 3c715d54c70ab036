"""纪检移送: the clue and the feedback reach only 纪检监察 — pages, audit view and exports."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from qinqing.core.errors import NotFound, PermissionDenied
from qinqing.problems import queries, service
from qinqing.problems.models import Referral
from tests.problems.conftest import ALLEGATION, NOW

OTHERS = ["office_admin", "office_checker", "leader", "market_clerk", "tax_clerk",
          "county_officer", "enterprise_a", "site_admin", "other_officer"]  # fmt: skip
SECRET_FEEDBACK = "核查属实，给予诫勉谈话"


@pytest.fixture
def referral(world, make_problem):
    problem = make_problem(title="窗口索要好处", description="企业反映窗口人员吃拿卡要")
    referral = service.refer_problem(
        problem, actor=world.office_admin, conduct="integrity", allegation=ALLEGATION,
        persons="王某某", now=NOW,
    )  # fmt: skip
    service.record_referral_feedback(referral, actor=world.discipline, feedback=SECRET_FEEDBACK,
                                     outcome="诫勉谈话", conclude=True, now=NOW)  # fmt: skip
    return referral


def test_discipline_reads_the_referral(world, client, referral):
    client.force_login(world.discipline)
    body = client.get(reverse("problems:referral", args=[referral.pk])).content.decode()
    assert "王某某索要好处费" in body and SECRET_FEEDBACK in body
    assert "<script>x</script>" not in body
    assert client.get(reverse("problems:referrals")).status_code == 200


@pytest.mark.parametrize("persona", OTHERS)
def test_others_see_only_referred(world, client, referral, persona):
    user = getattr(world, persona)
    client.force_login(user)
    assert client.get(reverse("problems:referral", args=[referral.pk])).status_code in (403, 404)
    with pytest.raises((NotFound, PermissionDenied)):
        queries.access_referral_for_user(user, referral.pk)
    pages = [reverse("problems:detail", args=[referral.problem_id]), reverse("problems:list"),
             reverse("problems:list") + "?format=xlsx", "/audit/"]  # fmt: skip
    for url in pages:
        response = client.get(url)
        text = _text(response)
        for secret in ("王某某", SECRET_FEEDBACK, "诫勉", "吃拿卡要"):
            assert secret not in text, (persona, url, secret)
    detail = client.get(pages[0])
    if detail.status_code == 200:
        assert "已移送" in detail.content.decode()


def _text(response) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(response.content))
        return "\n".join(str(c) for row in wb.active.iter_rows(values_only=True) for c in row)
    return response.content.decode()


def test_audit_trail_holds_no_restricted_field(world, referral):
    from qinqing.core.audit.models import AuditEvent

    dump = str(list(AuditEvent.objects.values("before", "after", "object_repr")))
    for secret in ("王某某", SECRET_FEEDBACK, "诫勉"):
        assert secret not in dump
    assert AuditEvent.objects.filter(verb="problem.referred").count() == 1


def test_only_discipline_records_feedback(world, referral):
    with pytest.raises(PermissionDenied):
        service.record_referral_feedback(referral, actor=world.office_admin, feedback="x", now=NOW)
    assert Referral.objects.get().feedback == SECRET_FEEDBACK
