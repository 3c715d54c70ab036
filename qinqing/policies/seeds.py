"""Demo data of 惠企政策直达: the three seed policies with their shipped rules, three 依申请
policies, the demo registry, one matching run for 2025, budgets, funds from above, a grant
batch waiting for the second officer, an approved one, and an application.

The registry is ``../shared/data/enterprises/sample_10k.csv`` when present, else a small
synthetic registry generated here, so the demo works without the shared folder. The demo
enterprises 甲 and 乙 (the demo's enterprise personas) are always in it, with attributes that make
each eligible for one policy and one condition short of another.

Idempotent: what exists is kept (policies by code, rule versions by digest, the run by
year, batches by policy and year, the application by enterprise and policy).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.utils import timezone

from qinqing.core.enterprises.models import Enterprise
from qinqing.core.enterprises.service import import_registry
from qinqing.core.enterprises.uscc import uscc_check_char
from qinqing.core.errors import QinqingError
from qinqing.core.orgs.models import Unit
from qinqing.policies import matching, service
from qinqing.policies.engine.spec import builtin_specs_dir, parse_policy
from qinqing.policies.models import (
    Application,
    Budget,
    Delivery,
    GrantBatch,
    MatchResult,
    MatchRun,
    Policy,
)

SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "enterprises" / "sample_10k.csv"  # fmt: skip
DEMO_YEAR = 2025
# where a seed policy's rule came from, as the office reads it on the rule's version list
SEED_RULE_SOURCE = "随系统发布的示例规则"

DISTRICT18 = {
    "document": "XX区进一步优化营商环境十八条措施",
    "document_number": "XX区政发〔2025〕1号（示例）",
    "issuer_name": "XX区人民政府",
    "procedure": (
        "1. 营商办按企业库数据运行政策匹配，生成符合条件企业名单；\n"
        "2. 营商办制单，另一名工作人员审批；\n3. 审批后导出拨付名单，资金直接拨付到企业账户，并通知企业。"
    ),
    "starts_on": dt.date(2025, 1, 1),
    "ends_on": dt.date(2027, 12, 31),
}

# code → library fields; the owner is a unit name of the demo directory
SEED_POLICIES: dict[str, dict] = {
    "district18-art2": {
        **DISTRICT18,
        "owner": "示例市经济和信息化局",
        "title": "培育企业发展壮大",
        "article": "第二条",
        "beneficiaries": "当年新增（审核认定）的规上工业企业、规上服务业企业、省级以上农业产业化龙头企业、“小升规”企业、限上企业，新认定（复审）的国家、省制造（服务）业单项冠军企业。",
        "conditions_text": "认定日期在政策年度内；未列入严重失信主体名单。各项奖励可以叠加。",
        "amount_text": "规上工业、规上服务业、农业龙头各 5 万元；小升规 2 万元；限上 1 万元；国家、省单项冠军 20 万元、10 万元。",
        "contact": "市经信局企业服务科 0000-12345678（示例）",
        "industry_tags": "制造业 服务业 农业",
        "size_tags": "大型 中型 小型 微型",
        "region_tags": "示例市",
    },
    "district18-art3": {
        **DISTRICT18,
        "owner": "示例市科学技术局",
        "title": "鼓励企业科技创新",
        "article": "第三条",
        "beneficiaries": "当年新增（含复审）的专精特新“小巨人”企业、省市专精特新企业，新认定（复审）的科技领军企业、国家高新技术企业。",
        "conditions_text": "认定日期在政策年度内；未列入严重失信主体名单。每家企业不重复奖，以最高标准为准。",
        "amount_text": "小巨人 60 万元；省专精特新骨干、示范、中小企业 30、20、10 万元；市级专精特新 3 万元；科技领军企业国家、省、市 100、30、10 万元；高新技术企业 10 万元。",
        "contact": "市科技局高新科 0000-12345679（示例）",
        "industry_tags": "科技 制造业",
        "size_tags": "中型 小型 微型",
        "region_tags": "示例市",
    },
    "grad-hiring-subsidy": {
        "owner": "示例市人力资源和社会保障局",
        "title": "中小微企业招用高校毕业生一次性就业补贴",
        "document": "持续深化一流营商环境建设工作方案",
        "article": "第7项 强化人才资源汇聚",
        "document_number": "示例〔2024〕7号（示例）",
        "issuer_name": "示例市人民政府",
        "beneficiaries": "招用应届高校毕业生（含离校2年内未就业高校毕业生）的中小微企业。",
        "conditions_text": "签订1年以上劳动合同并按规定缴纳社会保险费；企业规模为中型、小型或微型；未列入严重失信主体名单。",
        "amount_text": "每招用 1 人补贴企业 1000 元。",
        "procedure": "按社保参保数据自动比对，免申即享；审批后直接拨付。",
        "contact": "市人社局就业科 0000-12345680（示例）",
        "starts_on": dt.date(2025, 1, 1),
        "industry_tags": "全行业",
        "size_tags": "中型 小型 微型",
        "region_tags": "示例市",
    },
}

RD_SUBSIDY_RULE = """\
# 首次认定国家高新技术企业研发补助（依申请兑现的示例规则：用于精准推送，审核以材料为准）
id: hightech-rd-subsidy
version: 1
title: 首次认定国家高新技术企业研发补助
document: 示例市支持科技创新若干措施（示例）
article: 第五条
delivery: application
source_text: >-
  对当年首次认定的国家高新技术企业中的中小微企业，经申报审核，给予一次性研发补助5万元。
