"""Demo data: a departments scheme and a counties scheme for 示例市, and a province ranking.

Scores come from what the demo's other seeds produced: each scheme uses the registered
domain indicators (never a fines indicator) that have data for its units in the demo's
periods, those separating the units first, with even weights. When too few have data, the
default ones fill the scheme and show as 无数据. With none registered the schemes stay
drafts and no run is computed. Runs are computed for the last two complete months (the
supervision demo's cadences run monthly) and published only when they separate the units;
otherwise they wait for the office with the reason logged.
Everything is idempotent: a second ``qinqing demo`` finds what exists and adds nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

from django.utils import timezone

from qinqing.assessment import registry, rules, service
from qinqing.assessment.models import (
    DEFAULT_EXTERNAL_SOURCE,
    AssessmentRun,
    AssessmentScheme,
    ExternalRanking,
    ExternalRule,
    SchemeStatus,
    SupervisionLevel,
    TargetKind,
)
from qinqing.assessment.registry import Period
from qinqing.core.errors import QinqingError
from qinqing.core.files.xlsx import write_workbook
from qinqing.core.orgs.models import Unit

log = logging.getLogger(__name__)

MAX_ITEMS = 8
MIN_ITEMS = 3
DEMO_SOURCES = ("supervision", "plans", "appeals")  # the defaults when the demo has no data
PERIODS = 2
# 示例县 fair, 东城区 middling, 西山县 in the province's last ten (004 (四) → 约谈)
DEMO_PROVINCE_RANKS = {"示例县": (23, Decimal("86.4")), "东城区": (57, Decimal("78.9")),
                       "西山县": (94, Decimal("63.2"))}  # fmt: skip
PROVINCE_TOTAL = 100


def _allowed() -> list[registry.Indicator]:
    return [
        ind
        for ind in registry.all_indicators()
        if not rules.concerns_fines(ind.code, ind.label, ind.tags)
    ]


def demo_indicators(
    unit_ids: Sequence[int] = (), periods: Sequence[Period] = ()
) -> list[registry.Indicator]:
    """The registered domain indicators a demo scheme uses (never a fines indicator).

    Those with a value for at least half of ``unit_ids`` in some period come first (the ones
    whose values differ between units before those that do not); the defaults from
    :data:`DEMO_SOURCES` fill up to :data:`MIN_ITEMS`.
    """
    allowed = _allowed()
    with_data: list[tuple[bool, int, registry.Indicator]] = []
    for position, ind in enumerate(allowed):
        covered, separates = _coverage(ind, list(unit_ids), periods)
        if unit_ids and covered * 2 >= len(unit_ids):
            with_data.append((not separates, position, ind))
    chosen = [ind for *_, ind in sorted(with_data, key=lambda row: row[:2])][:MAX_ITEMS]
    for ind in allowed:
        if len(chosen) >= MIN_ITEMS:
            break
        if ind.source in DEMO_SOURCES and ind not in chosen:
            chosen.append(ind)
    return chosen


def _coverage(
    ind: registry.Indicator, unit_ids: list[int], periods: Sequence[Period]
) -> tuple[int, bool]:
    """How many units have a value in some period, and whether some period's values differ."""
    covered: set[int] = set()
    separates = False
    for period in periods:
        try:
            values = ind.compute(period, unit_ids)
        except Exception:  # a failing domain indicator must not stop the demo
            log.exception("indicator %s failed for %s", ind.code, period)
            continue
        present = {u: v for u, v in values.items() if v is not None}
        covered |= set(present)
        separates = separates or len(set(present.values())) > 1
    return len(covered), separates


def _method_for(ind: registry.Indicator) -> dict:
    if ind.unit_label == "%":
        if ind.higher_is_better:  # a rate below 60% earns nothing, 100% earns the full weight
            return {"method": "linear", "floor": Decimal(60), "ceiling": Decimal(100)}
        return {"method": "linear", "floor": Decimal(0), "ceiling": Decimal(30)}
    return {"method": "rank"}


def _last_months(today: date, count: int) -> list[Period]:
    """The ``count`` complete months before ``today``'s, oldest first."""
    year, month = today.year, today.month
    periods: list[Period] = []
    while len(periods) < count:
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        periods.append(Period.month(year, month))
    return list(reversed(periods))


