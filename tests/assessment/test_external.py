"""Importing the province's ranking of counties, and the 约谈 triggers it raises."""

from decimal import Decimal

import pytest

from qinqing.assessment import queries, service
from qinqing.assessment.models import (
    ExternalRanking,
    ExternalResult,
    ExternalTrigger,
    SupervisionLevel,
    TriggerStatus,
)
from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import IllegalTransition, InvalidInput
from tests.assessment.support import NOW, snapshot, xlsx_bytes

HEADER = ["县区", "排名", "得分", "年度/期次"]
GOOD = [
    HEADER,
    ["示例县", 12, 88.6, "2025年度"],
    ["东城区", 95, 61.2, "2025年度"],
    ["西山", 91, 63.0, "2025年度"],  # an alias of 西山县
]


def _rule(world, bottom_n=10, level=SupervisionLevel.INTERVIEW, active=True):
    return service.set_external_rule(
        world.city, actor=world.office_admin, bottom_n=bottom_n, level=level, active=active,
        now=NOW,
    )  # fmt: skip


def _import(world, data, *, filename="全省排名.xlsx", total=100, **kwargs):
    return service.import_external_ranking(
        data, area=world.city, total_ranked=total, actor=world.office_admin, now=NOW,
        filename=filename, **kwargs,
    )  # fmt: skip


def test_good_xlsx_is_imported_and_the_bottom_10_trigger_interviews(world, counties):
    _rule(world)
    ranking = _import(world, xlsx_bytes(GOOD))
    assert (ranking.period_label, ranking.total_ranked) == ("2025年度", 100)
    results = {r.unit.name: r for r in ranking.results.all()}
    assert results["示例县"].rank == 12 and results["示例县"].score == Decimal("88.6")
    assert results["西山县"].name_in_file == "西山"
    triggers = {t.unit.name: t for t in ExternalTrigger.objects.all()}
    assert set(triggers) == {"东城区", "西山县"}  # ranks 95 and 91 of 100; 12 is not
    east = triggers["东城区"]
    assert east.level == SupervisionLevel.INTERVIEW and east.status == TriggerStatus.PENDING
    assert "第 95 名" in east.reason and "共 100 个" in east.reason
    assert "004 (四)「在全省营商环境评价中排名列后10名」" in east.reason
    assert list(queries.pending_external_triggers(world.city)) == sorted(
        triggers.values(), key=lambda t: t.pk
    )
    assert AuditEvent.objects.filter(verb="external_ranking.imported").count() == 1
    assert AuditEvent.objects.filter(verb="external_trigger.created").count() == 2


def test_rank_90_of_100_is_not_in_the_last_10(world, counties):
    _rule(world)
    _import(world, xlsx_bytes([HEADER, ["东城区", 90, 70, "2025年度"]]))
    assert not ExternalTrigger.objects.exists()


def test_gbk_csv_is_accepted(world, counties):
    _rule(world, bottom_n=5, level=SupervisionLevel.SUPERVISION)
    text = "县区,排名,得分,年度\r\n示例县,3,90.5,2025年度\r\n东城区,98,,2025年度\r\n"
    ranking = _import(world, text.encode("gbk"), filename="排名.csv")
    results = {r.unit.name: r for r in ranking.results.all()}
    assert results["东城区"].score is None and results["示例县"].score == Decimal("90.5")
    [trigger] = ExternalTrigger.objects.all()
    assert trigger.unit.name == "东城区" and trigger.level == SupervisionLevel.SUPERVISION
    assert "后 5 名" in trigger.reason


def test_period_from_the_form_when_the_file_has_none(world, counties):
    data = "县区,排名\n示例县,40\n".encode()
    with pytest.raises(InvalidInput, match="请在导入页面填写年度/期次"):
        _import(world, data, filename="a.csv")
    ranking = _import(world, data, filename="a.csv", period_label="2025年度")
    assert ranking.period_label == "2025年度"


