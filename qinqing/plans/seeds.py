"""Demo data: the four seed plans as confirmed plans of 示例市, and the experience library.

The files are public government documents (``../shared/seeds/``); copies ship in
``qinqing/plans/demo_data/`` so a deployed demo does not depend on the shared folder.
Idempotent: a file already imported into the city (same SHA-256) is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.utils import timezone

from qinqing.plans import service
from qinqing.plans.models import Plan, PlanStatus

SHARED_SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
DEMO_DATA = Path(__file__).resolve().parent / "demo_data"

# file, title shown in the demo (the parser's guess is often just "实施方案")
DEMO_FILES = [
    ("000_36604b5286f2cc39.txt", "2022年以更大力度优化营商环境实施方案"),
    ("001_613b461fdb0b29fe.txt", "持续深化一流营商环境建设工作方案"),
    ("002_d25d4ccf3a63151e.txt", "关于着力优化营商环境解决企业突出困难和问题的实施意见"),
    ("004_a9af51ffab1fa995.txt", "2022年打造比肩大湾区营商环境工作要点"),
    ("003_9409596d0de7a529.txt", ""),  # 材料汇编: its own title
]


def seed_file(name: str) -> Path:
    """The seed in ../shared/seeds when present, else the shipped copy."""
    shared = SHARED_SEEDS / name
    return shared if shared.is_file() else DEMO_DATA / name


def load_demo(*, city, users: dict, log: Callable[[str], None] = print) -> list[Plan]:
    actor = users.get("office_admin") or "demo"
    plans = []
    for name, title in DEMO_FILES:
        data = seed_file(name).read_bytes()
        existing = Plan.objects.filter(area=city, source_sha256=service.file_sha256(data)).first()
        if existing is not None:
            plan = existing
        else:
            plan = service.import_document(
                data, name, area=city, actor=actor, now=timezone.now(), title=title
            )
        if plan.status == PlanStatus.DRAFT:
            service.confirm_plan(plan, actor=actor, now=timezone.now(), accept_unresolved=True)
        plans.append(plan)
        what = (
            f"{plan.articles.filter(fragment=False).count()} 篇文章"
            if plan.kind == "compilation"
            else f"{plan.tasks.count()} 项任务"
        )
        log(f"  《{plan.title}》：{what}")
    return plans
