"""一单两库 from the database: the draw engine's inputs for a campaign, and its stored files.

``campaign_inputs`` builds exactly the ``DrawInputs`` the CSV route would build from the
same data (same validation and normalisation in ``drawing/``), so the commitment of a
campaign equals ``qinqing inspections commit`` on its exported files. Once committed, a
campaign is drawn and verified only from its stored canonical files
(``stored_inputs``): later edits of the registry, items or inspectors cannot change it.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path

from django.db.models import Count, Q

from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import InvalidInput
from qinqing.core.workdays import get_calendar
from qinqing.inspections.drawing import (
    DrawConstraints,
    DrawInputs,
    EntityPool,
    EntityRecord,
    inspectors_from_records,
    items_from_records,
    load_inputs,
    write_canonical_files,
)
from qinqing.inspections.drawing.inputs import canonical_decimal
from qinqing.inspections.models import (
    Campaign,
    CampaignFile,
    CampaignState,
    Inspector,
    Visit,
)
from qinqing.inspections.queries import quiet_periods_between
from qinqing.inspections.rules import parse_region_codes

INPUT_FILES = ("entities.csv", "items.csv", "inspectors.csv", "constraints.json")
DRAW_FILE = "DRAW.json"
TABLE_OF_FILE = {
    "entities.csv": "entities",
    "items.csv": "items",
    "inspectors.csv": "inspectors",
    "constraints.json": "constraints",
}
DRAWN_STATES = (CampaignState.DRAWN, CampaignState.PUBLISHED)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _campaign_items(campaign: Campaign) -> list:
    items = list(campaign.items.select_related("unit").order_by("code"))
    if not items:
        raise InvalidInput("抽查计划还没有选择检查事项。请在“修改计划”中至少选择一项检查事项。")
    inactive = [f"{i.code} {i.name}" for i in items if not i.active]
    if inactive:
        raise InvalidInput(
            f"检查事项 {'、'.join(inactive)} 已停用，不能用于抽取。请在“修改计划”中移除，或先在检查事项清单中重新启用。"
        )
    names = Counter(i.unit.name for i in {i.unit_id: i for i in items}.values())
    twice = [name for name, n in names.items() if n > 1]
    if twice:
        raise InvalidInput(
            f"本计划的检查事项来自两个同名部门“{'、'.join(twice)}”，抽取文件无法区分。"
            f"请只选择其中一个部门的事项，或请管理员在机构库中区分单位名称。"
        )
    return items


def _entity_queryset(campaign: Campaign, items: list):

    qs = Enterprise.objects.all()
    regions = parse_region_codes(campaign.region_codes)
    if regions:
        region_q = Q()
        for code in regions:
            region_q |= Q(region_code__startswith=code)
        qs = qs.filter(region_q)
    codes = sorted({c for i in items for c in i.industries.split(";") if c.strip()})
    if "*" not in codes:
        industry_q = Q()
        for code in codes:
            industry_q |= Q(industry_code__startswith=code.strip().upper())
        qs = qs.filter(industry_q)
    return qs, regions


def campaign_inputs(campaign: Campaign, *, calendar=None) -> DrawInputs:
    """The draw inputs of a campaign as the database holds them now (draft and commit)."""
    if calendar is None:
        calendar = get_calendar()
    items = _campaign_items(campaign)
    item_rows = [
        [
            i.code,
            i.unit.name,
            i.name,
            i.industries,
            *(canonical_decimal(r) for r in i.ratios),
        ]
        for i in items
    ]
    unit_ids = sorted({i.unit_id for i in items})
    inspectors = list(
        Inspector.objects.filter(unit_id__in=unit_ids)
        .select_related("unit")
        .order_by("certificate_number")
    )
    inspector_rows = [
        [p.certificate_number, p.name, p.unit.name, "1" if p.active else "0", ";".join(p.conflicts)]
        for p in inspectors
    ]
    qs, regions = _entity_queryset(campaign, items)
    records = [
        EntityRecord(*row)
        for row in qs.order_by("uscc")
        .values_list("uscc", "name", "industry_code", "region_code", "credit_tier")
        .iterator(chunk_size=5000)
    ]
    if not records:
        where = f"抽查地域 {'、'.join(regions)} 内" if regions else ""
        raise InvalidInput(
            f"企业库{where}没有适用本计划检查事项行业的企业，无法抽取。"
            f"请核对抽查地域和检查事项的适用行业，或先导入企业名录。"
        )
    pool = EntityPool.from_records(records, source="企业库")
    in_pool = set(pool.uscc)
    roster = {p.certificate_number for p in inspectors}

    start, end = campaign.window_start_on, campaign.window_end_on
    quiet: dict[str, list[tuple[date, date]]] = {
        uscc: periods
        for uscc, periods in quiet_periods_between(start, end).items()
        if uscc in in_pool
    }

    earlier = Visit.objects.filter(campaign__state__in=DRAWN_STATES).exclude(campaign=campaign)
    checks_done = {
        row["uscc"]: row["n"]
        for row in earlier.filter(planned_on__year=start.year)
        .values("uscc")
        .annotate(n=Count("id"))
        if row["uscc"] in in_pool
    }
    # 上次检查过该企业的人员不再检查: the team of each entity's most recent earlier visit
    last_visit: dict[str, int] = {}
    for uscc, visit_id in earlier.order_by("uscc", "-campaign__drawn_at", "-id").values_list(
        "uscc", "id"
    ):
        if uscc in in_pool and uscc not in last_visit:
            last_visit[uscc] = visit_id
    previous_pairs = []
    if last_visit:
        through = Visit.inspectors.through
        wanted = set(last_visit.values())
        for visit_id, uscc, certificate in through.objects.filter(
            visit__campaign__state__in=DRAWN_STATES
        ).values_list("visit_id", "visit__uscc", "inspector__certificate_number"):
            if visit_id in wanted and certificate in roster:
                previous_pairs.append((certificate, uscc))

    constraints = DrawConstraints.build(
        window=(start, end),
        workdays=calendar.is_workday,
        monthly_quiet=[(int(a), int(b)) for a, b in campaign.monthly_quiet],
        quiet_periods=quiet,
        previous_pairs=previous_pairs,
        checks_done=checks_done,
        annual_cap=campaign.annual_cap,
        max_visits_per_inspector=campaign.max_visits_per_inspector,
    )
    return DrawInputs(
        entities=pool,
        items=items_from_records(item_rows),
        inspectors=inspectors_from_records(inspector_rows),
        constraints=constraints,
    )


def canonical_texts(inputs: DrawInputs) -> dict[str, str]:
    """The four input files of a snapshot, as text (their SHA-256 are the table hashes)."""
    with tempfile.TemporaryDirectory(prefix="qinqing-draw-") as tmp:
        paths = write_canonical_files(inputs, tmp)
        texts = {path.name: path.read_bytes().decode("utf-8") for path in paths.values()}
    for name, text in texts.items():
        if sha256_text(text) != inputs.table_sha256[TABLE_OF_FILE[name]]:  # pragma: no cover
            raise AssertionError(f"canonical file {name} does not hash to its table hash")
    return texts


def stored_texts(campaign: Campaign) -> dict[str, str]:
    return dict(CampaignFile.objects.filter(campaign=campaign).values_list("name", "content"))


def inputs_from_texts(texts: dict[str, str]) -> DrawInputs:
    """Read stored input files back exactly as ``qinqing inspections verify`` reads them."""
    missing = [name for name in INPUT_FILES if name not in texts]
    if missing:
        raise InvalidInput(f"抽查计划缺少输入文件：{'、'.join(missing)}。无法抽取或核验。")
    with tempfile.TemporaryDirectory(prefix="qinqing-draw-") as tmp:
        for name in INPUT_FILES:
            Path(tmp, name).write_bytes(texts[name].encode("utf-8"))
        return load_inputs(
            Path(tmp, "entities.csv"),
            Path(tmp, "items.csv"),
            Path(tmp, "inspectors.csv"),
            Path(tmp, "constraints.json"),
        )


def stored_inputs(campaign: Campaign) -> DrawInputs:
    """The committed inputs of a campaign; refuses files that no longer match the commitment."""
    inputs = inputs_from_texts(stored_texts(campaign))
    if inputs.snapshot_sha256 != campaign.snapshot_sha256:
        raise InvalidInput(
            f"抽查计划“{campaign.name}”保存的输入文件与公布承诺值时的快照不一致"
            f"（快照哈希应为 {campaign.snapshot_sha256}，现为 {inputs.snapshot_sha256}）。"
            f"文件可能被改动，本次不抽取；请联系系统管理员核查。"
        )
    return inputs
