"""Demo directory: a city shaped like the one in the seed plans (../shared/seeds).

The seed plans call their city "XX市"; the demo calls it 示例市 and records XX市 as an
alias. Departments are those the plans name, with the short names they use as aliases.
"""

from __future__ import annotations

from collections.abc import Callable

from qinqing.core.actor import Actor
from qinqing.core.orgs.models import Unit, UnitGroup, UnitKind
from qinqing.core.orgs.service import _add_alias, create_group, create_unit

PROVINCE = "示例省"
CITY = "示例市"
CITY_OFFICE = "示例市营商环境建设办公室"

# (official name, kind, aliases, coordinating)
CITY_UNITS: list[tuple[str, str, list[str], bool]] = [
    (
        CITY_OFFICE,
        UnitKind.PARTY_GOV,
        ["市营商办", "示例市营商环境办", "市优化营商环境办公室"],
        True,
    ),
    ("示例市人民政府办公室", UnitKind.PARTY_GOV, ["市政府办", "市政府办公室"], False),
    ("示例市人民政府督查室", UnitKind.PARTY_GOV, ["市政府督查室", "市督查室"], True),
    ("中共示例市委组织部", UnitKind.PARTY_GOV, ["市委组织部"], False),
    ("中共示例市委宣传部", UnitKind.PARTY_GOV, ["市委宣传部"], False),
    ("中共示例市委政法委员会", UnitKind.PARTY_GOV, ["市委政法委"], False),
    ("中共示例市委机构编制委员会办公室", UnitKind.PARTY_GOV, ["市委编办"], False),
    ("示例市纪委监委", UnitKind.PARTY_GOV, ["市纪委监委", "市纪委"], False),
    (
        "示例市发展和改革委员会",
        UnitKind.DEPARTMENT,
        ["市发改委", "市发展改革委", "市发展和改革局", "市发改局"],
        False,
    ),
    ("示例市行政审批局", UnitKind.DEPARTMENT, ["市行政审批局", "市审批局"], False),
    (
        "示例市政务服务和大数据管理局",
        UnitKind.DEPARTMENT,
        ["市政务服务局", "市大数据中心", "市政数局"],
        False,
    ),
    ("示例市市场监督管理局", UnitKind.DEPARTMENT, ["市市场监管局", "市场监管局"], False),
    ("国家税务总局示例市税务局", UnitKind.CENTRAL_PROVINCIAL, ["市税务局"], False),
    ("示例市财政局", UnitKind.DEPARTMENT, ["市财政局"], False),
    ("示例市人力资源和社会保障局", UnitKind.DEPARTMENT, ["市人社局"], False),
    (
        "示例市自然资源和规划局",
        UnitKind.DEPARTMENT,
        ["市自然资源和规划局", "市自然资源局", "市资规局"],
        False,
    ),
    ("示例市住房和城乡建设局", UnitKind.DEPARTMENT, ["市住房和城乡建设局", "市住建局"], False),
    ("示例市交通运输局", UnitKind.DEPARTMENT, ["市交通运输局", "市交通局"], False),
    ("示例市生态环境局", UnitKind.DEPARTMENT, ["市生态环境局", "XX市生态环境局"], False),
    ("示例市应急管理局", UnitKind.DEPARTMENT, ["市应急管理局", "市应急局"], False),
    ("示例市公安局", UnitKind.DEPARTMENT, ["市公安局"], False),
    ("示例市教育局", UnitKind.DEPARTMENT, ["市教育局"], False),
    ("示例市卫生健康委员会", UnitKind.DEPARTMENT, ["市卫健委", "市卫健局", "市卫生健康委"], False),
    ("示例市商务局", UnitKind.DEPARTMENT, ["市商务局"], False),
    ("示例市经济和信息化局", UnitKind.DEPARTMENT, ["市经信局", "市工信局"], False),
    ("示例市科学技术局", UnitKind.DEPARTMENT, ["市科技局"], False),
    ("示例市司法局", UnitKind.DEPARTMENT, ["市司法局"], False),
    (
        "示例市城市管理执法局",
        UnitKind.DEPARTMENT,
        ["市城市管理执法局", "市城管局", "市城管执法局"],
        False,
    ),
    ("示例市医疗保障局", UnitKind.DEPARTMENT, ["市医保局"], False),
    (
        "示例市人民政府国有资产监督管理委员会",
        UnitKind.DEPARTMENT,
        ["市政府国资委", "市国资委"],
        False,
    ),
    ("示例市地方金融监督管理局", UnitKind.DEPARTMENT, ["市政府金融办", "市金融办"], False),
    ("示例市统计局", UnitKind.DEPARTMENT, ["市统计局"], False),
    ("示例市农业农村局", UnitKind.DEPARTMENT, ["市农业农村局"], False),
    ("示例市水利局", UnitKind.DEPARTMENT, ["市水利局"], False),
    ("示例市文化和旅游局", UnitKind.DEPARTMENT, ["市文旅局"], False),
    ("示例市住房公积金中心", UnitKind.DEPARTMENT, ["市住房公积金中心", "市公积金中心"], False),
    ("示例市能源局", UnitKind.DEPARTMENT, ["市能源局"], False),
    ("示例市中级人民法院", UnitKind.JUDICIAL, ["市中级法院", "市中院"], False),
    ("示例市人民检察院", UnitKind.JUDICIAL, ["市检察院"], False),
    ("示例市工商业联合会", UnitKind.MASS_ORG, ["市工商联"], True),
    ("示例市非公有制企业投诉服务中心", UnitKind.OTHER, ["市非公有制企业投诉服务中心"], False),
    ("国网示例市供电公司", UnitKind.PUBLIC_UTILITY, ["国网XX供电公司", "市供电公司"], False),
    (
        "中国人民银行示例市分行",
        UnitKind.FINANCIAL,
        ["人行XX支行", "人行XX中心支行", "人民银行示例市分行"],
        False,
    ),
    ("国家金融监督管理总局示例监管分局", UnitKind.FINANCIAL, ["市银保监组", "XX银保监分局"], False),
    ("示例经济技术开发区管理委员会", UnitKind.PARK, ["经开区管委会", "市经济开发区管委会"], False),
]