interpretation: >-
  【解释口径】
  1. “当年认定”按企业库中的国家高新技术企业认定日期判断，日期落在政策年度内即可。
  2. “中小微企业”指企业规模为中型、小型或微型。
  3. 是否“首次”认定以企业提交的证书为准，由承办单位审核时核对；规则只用于推送。
  4. 列入严重失信主体名单的企业不予补助。
when:
  - label: 中小微企业（企业规模为中型、小型或微型）
    attribute: size
    in: [medium, small, micro]
  - label: 国家高新技术企业认定日期在政策年度内
    attribute: high_tech_on
    in_policy_year: true
exclusions:
  - label: 列入严重失信主体名单
    attribute: serious_dishonesty
    equals: true
items:
  - id: rd-subsidy
    title: 一次性研发补助
    amount: 5万元
"""

APPLICATION_POLICIES: dict[str, dict] = {
    "hightech-rd-subsidy": {
        "owner": "示例市科学技术局",
        "title": "首次认定国家高新技术企业研发补助",
        "document": "示例市支持科技创新若干措施（示例）",
        "article": "第五条",
        "document_number": "示科发〔2025〕5号（示例）",
        "issuer_name": "示例市科学技术局",
        "beneficiaries": "当年首次认定为国家高新技术企业的中小微企业。",
        "conditions_text": "1. 当年首次认定为国家高新技术企业；\n2. 企业规模为中型、小型或微型；\n3. 未列入严重失信主体名单。",
        "materials": "国家高新技术企业证书\n上年度研发费用专项审计报告",
        "procedure": "企业在线申报 → 市科技局审核（10 个工作日）→ 审核通过后拨付。",
        "contact": "市科技局高新科 0000-12345679（示例）",
        "amount_text": "一次性补助 5 万元。",
        "starts_on": dt.date(2025, 1, 1),
        "ends_on": dt.date(2027, 12, 31),
        "industry_tags": "科技",
        "size_tags": "中型 小型 微型",
        "region_tags": "示例市",
        "rule": RD_SUBSIDY_RULE,
    },
    "sme-social-insurance": {
        "owner": "示例市人力资源和社会保障局",
        "title": "小微企业吸纳就业社会保险补贴",
        "document": "示例市稳就业若干措施（示例）",
        "article": "第三条",
        "document_number": "示人社发〔2025〕12号（示例）",
        "issuer_name": "示例市人力资源和社会保障局",
        "beneficiaries": "吸纳就业困难人员、高校毕业生并缴纳社会保险的小微企业。",
        "conditions_text": "与吸纳人员签订1年以上劳动合同并为其缴纳社会保险费。",
        "materials": "劳动合同复印件\n社会保险缴费明细",
        "procedure": "企业在线申报 → 市人社局审核（15 个工作日）→ 审核通过后按季度拨付。",
        "contact": "市人社局就业科 0000-12345680（示例）",
        "amount_text": "按单位实际缴纳的社会保险费给予补贴，最长 3 年。",
        "starts_on": dt.date(2025, 1, 1),
        "ends_on": dt.date(2027, 12, 31),
        "industry_tags": "全行业",
        "size_tags": "小型 微型",
        "region_tags": "示例市",
        "review_limit_workdays": 15,
    },
    "trade-fair-subsidy": {
        "owner": "示例市商务局",
        "title": "外贸企业境外参展补助",
        "document": "示例市稳外贸若干措施（示例）",
        "article": "第二条",
        "document_number": "示商发〔2025〕3号（示例）",
        "issuer_name": "示例市商务局",
        "beneficiaries": "在本市注册、有进出口实绩的外贸企业。",
        "conditions_text": "参加市商务局公布目录内的境外展会。",
        "materials": "展位费发票\n参展照片或展会证明",
        "procedure": "展会结束后 3 个月内在线申报 → 市商务局审核（10 个工作日）→ 拨付。",
        "contact": "市商务局外贸科 0000-12345681（示例）",
        "amount_text": "按展位费的 50% 补助，每家企业每年不超过 10 万元。",
        "starts_on": dt.date(2025, 1, 1),
        "ends_on": dt.date(2026, 12, 31),
        "industry_tags": "批发零售 制造业",
        "size_tags": "中型 小型 微型",
        "region_tags": "示例市",
    },
}


def _unit(city: Unit, name: str) -> Unit:
    return Unit.objects.get(name=name, path__startswith=city.path)


def ensure_policy(code: str, fields: dict, *, owner: Unit, delivery: str, actor, now) -> Policy:
    """The policy ``code`` with these library fields (created once)."""
    existing = Policy.objects.filter(code=code).first()
    if existing is not None:
        return existing
    data = {k: v for k, v in fields.items() if k not in ("owner", "rule")}
    # Demo data is built for the day it is loaded: a policy whose period would already be
    # over stays open to the end of next year, so the demo can be tried on any date.
    open_until = dt.date(timezone.localdate(now).year + 1, 12, 31)
    if data.get("ends_on") and data["ends_on"] < open_until:
        data["ends_on"] = open_until
    return service.create_policy(
        actor=actor,
        data={**data, "code": code, "owner_unit": owner, "delivery": delivery},
        now=now,
    )


def ensure_rule(policy: Policy, text: str, *, actor, now, source: str = ""):
    """Store ``text`` as the active rule unless a version with the same content exists."""
    parsed = parse_policy(text, f"{policy.code}.yaml")
    current = policy.rules.filter(active=True).first()
    if current is not None and current.digest == parsed.digest:
        return current
    return service.save_policy_rule(policy, text, actor=actor, now=now, source=source)


def install_seed_policies(owners: dict[str, Unit] | Unit, *, actor, now) -> list[Policy]:
    """The three seed policies with the shipped rule files (``qinqing/policies/policy_specs``)."""
    policies = []
    for code, fields in SEED_POLICIES.items():
        owner = owners if isinstance(owners, Unit) else owners[code]
        policy = ensure_policy(
            code, fields, owner=owner, delivery=Delivery.AUTO_GRANT, actor=actor, now=now
        )
        path = builtin_specs_dir() / f"{code}.yaml"
        ensure_rule(
            policy, path.read_text(encoding="utf-8"), actor=actor, now=now,
            source=SEED_RULE_SOURCE,
        )  # fmt: skip
        policies.append(policy)
    return policies


# ---------------------------------------------------------------- demo registry

REGISTRY_HEADER = (
    "uscc,name,region_code,industry_code,size,established_on,serious_dishonesty,graduate_hires,"
    "above_scale_industrial_on,above_scale_service_on,agri_leader_on,small_to_above_scale_on,"
    "above_quota_on,champion_national_on,champion_provincial_on,little_giant_on,"
    "srdi_key_provincial_on,srdi_demo_provincial_on,srdi_sme_provincial_on,srdi_sme_city_on,"
    "tech_leader_national_on,tech_leader_provincial_on,tech_leader_city_on,high_tech_on"
)
DATE_COLUMNS = REGISTRY_HEADER.split(",")[8:]


def _row(uscc: str, name: str, **values) -> str:
    base = {
        "region_code": "420602", "industry_code": "C39", "size": "small",
        "established_on": "2015-06-01", "serious_dishonesty": "False", "graduate_hires": "0",
    }  # fmt: skip
    base.update({k: str(v) for k, v in values.items()})
    cells = [uscc, name, *(base.get(c, "") for c in REGISTRY_HEADER.split(",")[2:])]
    return ",".join(cells)


def demo_persona_rows(enterprises: list[tuple[str, str]]) -> list[str]:
    """``enterprises``: (name, credit code) of the demo's 甲 and 乙.

    甲: small high-tech firm (eligible: art3 and the R&D subsidy; near miss: graduates).
    乙: large food maker newly above scale with 12 graduate hires (eligible: art2; the
    graduate subsidy is for 中小微企业, which 乙 cannot become: no near miss)."""
    ENTERPRISE_A, ENTERPRISE_B = enterprises  # noqa: N806

    return [
        _row(
            ENTERPRISE_A[1],
            ENTERPRISE_A[0],
            industry_code="C39",
            size="small",
            established_on="2016-04-12",
            high_tech_on="2025-05-20",
        ),  # fmt: skip
        _row(
            ENTERPRISE_B[1],
            ENTERPRISE_B[0],
            industry_code="C14",
            size="large",
            established_on="2008-09-01",
            graduate_hires=12,
            above_scale_industrial_on="2025-03-15",
        ),  # fmt: skip
    ]


def synthetic_registry(n: int = 400, seed: int = 20250101) -> str:
    """A small registry in the sample's layout (fixed seed: the same every time)."""

    rng = random.Random(seed)
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    industries = ["C39", "C14", "C26", "I65", "M73", "F51", "A01", "E47"]
    regions = ["420602", "420606", "420607", "420625"]
    lines = [REGISTRY_HEADER]
    for i in range(n):
        body = "9142" + "".join(rng.choice(chars) for _ in range(13))
        values = {
            "region_code": rng.choice(regions),
            "industry_code": rng.choice(industries),
            "size": rng.choices(["large", "medium", "small", "micro"], [1, 3, 8, 12])[0],
            "established_on": f"{rng.randint(1995, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "serious_dishonesty": "True" if rng.random() < 0.02 else "False",
            "graduate_hires": rng.choice([0, 0, 0, 0, 1, 2, 3, 5]),
        }
        for column in DATE_COLUMNS:
            if rng.random() < 0.025:
                year = rng.choice([2023, 2024, 2025, 2025])
                values[column] = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        lines.append(_row(body + uscc_check_char(body), f"示例合成企业{i:04d}有限公司", **values))
    return "\n".join(lines) + "\n"


