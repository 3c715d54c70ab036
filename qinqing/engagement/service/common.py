"""Shared by the engagement verbs: local dates, per-area settings, attachment checks."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import UploadedFile

from qinqing.core.files.uploads import check_upload
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import DEFAULT_OFFICE_HOURS
from qinqing.engagement.models import (
    EngagementSettings,
)

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
ATTACHMENT_TYPES = ("jpg", "jpeg", "png", "pdf", "docx", "doc", "xlsx")


def local_today(now: dt.datetime) -> dt.date:
    return now.astimezone(DEFAULT_OFFICE_HOURS.tz).date()


def settings_for(area: Unit | None) -> EngagementSettings:
    """The nearest area's settings upwards, else the defaults."""
    node = area
    while node is not None:
        found = EngagementSettings.objects.filter(area=node).first()
        if found is not None:
            return found
        node = node.parent
    return EngagementSettings(area=area) if area is not None else EngagementSettings()


def check_attachment(upload: UploadedFile) -> None:
    """Refuse an attachment of the wrong type or size (走访附件, 会议材料)."""
    head = upload.read(16)
    upload.seek(0)
    check_upload(upload.name or "", upload.size or 0, head, max_bytes=MAX_ATTACHMENT_BYTES,
                 allowed=ATTACHMENT_TYPES, what="走访附件")  # fmt: skip