COUNTIES = ["示例县", "东城区", "西山县"]
COUNTY_DEPARTMENTS = ["营商环境建设办公室", "市场监督管理局", "行政审批局", "税务局"]

GROUPS: dict[str, Callable[[list[Unit]], list[Unit]]] = {
    "市政府各部门": lambda units: [
        u for u in units if u.kind in (UnitKind.DEPARTMENT, UnitKind.PARTY_GOV)
    ],
    "市直有关部门": lambda units: [u for u in units if u.kind == UnitKind.DEPARTMENT],
    "中省驻市各单位": lambda units: [
        u for u in units if u.kind in (UnitKind.CENTRAL_PROVINCIAL, UnitKind.FINANCIAL)
    ],
}


def build_demo_directory(actor: Actor = None) -> Unit:
    """Create the demo directory if it is not there; returns the city. Idempotent."""
    existing = Unit.objects.filter(name=CITY, kind=UnitKind.CITY).first()
    if existing:
        return existing
    province = create_unit(actor=actor, name=PROVINCE, kind=UnitKind.PROVINCE, parent=None)
    city = create_unit(
        actor=actor, name=CITY, kind=UnitKind.CITY, parent=province, aliases=["XX市"]
    )
    units: list[Unit] = []
    for order, (name, kind, aliases, coordinating) in enumerate(CITY_UNITS):
        unit = create_unit(
            actor=actor,
            name=name,
            kind=kind,
            parent=city,
            coordinating=coordinating,
            sort_order=order,
        )
        for alias in aliases:
            _add_alias(unit, alias)
        units.append(unit)
    counties = []
    for county_name in COUNTIES:
        county = create_unit(
            actor=actor,
            name=county_name,
            kind=UnitKind.COUNTY,
            parent=city,
            aliases=[f"{county_name}人民政府", f"{county_name}政府"],
        )
        counties.append(county)
        for dept in COUNTY_DEPARTMENTS:
            create_unit(
                actor=actor,
                name=f"{county_name}{dept}",
                kind=UnitKind.DEPARTMENT,
                parent=county,
                coordinating=dept.startswith("营商"),
            )
        create_unit(actor=actor, name=f"{county_name}城关镇", kind=UnitKind.TOWNSHIP, parent=county)
    for name, pick in GROUPS.items():
        create_group(actor=actor, name=name, area=city, members=pick(units))
    for name in ("各县（区）人民政府", "各县（市、区）人民政府", "各县(区)政府"):
        if not UnitGroup.objects.filter(
            area=city, normalized=name.replace("(", "（").replace(")", "）")
        ).exists():
            create_group(actor=actor, name=name, area=city, members=counties)
    townships = list(Unit.objects.filter(kind=UnitKind.TOWNSHIP, path__startswith=city.path))
    create_group(actor=actor, name="各乡、镇、办事处", area=city, members=townships)
    return city
