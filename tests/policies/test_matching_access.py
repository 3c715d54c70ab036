"""我的政策: an enterprise sees its own results and explanations, never another's."""

from __future__ import annotations

import pytest

from qinqing.core.audit.models import AuditEvent
from qinqing.policies.models import MatchResult, PushFeedback
from tests.policies.conftest import USCC_C
from tests.world import USCC_A, USCC_B


def test_my_policies_lists_eligible_and_near_misses_with_reasons(pw, matched, client_for):
    html = client_for(pw.world.enterprise_a).get("/policies/mine/").content.decode()
    eligible = html.split('id="eligible"')[1].split("</section>")[0]
    near = html.split('id="near-misses"')[1].split("</section>")[0]
    assert "鼓励企业科技创新" in eligible and "100,000 元" in eligible
    assert "中小微企业招用高校毕业生一次性就业补贴" in near
    assert "本年度招用符合条件的高校毕业生至少 1 人" in near
    # nothing of B, C, D or E on A's page
    for other in (USCC_B, USCC_C, "乙企业", "丙企业", "50,000 元", "3,000 元"):
        assert other not in html


def test_a_condition_the_enterprise_cannot_meet_is_not_a_near_miss(pw, matched, client_for):
    """Defect 12: B is large; the subsidy is for 中小微企业. B is not told it "only misses
    中小微企业", nor listed among the subsidy's near misses."""
    assert not MatchResult.objects.filter(enterprise__uscc=USCC_B, policy=pw.grad).exists()
    client = client_for(pw.world.enterprise_b)
    html = client.get("/policies/mine/").content.decode()
    near = html.split('id="near-misses"')[1].split("</section>")[0]
    assert "中小微企业招用高校毕业生一次性就业补贴" not in near and "没有只差一个条件的政策" in near


def test_explanation_lists_every_condition_with_the_enterprises_value(pw, matched, client_for):
    result = MatchResult.objects.get(enterprise__uscc=USCC_A, policy=pw.grad, current=True)
    html = client_for(pw.world.enterprise_a).get(f"/policies/mine/results/{result.pk}/")
    html = html.content.decode()
    assert "差一个条件" in html
    assert "中小微企业（企业规模为中型、小型或微型）" in html and "企业规模：小型" in html
    assert "本年度招用高校毕业生人数：0" in html
    assert "列入严重失信主体名单" in html and "未触发" in html
    assert "规则第 1 版" in html
    eligible = MatchResult.objects.get(enterprise__uscc=USCC_B, policy=pw.art2, current=True)
    html = client_for(pw.world.enterprise_b).get(f"/policies/mine/results/{eligible.pk}/")
    html = html.content.decode()
    assert "贵企业符合本政策，金额 50,000 元" in html
    assert "计入 50,000 元" in html and "新增规上工业企业" in html


def test_explanation_says_when_the_registry_changed_since_the_run(pw, matched, client_for):
    from qinqing.core.enterprises.models import Enterprise

    result = MatchResult.objects.get(enterprise__uscc=USCC_B, policy=pw.art2, current=True)
    Enterprise.objects.filter(uscc=USCC_B).update(attributes={"graduate_hires": 12})
    html = client_for(pw.world.enterprise_b).get(f"/policies/mine/results/{result.pk}/")
    assert "在本次匹配之后有更新" in html.content.decode()


def test_another_enterprises_result_is_404_and_leaks_nothing(pw, matched, client_for):
    result_a = MatchResult.objects.get(enterprise__uscc=USCC_A, policy=pw.art3, current=True)
    client = client_for(pw.world.enterprise_b)
    events = AuditEvent.objects.count()
    for url in (f"/policies/mine/results/{result_a.pk}/",):
        response = client.get(url)
        assert response.status_code == 404
        html = response.content.decode()
        assert "甲企业" not in html and USCC_A not in html and "100,000" not in html
        assert "高新技术" not in html
    missing = client.get("/policies/mine/results/999999/")
    assert missing.status_code == 404
    assert missing.content.decode().count("不属于您的企业") == html.count("不属于您的企业")
    response = client.post(f"/policies/mine/results/{result_a.pk}/feedback/", {"answer": "not_fit"})
    assert response.status_code == 404
    assert not PushFeedback.objects.exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("who", ["office_admin", "market_clerk", "leader", "site_admin"])
def test_staff_have_no_my_policies_page(pw, matched, client_for, who):
    result_a = MatchResult.objects.get(enterprise__uscc=USCC_A, policy=pw.art3, current=True)
    client = client_for(getattr(pw.world, who))
    assert client.get("/policies/mine/").status_code == 403
    assert client.get(f"/policies/mine/results/{result_a.pk}/").status_code == 403
    assert client.post(f"/policies/mine/results/{result_a.pk}/feedback/",
                       {"answer": "fits"}).status_code == 403  # fmt: skip
    assert not PushFeedback.objects.exists()


def test_enterprise_feedback_through_the_page(pw, matched, client_for):
    result = MatchResult.objects.get(enterprise__uscc=USCC_A, policy=pw.grad, current=True)
    client = client_for(pw.world.enterprise_a)
    response = client.post(
        f"/policies/mine/results/{result.pk}/feedback/", {"answer": "partly", "comment": "明年招聘"}
    )
    assert response.status_code == 302
    feedback = PushFeedback.objects.get()
    assert (feedback.uscc, feedback.answer, feedback.comment) == (USCC_A, "partly", "明年招聘")
    page = client.get(f"/policies/mine/results/{result.pk}/").content.decode()
    assert "您已于" in page and "部分符合" in page


def test_push_lists_are_for_the_owning_department_and_the_office(pw, matched, client_for):
    url = f"/policies/p/{pw.art3.code}/push/"  # art3 belongs to 市发改委 in the test world
    assert "甲企业" in client_for(pw.world.office_admin).get(url).content.decode()
    assert client_for(pw.world.leader).get(url).status_code == 200
    for who in ("market_clerk", "tax_clerk", "other_officer"):
        response = client_for(getattr(pw.world, who)).get(url)
        assert response.status_code == 404
        assert "甲企业" not in response.content.decode()
    assert client_for(pw.world.enterprise_a).get(url).status_code == 403
    own = client_for(pw.world.market_clerk).get(f"/policies/p/{pw.grad.code}/push/?show=near")
    assert own.status_code == 200 and "甲企业" in own.content.decode()


def test_enterprise_page_escapes_its_name(pw, matched, client_for):
    result = MatchResult.objects.get(enterprise__uscc=USCC_A, policy=pw.art3, current=True)
    for url in (f"/policies/mine/results/{result.pk}/", "/policies/mine/"):
        html = client_for(pw.world.enterprise_a).get(url).content.decode()
        assert "<script>alert(1)" not in html
    html = client_for(pw.world.office_admin).get(f"/policies/p/{pw.art3.code}/push/").content
    assert b"<script>alert(1)" not in html and "甲企业&lt;script&gt;".encode() in html
