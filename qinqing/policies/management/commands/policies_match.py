"""``manage.py policies_match --year 2025 --area 示例市 --user office_admin``: a matching run
outside the web request, for registries too large to evaluate within a page load."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from qinqing.core.errors import QinqingError
from qinqing.core.orgs.models import Unit
from qinqing.policies.matching import run_matching


class Command(BaseCommand):
    help = "对企业库运行政策匹配（与“政策匹配”页面相同，适合企业数很多时在后台运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="政策年度，如 2025")
        parser.add_argument("--area", required=True, help="地区单位名称，如 示例市")
        parser.add_argument(
            "--user", required=True, help="以哪个营商办账号的名义运行（记入审计日志）"
        )

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"没有用户名为“{options['user']}”的账号。")
        areas = Unit.objects.filter(name=options["area"])
        if areas.count() != 1:
            raise CommandError(f"找不到唯一名为“{options['area']}”的地区单位，请写机构库中的全称。")
        try:
            run = run_matching(
                actor=user, year=options["year"], area=areas.get(), now=timezone.now()
            )
        except QinqingError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{run.year} 年度政策匹配完成：{run.enterprise_count} 家企业，符合条件 {run.eligible_count} 户次，"
            f"差一个条件 {run.near_miss_count} 户次；耗时 {run.timings}。"
        )
