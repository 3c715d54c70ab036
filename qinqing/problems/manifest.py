"""What the app contributes to the platform (see qinqing.core.manifest)."""

import datetime as dt
from zoneinfo import ZoneInfo

from qinqing.core.manifest import (
    AppManifest,
    BulletinSection,
    BulletinTable,
    Job,
    NavItem,
    RoleSpec,
)

SECTION = "问题台账"


def bulletin_section(
    area, period_start: dt.date, period_end: dt.date, as_of: dt.date
) -> BulletinSection:
    """The problem ledger's chapter of the 通报: counts by lead unit, source and status."""
    # imported when called: the manifest is read while apps load, before models may be
    from qinqing.problems.queries import bulletin_counts
    from qinqing.problems.rules import ProblemState

    end_of_day = dt.datetime.combine(
        as_of + dt.timedelta(days=1), dt.time(), tzinfo=ZoneInfo("Asia/Shanghai")
    )
    counts = bulletin_counts(area, period_start, period_end, end_of_day)
    by_status = dict(counts["by_status"])
    total = sum(by_status.values())
    day = f"{as_of.year}年{as_of.month}月{as_of.day}日"
    if not total:
        return BulletinSection("问题整改情况", f"截至{day}，{area.name}问题台账无登记的问题。")
    labels = [state.label for state in ProblemState]
    states = "、".join(f"{label}{by_status[label]}项" for label in labels if by_status.get(label))
    period = counts["period"]
    intro = (
        f"截至{day}，{area.name}问题台账共登记问题{total}项，其中{states}；"
        f"逾期未整改{counts['overdue']}项。本期新登记{period['new']}项，"
        f"销号{period['closed']}项，回头看发现反弹{period['recurred']}项。"
    )
    return BulletinSection(
        "问题整改情况",
        intro,
        [
            BulletinTable(
                ["责任单位", "合计", *labels, "逾期"],
                [
                    [
                        unit or "未明确",
                        cell["total"],
                        *[cell.get(lb, 0) for lb in labels],
                        cell["overdue"],
                    ]
                    for unit, cell in counts["by_unit"]
                ],
                empty="本期无按责任单位统计的问题。",
                caption="按责任单位统计",
            ),
            BulletinTable(
                ["问题来源", "问题数（项）"],
                counts["by_source"],
                empty="本期无按来源统计的问题。",
                caption="按问题来源统计",
            ),
            BulletinTable(
                ["整改状态", "问题数（项）"],
                [(label, by_status[label]) for label in labels if label in by_status],
                empty="本期无按整改状态统计的问题。",
                caption="按整改状态统计",
            ),
        ],
    )


