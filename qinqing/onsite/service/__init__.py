"""State changes of on-site checks, lists and reports: one function each, atomic, audited.

Notifications go through the core notification centre (sent after commit, deduplicated).
A refused change raises :class:`InvalidInput` / :class:`IllegalTransition` with a Chinese
message and writes nothing. The package is split along the sections of the former module;
every public verb is re-exported here.
"""

from qinqing.onsite.service._common import LIVE_STATES, OPEN_STATES, S, local_today
from qinqing.onsite.service.drawn import DrawnOutcome, register_drawn_visits
from qinqing.onsite.service.joint import (
    accept_joint_visit,
    dismiss_joint_visit,
    propose_joint_visits,
)
from qinqing.onsite.service.leniency import (
    create_leniency_list,
    current_of,
    draft_of,
    publish_version,
    record_flexible_case,
    remove_entry,
    save_entry,
    start_revision,
)
from qinqing.onsite.service.oversight import code_for_enterprise, report_unregistered_visit
from qinqing.onsite.service.registration import (
    EntryCheck,
    approve_entry,
    cancel_registration,
    entry_check,
    finish_check,
    planned_checks_in_year,
    record_check_afterwards,
    register_check,
    reject_entry,
    scan_arrival,
)
from qinqing.onsite.service.registries import (
    add_standard,
    create_matter,
    link_recognition,
    publish_penalty_notice,
    registrations_on,
    remove_standard,
    save_settings,
    unlink_recognition,
    update_matter,
)

__all__ = [
    "add_standard",
    "remove_standard",
    "unlink_recognition",
    "update_matter",
    "DrawnOutcome",
    "register_drawn_visits",
    "S",
    "LIVE_STATES",
    "OPEN_STATES",
    "local_today",
    "EntryCheck",
    "planned_checks_in_year",
    "entry_check",
    "register_check",
    "record_check_afterwards",
    "approve_entry",
    "reject_entry",
    "cancel_registration",
    "scan_arrival",
    "finish_check",
    "propose_joint_visits",
    "accept_joint_visit",
    "dismiss_joint_visit",
    "code_for_enterprise",
    "report_unregistered_visit",
    "create_leniency_list",
    "draft_of",
    "current_of",
    "start_revision",
    "save_entry",
    "remove_entry",
    "publish_version",
    "record_flexible_case",
    "create_matter",
    "link_recognition",
    "publish_penalty_notice",
    "save_settings",
    "registrations_on",
]
