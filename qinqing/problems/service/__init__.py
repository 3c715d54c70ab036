"""Every change to the problem ledger: one function per action, atomic and audited.

Notifications go through the core notification centre after commit, deduplicated by key.
Events about a problem referred to 纪检监察 never carry the restricted fields (the clue,
the persons, the feedback, the outcome): the audit trail is read by the office and leaders,
who may only learn that the problem was referred.

The actions live in one module per part of the ledger; their public names are re-exported
here, so callers keep writing ``service.close_out(...)``.
"""

from __future__ import annotations

from qinqing.problems.service.arrears import (
    balance_of,
    check_arrears_editor,
    correct_entry,
    record_dispute,
    record_payment,
    register_arrears,
    set_repayment_plan,
)
from qinqing.problems.service.common import (
    MAX_EVIDENCE_BYTES,
    compute_due_at,
    local_date,
    office_area,
    save_settings,
    settings_for,
)
from qinqing.problems.service.field import (
    appoint_supervisor,
    create_campaign,
    log_duty,
    open_problem_from_report,
    record_visit,
    submit_supervisor_report,
)
from qinqing.problems.service.ledger import (
    close_out,
    create_problem,
    escalate_problem,
    notify_overdue_problems,
    record_follow_up,
    return_rectification,
    schedule_follow_up_checks,
    submit_rectification,
)
from qinqing.problems.service.monthly import (
    COMPARE_MONTHS,
    MAX_PROPOSALS,
    dismiss_theme,
    open_problem_from_theme,
    previous_month,
    propose_monthly_themes,
)
from qinqing.problems.service.referrals import (
    decide_case,
    record_referral_feedback,
    refer_problem,
    submit_case,
)

__all__ = [
    "COMPARE_MONTHS",
    "MAX_EVIDENCE_BYTES",
    "MAX_PROPOSALS",
    "appoint_supervisor",
    "balance_of",
    "check_arrears_editor",
    "close_out",
    "compute_due_at",
    "correct_entry",
    "create_campaign",
    "create_problem",
    "decide_case",
    "dismiss_theme",
    "escalate_problem",
    "local_date",
    "log_duty",
    "notify_overdue_problems",
    "office_area",
    "open_problem_from_report",
    "open_problem_from_theme",
    "previous_month",
    "propose_monthly_themes",
    "record_dispute",
    "record_follow_up",
    "record_payment",
    "record_referral_feedback",
    "record_visit",
    "refer_problem",
    "register_arrears",
    "return_rectification",
    "schedule_follow_up_checks",
    "set_repayment_plan",
    "save_settings",
    "settings_for",
    "submit_case",
    "submit_rectification",
    "submit_supervisor_report",
]