MANIFEST = AppManifest(
    label="problems",
    url_prefix="problems/",
    nav=[
        NavItem("问题台账", "problems:list", "problems.view", SECTION),
        NavItem("登记问题", "problems:new", "problems.manage", SECTION),
        NavItem("销号审核", "problems:review", "problems.manage", SECTION),
        NavItem("回头看", "problems:follow_ups", "problems.manage", SECTION),
        NavItem("专项整治", "problems:campaigns", "problems.view", SECTION),
        NavItem("督查记录", "problems:visits", "problems.manage", SECTION),
        NavItem("诉求热点（每月一题）", "problems:themes", "problems.manage", SECTION),
        NavItem("清欠台账", "problems:arrears_dashboard", "problems.view", SECTION),
        NavItem("监督员", "problems:supervisors", "problems.manage", SECTION),
        NavItem("我要反映", "problems:supervisor_home", "problems.supervise", SECTION),
        NavItem("移送线索", "problems:referrals", "problems.discipline", SECTION),
        NavItem("案例审核", "problems:cases_review", "problems.manage", SECTION),
        NavItem("报送经验做法", "problems:case_new", "problems.cases", SECTION),
        NavItem("经验库", "problems:experience", None, SECTION),
        NavItem("问题通报统计", "problems:figures", "problems.view", SECTION),
        NavItem("台账设置", "problems:settings", "problems.manage", SECTION),
    ],
    capabilities={
        "problems.view": "查看问题台账",
        "problems.manage": "登记问题、审核销号、回头看、移送与督办",
        "problems.rectify": "整改本单位问题、申请销号",
        "problems.arrears": "登记清欠台账和还款",
        "problems.cases": "报送经验做法",
        "problems.discipline": "处理移送纪检监察的问题线索",
        "problems.supervise": "营商环境监督员反映问题、登记履职",
    },
    role_capabilities={
        "office_admin": [
            "problems.view",
            "problems.manage",
            "problems.rectify",
            "problems.arrears",
            "problems.cases",
        ],
        "unit_staff": ["problems.view", "problems.rectify", "problems.cases"],
        "leader": ["problems.view"],
        "discipline": ["problems.discipline"],
    },  # fmt: skip
    roles=[
        RoleSpec(
            code="supervisor",
            name="营商环境监督员",
            description="受聘的营商环境监督员：在任期内通过网页或扫码反映问题、登记履职",
            # sees only what is their own (their reports and duty log), like 纪检监察's
            # referred scope; a supervisor need not belong to a unit
            scope="referred",
            capabilities=["problems.supervise"],
        )
    ],
    audit_verbs={
        "problem.created": "登记问题",
        "problems.settings_saved": "修改问题台账设置",
        "problem.close_out_requested": "申请销号",
        "problem.closed_out": "销号",
        "problem.close_out_returned": "退回销号申请",
        "problem.recurred": "回头看发现反弹，重新整改",
        "problem.escalated": "问题督办",
        "problem.referred": "问题移送纪检监察",
        "follow_up.scheduled": "生成回头看",
        "follow_up.passed": "回头看通过",
        "referral.updated": "登记移送事项核查情况",
        "case.submitted": "报送案例",
        "case.published": "发布案例",
        "case.rejected": "案例未采用",
        "campaign.created": "设立专项整治",
        "visit.recorded": "登记督查记录",
        "supervisor.appointed": "聘任监督员",
        "supervisor.duty_logged": "监督员登记履职",
        "supervisor.reported": "监督员反映问题",
        "arrears.registered": "登记清欠台账",
        "arrears.paid": "登记还款",
        "arrears.corrected": "冲正还款",
        "arrears.dispute_recorded": "登记欠款争议",
        "arrears.plan_changed": "修改还款计划",
        "themes.proposed": "生成诉求热点建议",
        "themes.dismissed": "诉求热点不立项",
    },
    indicators="qinqing.problems.indicators",
    bulletin_sections=["qinqing.problems.manifest.bulletin_section"],
    demo_seed="qinqing.problems.seeds.load_demo",
    demo_title="问题台账",
    jobs=[
        Job(
            "problems.follow_up_checks",
            "生成到期的回头看",
            "daily 07:30",
            "qinqing.problems.tasks.schedule_follow_up_checks",
        ),
        Job(
            "problems.overdue",
            "问题逾期提醒",
            "workdays 09:00",
            "qinqing.problems.tasks.notify_overdue_problems",
        ),
        Job(
            "problems.monthly_themes",
            "每月一题：诉求热点分析",
            "monthly 2 06:00",
            "qinqing.problems.tasks.propose_monthly_themes",
            catch_up="each",
        ),
    ],  # fmt: skip
    notification_kinds={
        "problems.assigned": "交办问题",
        "problems.returned": "销号申请退回",
        "problems.follow_up_due": "回头看到期",
        "problems.recurred": "问题反弹重新整改",
        "problems.overdue": "问题逾期提醒",
        "problems.referred": "移送纪检监察的问题线索",
        "problems.supervisor_report": "监督员反映问题",
        "problems.themes": "诉求热点建议",
    },
)
