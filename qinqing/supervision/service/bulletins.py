"""Bulletins (通报): the period's bulletin as Word and PDF, stored with its figures."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from importlib import import_module

from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max

from qinqing.core import audit
from qinqing.core.accounts.access import require_capability, scope_area, user_unit
from qinqing.core.errors import InvalidInput, PermissionDenied
from qinqing.core.orgs.models import Unit
from qinqing.supervision import bulletin as layout
from qinqing.supervision import rules
from qinqing.supervision.models import Bulletin
from qinqing.supervision.service.common import local_date, store_file

# ---------------------------------------------------------------------------------------------
# Bulletins (通报)


def _bulletin_checkpoint(stage: str) -> None:
    """A named point inside the bulletin job's transaction (tests raise here to kill it)."""


def _checkpoint(stage: str) -> None:
    # looked up on the package at each call: tests replace ``service._bulletin_checkpoint``
    import_module(__package__ or "")._bulletin_checkpoint(stage)


def generate_bulletin(
    *,
    actor,
    area: Unit,
    period_start: date,
    period_end: date,
    now: datetime,
    today: date | None = None,
):
    """一键生成通报: the period's bulletin as Word and PDF, stored with its figures.

    One transaction; the files are written inside it and removed if it fails, so a job
    killed halfway leaves neither a row nor a file. Generating again makes a new version.
    """
    stored: list[str] = []
    try:
        return _generate_bulletin(
            actor=actor,
            area=area,
            period_start=period_start,
            period_end=period_end,
            now=now,
            today=today,
            stored=stored,
        )
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


@transaction.atomic
def _generate_bulletin(*, actor, area, period_start, period_end, now, today, stored):

    issuer = ""
    if actor is not None and not isinstance(actor, str):
        require_capability(actor, "supervision.issue")
        own = scope_area(actor)
        if own is None or not area.path.startswith(own.path):
            raise PermissionDenied("只能生成本地区的工作通报。")
        office = user_unit(actor)
        issuer = office.name if office is not None and office.coordinating else ""
    if period_end < period_start:
        raise InvalidInput("通报期间的结束日期早于开始日期，请重新选择。")
    today = today or local_date(now)
    if period_start > today:
        raise InvalidInput(
            f"{rules.period_label(period_start, period_end)}尚未开始，不能生成通报。"
        )
    data = layout.gather_bulletin(area, period_start, period_end, today, issuer=issuer)
    _checkpoint("gathered")
    chart = layout.render_chart(data)
    docx_bytes = layout.render_docx(data, chart)
    pdf_bytes = layout.render_pdf(data, chart)
    version = (
        Bulletin.objects.select_for_update()
        .filter(area=area, period_start=period_start)
        .aggregate(m=Max("version"))["m"]
        or 0
    ) + 1
    stem = f"supervision/bulletins/{area.pk}/{period_start:%Y%m}-v{version}"
    docx_name = store_file(f"{stem}.docx", docx_bytes)
    stored.append(docx_name)
    _checkpoint("docx")
    pdf_name = store_file(f"{stem}.pdf", pdf_bytes)
    stored.append(pdf_name)
    _checkpoint("pdf")
    figures = asdict(data)
    row = Bulletin.objects.create(
        area=area,
        period_start=period_start,
        period_end=period_end,
        as_of=today,
        version=version,
        title=data.title,
        docx=docx_name,
        pdf=pdf_name,
        figures=_jsonable(figures),
        generated_at=now,
        generated_by=actor if not isinstance(actor, str) else None,
    )
    audit.record(
        actor,
        "bulletin.generated",
        row,
        after={
            "period": data.period,
            "version": version,
            "total": data.total,
            "counts": dict(data.counts),
        },
        now=now,
    )
    return row


def _jsonable(value):

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))
