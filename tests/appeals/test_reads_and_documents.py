"""Pages only read (a GET writes no row and no audit event), and the printed QR sheet states
the time limits of the locality's 办理时限, not constants."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
from django.apps import apps
from django.urls import reverse

from qinqing.appeals import service
from qinqing.appeals.choices import AppealType, QrKind, SlaStage
from qinqing.appeals.models import Appeal, SlaPolicy
from qinqing.core.audit.models import AuditEvent
from tests.appeals.conftest import NOW
from tests.appeals.factories import dispatched, make_appeal


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.managed}


def test_the_office_opening_a_new_appeal_writes_nothing(appeals_world, as_user, clock):
    w = appeals_world
    appeal = make_appeal(w, NOW)
    dispatched(w, NOW, title="另一件已派单的诉求")
    client = as_user(w.office_admin)
    before_rows, before_appeal = _row_counts(), Appeal.objects.filter(pk=appeal.pk).values()[0]
    events = AuditEvent.objects.count()
    for url in (appeal.get_absolute_url(), reverse("appeals:queue"), reverse("appeals:list")):
        page = client.get(url)
        assert page.status_code == 200
    # the router's suggestion is on the page …
    assert "市市场监管局" in client.get(appeal.get_absolute_url()).content.decode()
    # … but nothing was stored: no row, no changed field, no audit event
    assert _row_counts() == before_rows
    assert Appeal.objects.filter(pk=appeal.pk).values()[0] == before_appeal
    assert AuditEvent.objects.count() == events


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    return text.replace(" ", "").replace("\n", "")


def test_the_printed_qr_sheet_follows_the_time_limit_policy(appeals_world, as_user, clock):
    w = appeals_world
    entry = service.create_qr_entry(
        actor=w.office_admin, now=NOW, locality=w.city, kind=QrKind.DEPARTMENT, unit=w.market
    )
    client = as_user(w.office_admin)
    url = reverse("appeals:qr_pdf", args=[entry.pk])
    before = _pdf_text(client.get(url).content)
    assert "投诉类10个工作日内答复" in before.replace("求助、", "")
    SlaPolicy.objects.create(
        locality=w.city,
        stage=SlaStage.REPLY,
        appeal_type=AppealType.COMPLAINT,
        amount=7,
        effective_from=dt.date(2026, 1, 1),
        source="本市接诉即办工作办法",
    )
    after = _pdf_text(client.get(url).content)
    assert "投诉类7个工作日内答复" in after
    assert "求助类10个工作日内答复" in after
