"""``manage.py policies_sweep``: the policy delivery sweeps (see qinqing/policies/tasks.py)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from qinqing.policies.tasks import run_sweeps


class Command(BaseCommand):
    help = "惠企政策定时任务：上级资金15日时限、申报审核超时、服务对象清单季度更新提醒。"

    def handle(self, *args, **options):
        result = run_sweeps(timezone.now())
        self.stdout.write(
            f"上级资金新标记逾期 {result.flagged_overdue} 笔、提醒 {result.fund_reminders} 次；"
            f"申报超时提醒 {result.review_reminders} 次；"
            f"新建服务对象清单 {result.lists_created} 份、提醒 {result.list_reminders} 次。"
        )
