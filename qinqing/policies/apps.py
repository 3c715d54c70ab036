from django.apps import AppConfig

from qinqing.web.nav import NavItem

SECTION = "惠企政策"

VERB_LABELS = {
    "policy.created": "录入政策",
    "policy.updated": "修改政策信息",
    "policy_rule.saved": "保存政策规则新版本",
    "match_run.completed": "运行政策匹配",
    "policy.pushed": "精准推送政策",
    "push_feedback.recorded": "企业反馈推送是否符合",
    "application.submitted": "企业在线申报政策",
    "application.resubmitted": "企业补正后重新申报",
    "application.returned": "退回申报补正",
    "application.approved": "审核通过政策申报",
    "application.rejected": "政策申报不予兑现",
    "application.paid": "登记申报资金拨付",
    "budget.set": "设置政策资金池",
    "fund.arrived": "登记上级资金到达",
    "fund.disbursed": "登记上级资金下达或拨付",
    "fund.overdue": "上级资金超过15日未下达",
    "application.review_overdue": "政策申报超过审核时限",
    "service_target_list.refreshed": "更新服务对象清单",
    "service_target_list.reminded": "提醒更新服务对象清单",
    "grant_batch.prepared": "生成免申即享发放批次",
    "grant_batch.approved": "审批免申即享发放批次",
    "grant_batch.cancelled": "作废免申即享发放批次",
    "grant_batch.paid": "登记免申即享批次拨付",
    "grant_batch.exported": "导出免申即享拨付名单",
}


class PoliciesConfig(AppConfig):
    name = "qinqing.policies"
    label = "policies"
    verbose_name = "惠企政策"
    demo_seed = "qinqing.policies.seeds.load_demo"
    nav_items = [
        NavItem("政策库", "policies:library", None, SECTION),
        NavItem("我的政策", "policies:mine", "policies.mine", SECTION),
        NavItem("政策匹配", "policies:matching", "policies.view", SECTION),
        NavItem("免申即享", "policies:grants", "policies.view", SECTION),
        NavItem("申报审核", "policies:applications", "policies.view", SECTION),
        NavItem("资金与清单", "policies:funds", "policies.view", SECTION),
    ]

    def ready(self) -> None:
        from qinqing.core.audit.verbs import register_verbs
        from qinqing.policies import indicators  # noqa: F401  (registers the indicators)

        register_verbs(VERB_LABELS)
