"""State changes of the supervision loop: one atomic, audited function per change.

Every function takes ``now`` (views and jobs read the clock) and raises a ``QinqingError``
with a Chinese message when it refuses; the transaction then rolls back, so nothing is
half-written (files stored before the failure are removed as well).

One module per section, the public verbs re-exported here (callers import
``qinqing.supervision.service``): ``cadences`` (cadences, cycles, report slots), ``reports``
(filing and reviewing progress reports), ``assignments`` (交办), ``notices`` (督办单),
``bulletins`` (通报) and ``external`` (acting on external assessment results).

Tasks are the plans app's: this package reads them through ``qinqing.plans.queries`` and
writes them through ``qinqing.plans.service``. It depends on the assessment (it pulls
pending external triggers and marks them handled); the assessment never imports it.
"""

from qinqing.supervision.service.assignments import assign_item
from qinqing.supervision.service.bulletins import _bulletin_checkpoint, generate_bulletin
from qinqing.supervision.service.cadences import (
    cadence_tasks,
    collecting_cycles,
    configure_cadence,
    deactivate_cadence,
    ensure_all_cycles,
    ensure_cycles,
    ensure_default_cadence,
    insert_slots,
    open_collecting_cycles,
    open_cycle,
)
from qinqing.supervision.service.common import SYSTEM_SWEEP, local_date, store_file
from qinqing.supervision.service.external import issue_notice_for_trigger
from qinqing.supervision.service.notices import (
    close_notice,
    escalate_notice,
    issue_supervision_notice,
    respond_to_notice,
)
from qinqing.supervision.service.reports import accept_report, return_report, submit_report

__all__ = [
    "SYSTEM_SWEEP",
    "_bulletin_checkpoint",
    "accept_report",
    "assign_item",
    "cadence_tasks",
    "close_notice",
    "collecting_cycles",
    "configure_cadence",
    "deactivate_cadence",
    "ensure_all_cycles",
    "ensure_cycles",
    "ensure_default_cadence",
    "escalate_notice",
    "generate_bulletin",
    "insert_slots",
    "issue_notice_for_trigger",
    "issue_supervision_notice",
    "local_date",
    "open_collecting_cycles",
    "open_cycle",
    "respond_to_notice",
    "return_report",
    "store_file",
    "submit_report",
]
