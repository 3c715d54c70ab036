"""Pages of 包联服务. Thin: parse, call a query or a service, render or redirect.

A service error (``InvalidInput`` …) is shown on the same form with what was typed; the
service's transaction has rolled back, so nothing was written.

One module per section; the names are re-exported here."""

from __future__ import annotations

from qinqing.engagement.views._common import (
    DOCX,
    XLSX,
)
from qinqing.engagement.views.cadre import (
    issue_new,
    mine,
    pairing_detail,
    visit_attachment,
    visit_detail,
    visit_new,
    visit_rate,
)
from qinqing.engagement.views.dashboard import (
    GROUP_LABELS,
    dashboard,
    dashboard_export,
)
from qinqing.engagement.views.enterprise import (
    card,
    enterprise_home,
)
from qinqing.engagement.views.lists import (
    enterprise_list,
    enterprise_lists,
    list_add,
    list_remove,
)
from qinqing.engagement.views.meetings import (
    meeting_detail,
    meeting_docx,
    meeting_draft,
    meeting_issue,
    meeting_minutes,
    meeting_new,
    meeting_reply,
    meetings,
)
from qinqing.engagement.views.office import (
    cadres,
    pairing_end,
    pairing_new,
    pairings,
    pairings_export,
    pairings_import,
)
from qinqing.engagement.views.projects import (
    approval_add,
    approval_update,
    blocker_add,
    blocker_resolve,
    project_advance,
    project_detail,
    project_link_task,
    project_new,
    projects,
)

__all__ = [
    "DOCX",
    "GROUP_LABELS",
    "XLSX",
    "approval_add",
    "approval_update",
    "blocker_add",
    "blocker_resolve",
    "cadres",
    "card",
    "dashboard",
    "dashboard_export",
    "enterprise_home",
    "enterprise_list",
    "enterprise_lists",
    "issue_new",
    "list_add",
    "list_remove",
    "meeting_detail",
    "meeting_docx",
    "meeting_draft",
    "meeting_issue",
    "meeting_minutes",
    "meeting_new",
    "meeting_reply",
    "meetings",
    "mine",
    "pairing_detail",
    "pairing_end",
    "pairing_new",
    "pairings",
    "pairings_export",
    "pairings_import",
    "project_advance",
    "project_detail",
    "project_link_task",
    "project_new",
    "projects",
    "visit_attachment",
    "visit_detail",
    "visit_new",
    "visit_rate",
]
