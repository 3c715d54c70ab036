"""Writes of plan import and the task ledger. One atomic, audited function per state change.

The import path: a file becomes a DRAFT plan (``import_document``); the office corrects it on
the review page (``update_task``, ``delete_task``, ``resolve_unit_name``) and confirms it
(``confirm_plan``). Only confirmed plans are the ledger. A revised version of a confirmed plan
is imported as version n+1 and supersedes it on confirmation.

One module per section, the public verbs re-exported here (callers import
``qinqing.plans.service``):

* ``importing``: a document becomes a draft plan; ``ledger_file``: the .xlsx ledger layout;
* ``review``: corrections on the review page; ``confirm``: confirm or discard a draft;
* ``library``: the experience library's links; ``assigned``: items outside a plan (交办),
  written for the supervision app.
"""

from qinqing.plans.service.assigned import create_assigned_task
from qinqing.plans.service.confirm import confirm_plan, discard_draft, task_rows, version_diff
from qinqing.plans.service.importing import (
    DOCUMENT_SUFFIXES,
    LEDGER_SUFFIXES,
    check_upload_size,
    file_sha256,
    import_document,
    max_upload_bytes,
    sync_task_units,
    uncertain_fields,
)
from qinqing.plans.service.ledger_file import LEDGER_HEADERS, LEDGER_REQUIRED, ledger_document
from qinqing.plans.service.library import tag_articles
from qinqing.plans.service.review import (
    add_task,
    delete_task,
    pending_mentions,
    refresh_mentions,
    refresh_plan_units,
    resolve_unit_name,
    task_snapshot,
    update_plan_details,
    update_task,
)

__all__ = [
    "DOCUMENT_SUFFIXES",
    "LEDGER_HEADERS",
    "LEDGER_REQUIRED",
    "LEDGER_SUFFIXES",
    "add_task",
    "check_upload_size",
    "confirm_plan",
    "create_assigned_task",
    "delete_task",
    "discard_draft",
    "file_sha256",
    "import_document",
    "ledger_document",
    "max_upload_bytes",
    "pending_mentions",
    "refresh_mentions",
    "refresh_plan_units",
    "resolve_unit_name",
    "sync_task_units",
    "tag_articles",
    "task_rows",
    "task_snapshot",
    "uncertain_fields",
    "update_plan_details",
    "update_task",
    "version_diff",
]