def load_registry(*, actor, log: Callable[[str], None], enterprises: list[tuple[str, str]]) -> None:
    """Load the registry sample (or a synthetic one) and the demo's own enterprises."""

    if Enterprise.objects.filter(uscc=enterprises[0][1]).exists():
        log(f"  企业库已有 {Enterprise.objects.count()} 家企业，跳过导入。")
        return
    if SAMPLE.is_file():
        import_registry(SAMPLE.read_bytes(), filename=SAMPLE.name, actor=actor)
        log(f"  已导入 {SAMPLE.name}。")
    else:
        data = synthetic_registry().encode("utf-8")
        import_registry(data, filename="示例合成企业名录.csv", actor=actor)
        log("  未找到 ../shared 的企业样本，已生成 400 家合成企业。")
    personas = "\n".join([REGISTRY_HEADER, *demo_persona_rows(enterprises)]) + "\n"
    import_registry(personas.encode("utf-8"), filename="演示企业.csv", actor=actor)


# ---------------------------------------------------------------- the demo


def _pdf(text: str) -> bytes:
    body = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>endobj\n"
        + f"4 0 obj<</Length {len(body)}>>stream\n".encode()
        + body
        + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _budget(policy: Policy, *, actor, now) -> Budget:

    expected = MatchResult.objects.filter(policy=policy, current=True, eligible=True).aggregate(
        s=Sum("amount")
    )["s"] or Decimal(0)
    total = max(Decimal(500000), (expected * Decimal("1.2")).quantize(Decimal(1)))
    budget = Budget.objects.filter(policy=policy, year=DEMO_YEAR).first()
    if budget is not None:
        return budget
    return service.set_budget(policy, year=DEMO_YEAR, total=total, actor=actor, now=now)


