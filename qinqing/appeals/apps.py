from django.apps import AppConfig

from qinqing.web.nav import NavItem

SECTION = "涉企诉求"


class AppealsConfig(AppConfig):
    name = "qinqing.appeals"
    label = "appeals"
    verbose_name = "涉企诉求"
    demo_seed = "qinqing.appeals.seeds.load_demo"
    nav_items = [
        NavItem("提交诉求", "appeals:new", "appeals.submit", SECTION),
        NavItem("我的诉求", "appeals:list", "appeals.submit", SECTION),
        NavItem("我的评价", "appeals:ratings", "appeals.submit", SECTION),
        NavItem("热线登记", "appeals:intake", "appeals.intake", SECTION),
        NavItem("派单", "appeals:queue", "appeals.dispatch", SECTION),
        NavItem("本单位工单", "appeals:tickets", "appeals.handle", SECTION),
        NavItem("诉求总览", "appeals:list", "appeals.view", SECTION),
        NavItem("回访", "appeals:callbacks", "appeals.callback", SECTION),
        NavItem("三率统计", "appeals:figures", "appeals.view", SECTION),
        NavItem("好差评", "appeals:ratings", "appeals.view", SECTION),
        NavItem("办不成事", "appeals:hard_cases", "appeals.view", SECTION),
        NavItem("反映二维码", "appeals:qr_list", "appeals.dispatch", SECTION),
        NavItem("诉求设置", "appeals:settings", "appeals.dispatch", SECTION),
        NavItem("线索台账", "appeals:leads", "appeals.discipline", SECTION),
    ]

    def ready(self) -> None:
        from qinqing.appeals import indicators  # noqa: F401  (registers the indicators)
        from qinqing.core.audit.verbs import register_verbs

        register_verbs(
            {
                "appeal.received": "受理诉求",
                "appeal.merged": "并单",
                "appeal.duplicate_dismissed": "确认不是重复诉求",
                "appeal.answered": "即时办结",
                "appeal.dispatched": "派单",
                "appeal.referred": "移送纪检监察",
                "appeal.callback_recorded": "回访",
                "appeal.viewed_attachment": "查看诉求附件",
                "ticket.acknowledged": "签收工单",
                "ticket.return_requested": "申请退单",
                "ticket.return_approved": "同意退单",
                "ticket.return_rejected": "驳回退单",
                "ticket.transferred": "转办工单",
                "ticket.extension_requested": "申请延期",
                "ticket.extension_approved": "同意延期",
                "ticket.extension_refused": "不同意延期",
                "ticket.suspension_requested": "申请挂起",
                "ticket.suspended": "同意挂起",
                "ticket.suspension_refused": "不同意挂起",
                "ticket.resumed": "恢复办理",
                "ticket.replied": "答复工单",
                "appeals.swept": "诉求时限巡检（催办、督办）",
                "appeals.clocks_rebuilt": "重算诉求办理时限",
                "appeals.figures_rolled_up": "三率月度汇总",
                "rating.created": "好差评",
                "rectification.completed": "差评整改完成",
                "hardcase.filed": "登记办不成事",
                "hardcase.resolved": "办不成事已解决",
                "lead.updated": "登记线索核查情况",
                "lead.closed": "线索销号",
                "qr.created": "生成反映二维码",
                "apiclient.created": "登记接口调用方",
                "router.retrained": "重新训练诉求分类模型",
            }
        )