def test_bad_rows_are_all_reported_by_row_number_and_nothing_is_written(world, counties):
    _rule(world)
    data = xlsx_bytes([
        HEADER,
        ["示例县", 12, 88, "2025年度"],
        ["火星县", 20, 70, "2025年度"],
        ["东城区", "第三", 70, "2025年度"],
        ["西山县", 101, "优", "2025年度"],
        ["示例县", 30, 60, "2025年度"],
        ["市税务局", 31, 60, "2025年度"],
        ["", 32, 60, "2025年度"],
    ])  # fmt: skip
    before = snapshot()
    with pytest.raises(InvalidInput) as err:
        _import(world, data)
    message = err.value.message
    assert "第 3 行“县区”为“火星县”，在示例市的机构库中找不到" in message
    assert "第 4 行“排名”为“第三”，应为正整数" in message
    assert "第 5 行排名为 101，超过全省参评总数 100" in message
    assert "第 5 行“得分”为“优”" in message
    assert "第 6 行“示例县”与第 2 行是同一县区" in message
    assert "第 7 行“市税务局”对应的是“市税务局”" in message and "不是县（市、区）" in message
    assert "第 8 行“县区”为空" in message
    assert message.endswith("整个文件未导入，请修改后重新上传。")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"", "a.csv", "是空文件"),
        ("名称,名次\n示例县,1\n".encode(), "a.csv", "缺少必需的列：县区、排名"),
        ("县区,排名,年度\n".encode(), "a.csv", "只有表头"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "a.xls", "旧版 Excel"),
        (b"\x00\x01\x02" * 50, "a.csv", "不是文本文件"),
    ],
)
def test_unreadable_files_are_explained(world, counties, data, filename, expected):
    before = snapshot()
    with pytest.raises(InvalidInput, match=expected):
        _import(world, data, filename=filename)
    assert snapshot() == before


def test_mixed_periods_and_missing_total_are_refused(world, counties):
    data = xlsx_bytes([HEADER, ["示例县", 1, 90, "2024年度"], ["东城区", 2, 89, "2025年度"]])
    with pytest.raises(InvalidInput) as err:
        _import(world, data, total=None)
    assert "“年度/期次”不一致（2024年度、2025年度）" in err.value.message
    assert "请填写全省参评县（市、区）总数" in err.value.message


def test_reimport_needs_replace_and_replaces_everything(world, counties):
    _rule(world)
    first = _import(world, xlsx_bytes(GOOD))
    with pytest.raises(InvalidInput, match="已于 .* 导入。如需更正，请勾选“覆盖已导入的同期结果”"):
        _import(world, xlsx_bytes(GOOD))
    corrected = [HEADER, ["示例县", 12, 88.6, "2025年度"], ["东城区", 89, 66, "2025年度"]]
    second = _import(world, xlsx_bytes(corrected), replace=True)
    assert not ExternalRanking.objects.filter(pk=first.pk).exists()
    assert ExternalResult.objects.filter(ranking=second).count() == 2
    assert not ExternalTrigger.objects.exists()  # 东城区 is now 89th
    assert AuditEvent.objects.filter(verb="external_ranking.replaced").count() == 1


def test_handled_triggers_protect_the_ranking_from_replacement(world, counties):
    _rule(world)
    _import(world, xlsx_bytes(GOOD))
    trigger = ExternalTrigger.objects.get(unit__name="东城区")
    service.mark_trigger_handled(trigger, actor="system:supervision", now=NOW, note="督办单 2026-3")
    trigger.refresh_from_db()
    assert trigger.status == TriggerStatus.HANDLED and trigger.handled_note == "督办单 2026-3"
    with pytest.raises(IllegalTransition, match="已处理"):
        service.mark_trigger_handled(trigger, actor="system:supervision", now=NOW)
    before = snapshot()
    with pytest.raises(InvalidInput, match="已有触发记录被督办处理，不能覆盖"):
        _import(world, xlsx_bytes(GOOD), replace=True)
    assert snapshot() == before
    assert list(queries.pending_external_triggers()) == [
        ExternalTrigger.objects.get(unit__name="西山县")
    ]


def test_no_rule_or_inactive_rule_triggers_nothing(world, counties):
    _import(world, xlsx_bytes(GOOD))
    assert not ExternalTrigger.objects.exists()
    _rule(world, active=False)
    _import(world, xlsx_bytes(GOOD), replace=True)
    assert not ExternalTrigger.objects.exists()


def test_rule_values_are_checked(world):
    with pytest.raises(InvalidInput, match="应为正整数"):
        _rule(world, bottom_n=0)
    with pytest.raises(InvalidInput, match="请选择触发的督办层级"):
        _rule(world, level="shout")