def load_demo(*, city, users: dict, log: Callable[[str], None] = print) -> None:
    now = timezone.now()
    office = users.get("office_admin")
    checker = users.get("office_checker")
    owners = {code: _unit(city, f["owner"]) for code, f in SEED_POLICIES.items()}
    seed = install_seed_policies(owners, actor=office, now=now)
    log(f"  政策库：{len(seed)} 条免申即享示例政策（规则为随系统发布的示例规则）。")
    for code, fields in APPLICATION_POLICIES.items():
        policy = ensure_policy(
            code, fields, owner=_unit(city, fields["owner"]), delivery=Delivery.APPLICATION,
            actor=office, now=now,
        )  # fmt: skip
        if fields.get("rule"):
            ensure_rule(policy, fields["rule"], actor=office, now=now, source="演示数据")
    log(f"  政策库：{len(APPLICATION_POLICIES)} 条依申请兑现示例政策。")
    demo_enterprises = [
        (users[name].profile.enterprise_name, users[name].profile.uscc)
        for name in ("enterprise_a", "enterprise_b")
    ]
    load_registry(actor=office, log=log, enterprises=demo_enterprises)

    if not MatchRun.objects.filter(year=DEMO_YEAR, area=city).exists():
        run = matching.run_matching(actor=office, year=DEMO_YEAR, area=city, now=now)
        log(
            f"  {DEMO_YEAR} 年度政策匹配：符合条件 {run.eligible_count} 户次，"
            f"差一个条件 {run.near_miss_count} 户次。"
        )
    policies = {p.code: p for p in Policy.objects.filter(owner_unit__path__startswith=city.path)}
    for code in (*SEED_POLICIES, "hightech-rd-subsidy", "sme-social-insurance"):
        _budget(policies[code], actor=office, now=now)

    # funds from above: one passed down in time, one still running on the 15-day clock
    art3 = policies["district18-art3"]
    if not art3.budgets.filter(arrivals__isnull=False).exists():
        today = timezone.localdate(now)
        done = service.record_fund_arrival(
            art3, year=DEMO_YEAR, amount=Decimal(2000000), source="省科学技术厅",
            document_number="示省科发〔2025〕20号（示例）", arrived_on=today - dt.timedelta(days=40),
            actor=office, now=now,
        )  # fmt: skip
        service.record_fund_disbursement(
            done, disbursed_on=today - dt.timedelta(days=32), note="直接拨付至获奖企业",
            actor=office, now=now,
        )  # fmt: skip
        service.record_fund_arrival(
            art3, year=DEMO_YEAR, amount=Decimal(800000), source="省财政厅",
            document_number="示省财教〔2025〕31号（示例）", arrived_on=today - dt.timedelta(days=6),
            actor=office, now=now,
        )  # fmt: skip
        log("  上级资金：2 笔到达记录（1 笔已按时下达，1 笔在 15 日时限内）。")

    # 精准推送 and two grant batches: one approved by the second officer, one waiting
    grad = policies["grad-hiring-subsidy"]
    art2 = policies["district18-art2"]
    try:
        if not grad.pushes.exists():
            service.push_policy(grad, actor=office, now=now)
        if not GrantBatch.objects.filter(policy=art2, year=DEMO_YEAR).exists():
            batch = service.prepare_grant_batch(art2, actor=office, now=now)
            if checker is not None:
                service.approve_grant_batch(batch, actor=checker, now=now)
        if not GrantBatch.objects.filter(policy=grad, year=DEMO_YEAR).exists():
            service.prepare_grant_batch(grad, actor=office, now=now)
        if not GrantBatch.objects.filter(policy=art3, year=DEMO_YEAR).exists():
            service.prepare_grant_batch(art3, actor=office, now=now)
        log(
            "  免申即享：“培育企业发展壮大”批次已审批（两人制单审批），"
            "另两条政策的批次待 office_checker 审批。"
        )
    except QinqingError as exc:  # a demo re-run on changed data must not stop the demo
        log(f"  免申即享批次未生成：{exc.message}")

    # an application by 甲 waiting for the 科技局's review
    enterprise = users.get("enterprise_a")
    rd = policies["hightech-rd-subsidy"]
    if enterprise is not None and not Application.objects.filter(policy=rd).exists():
        files = {
            name: SimpleUploadedFile(f"{name}.pdf", _pdf("Qinqing demo"), "application/pdf")
            for name in rd.materials_list
        }
        try:
            service.submit_application(
                rd, actor=enterprise, now=now, files=files,
                data={"contact_name": "钱经理", "contact_phone": "13800000000",
                      "bank_account": "示例银行示例支行 6222000000000000（示例）",
                      "requested_amount": "50000",
                      "statement": "本公司于 2025 年 5 月首次认定为国家高新技术企业。"},
            )  # fmt: skip
            log("  依申请兑现：示例智造科技有限公司已在线申报研发补助，待市科技局审核。")
        except QinqingError as exc:  # e.g. no calendar data for the review deadline yet
            log(f"  示例申报未生成：{exc.message}")