def _scheme(
    *, city: Unit, actor, name: str, kind: str, today: date, log: Callable[[str], None]
) -> AssessmentScheme:
    now = timezone.now()
    scheme = AssessmentScheme.objects.filter(area=city, name=name).order_by("-version").first()
    if scheme is None:
        scheme = service.create_scheme(
            actor=actor,
            area=city,
            name=name,
            target_kind=kind,
            effective_from=date(today.year - 1, 1, 1),
            effective_to=date(today.year, 12, 31),
            bottom_n=3 if kind == TargetKind.DEPARTMENTS else 1,
            description="演示方案：指标取自各模块登记、演示数据中有数据的考评指标，权重平均分配。",
            now=now,
        )
    periods = _last_months(today, PERIODS)
    if scheme.status == SchemeStatus.DRAFT and not scheme.items.exists():
        targets = [u.pk for u in scheme.targets.all()]
        indicators = demo_indicators(targets, periods)
        missing = [i.label for i in indicators if _coverage(i, targets, periods)[0] == 0]
        if missing:
            log(f"  {name}：演示数据中没有{'、'.join(missing)}的数据，将显示为无数据。")
        for ind, weight in zip(indicators, rules.even_weights(len(indicators)), strict=True):
            service.add_scheme_item(
                scheme,
                actor=actor,
                indicator_code=ind.code,
                weight=weight,
                now=now,
                **_method_for(ind),
            )
        if not indicators:
            log(f"  {name}：尚无已登记的考评指标，方案保留为草稿。")
            return scheme
    if scheme.status == SchemeStatus.DRAFT:
        try:
            service.activate_scheme(scheme, actor=actor, now=now)
        except QinqingError as exc:
            log(f"  {name}：未能启用（{exc.message}）")
            return scheme
        scheme.refresh_from_db()
    for period in periods:
        existing = AssessmentRun.objects.filter(
            scheme=scheme, period_start=period.start, period_end=period.end
        ).first()
        if existing is not None:  # published, or computed and left for the office to review
            continue
        try:
            run = service.run_assessment(scheme, period, actor=actor, now=timezone.now())
        except QinqingError as exc:
            log(f"  {name} {period.label}：未能计算（{exc.message}）")
            continue
        problem = service.data_coverage_problem(run)
        if problem:  # a tie on missing data is left for the office to look at, not published
            log(f"  {name} {period.label}：已计算，未发布（{problem}）")
            continue
        service.publish_run(run, actor=actor, now=timezone.now())
        log(f"  {name} {period.label}：已计算并发布（{run.scores.count()} 个单位）。")
    return scheme


def _external(*, city: Unit, actor, today: date, log: Callable[[str], None]) -> None:
    now = timezone.now()
    if not ExternalRule.objects.filter(area=city).exists():
        service.set_external_rule(
            city,
            actor=actor,
            bottom_n=10,
            level=SupervisionLevel.INTERVIEW,
            active=True,
            now=now,
        )
    label = f"{today.year - 1}年度"
    if ExternalRanking.objects.filter(
        area=city, source=DEFAULT_EXTERNAL_SOURCE, period_label=label
    ).exists():
        return
    counties = {u.name for u in Unit.objects.filter(parent=city, kind="county")}
    rows = [
        [name, rank, float(score), label]
        for name, (rank, score) in DEMO_PROVINCE_RANKS.items()
        if name in counties
    ]
    if not rows:
        log("  演示目录中没有县（市、区），未导入全省排名。")
        return
    data = write_workbook(["县区", "排名", "得分", "年度/期次"], rows, title="全省排名")
    ranking = service.import_external_ranking(
        data,
        area=city,
        total_ranked=PROVINCE_TOTAL,
        actor=actor,
        now=now,
        filename=f"{label}全省营商环境评价县（市、区）排名.xlsx",
    )
    log(
        f"  已导入{ranking.source}（{label}）{len(rows)} 个县区排名，"
        f"触发督办 {ranking.triggers.count()} 个。"
    )


def load_demo(*, city: Unit, users: dict, log: Callable[[str], None] = print) -> None:
    actor = users.get("office_admin") or "demo"
    today = timezone.localdate()
    _scheme(
        city=city,
        actor=actor,
        name=f"{today.year}年度市直部门营商环境考评",
        kind=TargetKind.DEPARTMENTS,
        today=today,
        log=log,
    )
    _scheme(
        city=city,
        actor=actor,
        name=f"{today.year}年度县（市、区）营商环境考评",
        kind=TargetKind.COUNTIES,
        today=today,
        log=log,
    )
    _external(city=city, actor=actor, today=today, log=log)
