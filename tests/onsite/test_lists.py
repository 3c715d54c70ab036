"""免罚清单: versions, the published diff, the public page and export; flexible cases."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.onsite import rules, service
from qinqing.onsite.models import LeniencyEntry, VersionState
from tests.inspections.conftest import NOW
from tests.onsite.conftest import enterprise

pytestmark = pytest.mark.django_db

BASIS = "《中华人民共和国行政处罚法》第三十三条"


def _entry(
    version, user, code, behaviour, conditions="首次违法且及时改正", discretion="first_no_penalty"
):
    return service.save_entry(version, actor=user, now=NOW, code=code, behaviour=behaviour,
                              legal_basis=BASIS, conditions=conditions, discretion=discretion)  # fmt: skip


@pytest.fixture
def published(ow):
    """A market list: 第一版 with items 1–4, then 第二版 adding 5–6, changing 2, removing 4."""
    user = ow.market_clerk
    lst = service.create_leniency_list(actor=user, now=NOW, unit=ow.market, field="市场监管",
                                       title="市场监管领域轻微违法行为免罚清单")  # fmt: skip
    v1 = service.draft_of(lst)
    for code, text in (("1", "未按规定公示年度报告"), ("2", "未在显著位置亮照经营"),
                       ("3", "=HYPERLINK(\"http://x\")"), ("4", "广告中使用绝对化用语")):  # fmt: skip
        _entry(v1, user, code, text)
    service.publish_version(
        v1, actor=user, now=NOW, effective_on=date(2026, 1, 1), source="示市监发〔2026〕1号"
    )
    v2 = service.start_revision(lst, actor=user, now=NOW)
    _entry(v2, user, "2", "未在显著位置亮照经营", conditions="首次违法、危害后果轻微并及时改正")
    _entry(v2, user, "5", "未按规定标明价格", discretion="minor_no_penalty")
    _entry(v2, user, "6", "未按规定办理备案", discretion="no_coercion")
    service.remove_entry(v2, actor=user, now=NOW, code="4")
    v2 = service.publish_version(
        v2, actor=user, now=NOW, effective_on=date(2026, 7, 1), source="示市监发〔2026〕9号"
    )
    lst.refresh_from_db()
    return lst, v1, v2


def test_the_diff_between_versions_is_published(published):
    _lst, v1, v2 = published
    v1.refresh_from_db()
    assert v1.state == VersionState.SUPERSEDED
    assert v1.diff["summary"] == "首次发布，共4项"
    assert v2.diff["summary"] == "相较第一版新增2项、调整1项、减少1项"
    assert v2.diff["added"] == ["5", "6"] and v2.diff["removed"] == ["4"]
    assert v2.diff["changed"] == [{"code": "2", "fields": ["conditions"]}]


def test_a_published_version_cannot_be_edited(published):
    _lst, v1, _v2 = published
    with pytest.raises(IllegalTransition):
        _entry(v1, None, "9", "x")


def test_an_identical_revision_is_not_published(published, ow):
    lst, _v1, _v2 = published
    v3 = service.start_revision(lst, actor=ow.market_clerk, now=NOW)
    with pytest.raises(InvalidInput, match="完全相同"):
        service.publish_version(
            v3, actor=ow.market_clerk, now=NOW, effective_on=date(2026, 9, 1), source="x"
        )
    v3.refresh_from_db()
    assert v3.state == VersionState.DRAFT


@pytest.mark.parametrize(
    ("old", "new", "summary"),
    [
        ([], [("1", "a")], "首次发布，共1项"),
        (
            [("1", "a"), ("2", "b")],
            [("1", "a"), ("2", "b2"), ("3", "c")],
            "相较第一版新增1项、调整1项、减少0项",
        ),
        ([("1", "a"), ("2", "b")], [("2", "b")], "相较第一版新增0项、调整0项、减少1项"),
    ],
)
def test_diff_rule_table(old, new, summary):
    def as_rows(rows):
        return [{"code": c, "behaviour": b, "legal_basis": "", "conditions": "",
                 "discretion": "lighter"} for c, b in rows]  # fmt: skip

    diff = rules.diff_entries(as_rows(old), as_rows(new))
    assert rules.diff_summary(diff, 1 if old else None) == summary


def test_the_public_page_shows_only_the_version_in_force(published, client):
    page = client.get(reverse("onsite:public_lists")).content.decode()
    assert "相较第一版新增2项、调整1项、减少1项" in page
    assert "未按规定标明价格" in page
    assert "广告中使用绝对化用语" not in page  # removed in 第二版
    assert "<script>" not in page


def test_a_draft_is_not_public(ow, client):
    lst = service.create_leniency_list(actor=ow.market_clerk, now=NOW, unit=ow.market, field="食品",
                                       title="食品草稿清单")  # fmt: skip
    _entry(service.draft_of(lst), ow.market_clerk, "1", "草稿事项不公开")
    assert "草稿事项不公开" not in client.get(reverse("onsite:public_lists")).content.decode()
    assert (
        client.get(reverse("onsite:public_version", args=[service.draft_of(lst).pk])).status_code
        == 404
    )


def test_the_export_escapes_formulas(published, client):
    from openpyxl import load_workbook

    response = client.get(reverse("onsite:public_lists_xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://x")' in values
    assert "未按规定标明价格" in values and "第二版" in values


def test_only_the_lists_own_unit_edits_it(published, ow, client_for):
    lst, _v1, _v2 = published
    service.start_revision(lst, actor=ow.market_clerk, now=NOW)
    before = LeniencyEntry.objects.count()
    response = client_for(ow.tax_clerk).post(
        reverse("onsite:list_detail", args=[lst.pk]),
        {"action": "entry", "code": "7", "behaviour": "越权新增", "legal_basis": BASIS,
         "conditions": "x", "discretion": "lighter"},
    )  # fmt: skip
    assert response.status_code == 404
    assert LeniencyEntry.objects.count() == before
    response = client_for(ow.market_clerk).post(
        reverse("onsite:list_detail", args=[lst.pk]),
        {"action": "entry", "code": "7", "behaviour": "本单位新增", "legal_basis": BASIS,
         "conditions": "x", "discretion": "lighter"},
    )  # fmt: skip
    assert response.status_code == 302
    assert LeniencyEntry.objects.count() == before + 1


def test_flexible_cases_are_counted_by_unit_and_fines_stay_out_of_the_scheme(published, ow):
    from qinqing.assessment import registry
    from qinqing.assessment.rules import concerns_fines
    from qinqing.onsite.indicators import flexible_cases

    _lst, _v1, v2 = published
    entry = v2.entries.get(code="5")
    ent = enterprise(ow, "B")
    service.record_flexible_case(actor=ow.market_clerk, now=NOW, unit=ow.market, entry=entry,
                                 enterprise=ent, measure="reminder", handled_on=date(2026, 5, 20),
                                 summary="提醒规范明码标价，当场改正")  # fmt: skip
    with pytest.raises(InvalidInput, match="观察期"):
        service.record_flexible_case(actor=ow.market_clerk, now=NOW, unit=ow.market, entry=entry,
                                     enterprise=ent, measure="observation",
                                     handled_on=date(2026, 5, 20), summary="x")  # fmt: skip
    with pytest.raises(InvalidInput, match="本单位现行"):
        service.record_flexible_case(actor=ow.tax_clerk, now=NOW, unit=ow.tax, entry=entry,
                                     enterprise=ent, measure="notice", handled_on=date(2026, 5, 20),
                                     summary="x")  # fmt: skip
    values = flexible_cases(
        registry.Period(date(2026, 5, 1), date(2026, 5, 31)), [ow.market.pk, ow.tax.pk]
    )
    assert values == {ow.market.pk: 1.0, ow.tax.pk: 0.0}
    ours = [i for i in registry.all_indicators() if i.source == "onsite"]
    assert len(ours) == 3
    assert not any(concerns_fines(i.code, i.label, i.tags) for i in ours)


def test_the_scheme_still_refuses_a_fines_indicator(ow):
    from qinqing.assessment import registry
    from qinqing.assessment import service as assessment

    scheme = assessment.create_scheme(actor=ow.office_admin, area=ow.city, name="2026 年部门考评",
                                      target_kind="departments", effective_from=date(2026, 1, 1),
                                      now=NOW)  # fmt: skip
    fines = registry.Indicator("onsite.penalty_amount", "处罚金额", lambda p, u: {}, "onsite",
                               tags=frozenset({registry.FINES_TAG}))  # fmt: skip
    with registry.registered([fines]), pytest.raises(InvalidInput, match="罚没"):
        assessment.add_scheme_item(scheme, actor=ow.office_admin, indicator_code="onsite.penalty_amount",
                                   weight=10, method="linear", floor=Decimal(0),
                                   ceiling=Decimal(10), now=NOW)  # fmt: skip
    item = assessment.add_scheme_item(scheme, actor=ow.office_admin, indicator_code="onsite.flexible_cases",
                                      weight=10, method="linear", floor=Decimal(0),
                                      ceiling=Decimal(10), now=NOW)  # fmt: skip
    assert item.pk


def test_matters_are_public_and_minor_penalties_leave_after_their_period(ow, client, monkeypatch):
    from django.utils import timezone

    from tests.inspections.conftest import at

    matter = service.create_matter(
        actor=ow.office_admin, now=NOW, unit=ow.market, code="SCJG-CF-001",
        name="对未按规定公示年度报告的处罚", kind="penalty", legal_basis="《企业信息公示暂行条例》",
        inspection_items=[ow.market_item],
        standards=[{"severity": "minor", "circumstance": "首次且及时改正", "outcome": "不予处罚"}],
    )  # fmt: skip
    ent = enterprise(ow, "B")
    service.publish_penalty_notice(actor=ow.market_clerk, now=NOW, unit=ow.market, enterprise=ent,
                                   decision_number="示市监罚〔2026〕1号", summary="通报批评",
                                   minor=True, published_on=date(2026, 3, 1), matter=matter)  # fmt: skip
    service.publish_penalty_notice(actor=ow.market_clerk, now=NOW, unit=ow.market, enterprise=ent,
                                   decision_number="示市监罚〔2026〕2号", summary="罚款并责令改正",
                                   minor=False, published_on=date(2026, 3, 1))  # fmt: skip
    page = client.get(reverse("onsite:public_matters")).content.decode()
    assert "SCJG-CF-001" in page and "首次且及时改正" in page and "SCJG-T01" in page
    assert "〔2026〕1号" not in page  # 3 months from 2026-03-01 ended on 2026-05-31
    assert "〔2026〕2号" in page
    monkeypatch.setattr(timezone, "now", lambda: at(date(2026, 5, 31)))
    assert "〔2026〕1号" in client.get(reverse("onsite:public_matters")).content.decode()
