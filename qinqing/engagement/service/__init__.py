"""Writes of 包联服务: one function per change, atomic, audited, notifications after commit.

Callers check access first (``queries.access_*``); these functions check the input.
One module per part of the work; the public verbs are re-exported here, so callers write
``from qinqing.engagement import service``.
"""

from __future__ import annotations

from qinqing.engagement.service.common import (
    ATTACHMENT_TYPES,
    MAX_ATTACHMENT_BYTES,
    check_attachment,
    local_today,
    settings_for,
)
from qinqing.engagement.service.issues import (
    raise_issue_from_meeting,
    raise_issue_from_visit,
)
from qinqing.engagement.service.lists import (
    add_to_list,
    create_enterprise_list,
    remove_from_list,
)
from qinqing.engagement.service.meetings import (
    minutes_docx,
    record_minutes,
    reply_to_consultation,
    schedule_meeting,
)
from qinqing.engagement.service.pairings import (
    IMPORT_HEADERS,
    IMPORT_REQUIRED,
    create_pairing,
    end_pairing,
    export_pairings,
    import_pairings,
    register_cadre,
)
from qinqing.engagement.service.projects import (
    STAGE_ORDER,
    add_approval,
    add_blocker,
    advance_project,
    create_project,
    link_task,
    resolve_blocker,
    update_approval,
)
from qinqing.engagement.service.visits import (
    rate_visit,
    record_visit,
)

__all__ = [
    "ATTACHMENT_TYPES",
    "IMPORT_HEADERS",
    "IMPORT_REQUIRED",
    "MAX_ATTACHMENT_BYTES",
    "STAGE_ORDER",
    "add_approval",
    "add_blocker",
    "add_to_list",
    "advance_project",
    "check_attachment",
    "create_enterprise_list",
    "create_pairing",
    "create_project",
    "end_pairing",
    "export_pairings",
    "import_pairings",
    "link_task",
    "local_today",
    "minutes_docx",
    "raise_issue_from_meeting",
    "raise_issue_from_visit",
    "rate_visit",
    "record_minutes",
    "record_visit",
    "register_cadre",
    "remove_from_list",
    "reply_to_consultation",
    "resolve_blocker",
    "schedule_meeting",
    "settings_for",
    "update_approval",
]
