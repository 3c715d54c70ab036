"""State changes of 接诉即办: one atomic, audited function per step (STYLE.md §2).

受理 → 派单 → 签收 → 办理 → 答复 → 回访 → 评价 → 整改 → 督办. Each function takes ``now``
from the view or job, appends to the appeal's event log (from which SLA clocks are
recomputed), writes one audit event and raises a ``QinqingError`` with a Chinese message
when the step is not allowed, so nothing is half-written.

One module per section of the work; the public verbs are re-exported here, so callers
write ``service.dispatch_appeal(...)``.
"""

from qinqing.appeals.service._common import (
    CLOCK_FIELDS,
    clock_events,
    record_phone_view,
    refresh_clock,
    ticket_clock,
)
from qinqing.appeals.service.callbacks import (
    callback_due_at,
    callback_due_dates,
    record_callback,
)
from qinqing.appeals.service.config import (
    SETTINGS_CACHE_SECONDS,
    default_locality,
    forget_settings,
    limit_for,
    local_today,
    settings_for,
    sla_rules_for,
)
from qinqing.appeals.service.dispatch import (
    dispatch_appeal,
)
from qinqing.appeals.service.handling import (
    acknowledge_ticket,
    reply_ticket,
    request_extension,
    request_return,
    request_suspension,
    resume_ticket,
    review_extension,
    review_return,
    review_suspension,
    transfer_ticket,
)
from qinqing.appeals.service.hard_cases import (
    create_qr_entry,
    file_hard_case,
    resolve_hard_case,
)
from qinqing.appeals.service.identity import (
    confirm_identity_by_login,
    confirm_identity_with_code,
    registered_phone,
    send_identity_code,
)
from qinqing.appeals.service.intake import (
    ALLOWED_ATTACHMENT_TYPES,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    MAX_LENGTHS,
    REQUIRED_FIELDS,
    add_attachment,
    clean_intake,
    submit_appeal,
)
from qinqing.appeals.service.platform_api import (
    ConflictingReplay,
    create_api_client,
    submit_from_api,
    token_digest,
)
from qinqing.appeals.service.ratings import (
    complete_rectification,
    rate_service,
)
from qinqing.appeals.service.triage import (
    answer_on_the_spot,
    dismiss_duplicate,
    merge_appeals,
    record_lead_progress,
    refer_to_discipline,
)

__all__ = [
    "confirm_identity_by_login",
    "confirm_identity_with_code",
    "registered_phone",
    "send_identity_code",
    "record_phone_view",
    "ALLOWED_ATTACHMENT_TYPES",
    "CLOCK_FIELDS",
    "ConflictingReplay",
    "MAX_ATTACHMENTS",
    "MAX_ATTACHMENT_BYTES",
    "MAX_LENGTHS",
    "REQUIRED_FIELDS",
    "SETTINGS_CACHE_SECONDS",
    "acknowledge_ticket",
    "add_attachment",
    "answer_on_the_spot",
    "callback_due_at",
    "callback_due_dates",
    "clean_intake",
    "clock_events",
    "complete_rectification",
    "create_api_client",
    "create_qr_entry",
    "default_locality",
    "dismiss_duplicate",
    "dispatch_appeal",
    "file_hard_case",
    "forget_settings",
    "limit_for",
    "local_today",
    "merge_appeals",
    "rate_service",
    "record_callback",
    "record_lead_progress",
    "refer_to_discipline",
    "refresh_clock",
    "reply_ticket",
    "request_extension",
    "request_return",
    "request_suspension",
    "resolve_hard_case",
    "resume_ticket",
    "review_extension",
    "review_return",
    "review_suspension",
    "settings_for",
    "sla_rules_for",
    "submit_appeal",
    "submit_from_api",
    "ticket_clock",
    "token_digest",
    "transfer_ticket",
]
