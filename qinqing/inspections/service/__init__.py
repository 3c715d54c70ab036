"""State changes of 双随机、一公开 and credit: one atomic, audited function per change.

``now`` comes from the view or job; ``today`` is its local date. Every function raises a
``QinqingError`` with a Chinese message and writes nothing when it refuses. The package is
split along the sections of the former module; every public verb is re-exported here.
"""

from qinqing.inspections.service._common import (
    publish_workdays_default,
    repair_review_workdays_default,
)
from qinqing.inspections.service.campaigns import (
    Workload,
    cancel_campaign,
    commit_campaign,
    draw_campaign,
    draw_workload,
    max_visits_per_inspector_day,
    plan_campaign,
    preview_campaign,
    publish_campaign,
    publish_due_on,
    record_result,
    repair_due_on,
    update_campaign,
    verify_campaign,
)
from qinqing.inspections.service.credit import (
    add_list_entry,
    change_credit_tier,
    decide_credit_repair,
    remove_list_entry,
    review_credit_repair,
    submit_credit_repair,
)
from qinqing.inspections.service.quiet import (
    add_local_quiet_days,
    add_quiet_period,
    deactivate_local_quiet_days,
    remove_quiet_period,
)
from qinqing.inspections.service.registry import (
    ITEM_FIELDS,
    create_inspector,
    create_item,
    update_inspector,
    update_item,
)

__all__ = [
    "publish_workdays_default",
    "repair_review_workdays_default",
    "ITEM_FIELDS",
    "create_item",
    "update_item",
    "create_inspector",
    "update_inspector",
    "add_quiet_period",
    "remove_quiet_period",
    "add_local_quiet_days",
    "deactivate_local_quiet_days",
    "plan_campaign",
    "update_campaign",
    "Workload",
    "max_visits_per_inspector_day",
    "draw_workload",
    "preview_campaign",
    "commit_campaign",
    "draw_campaign",
    "publish_due_on",
    "repair_due_on",
    "publish_campaign",
    "cancel_campaign",
    "record_result",
    "verify_campaign",
    "change_credit_tier",
    "add_list_entry",
    "remove_list_entry",
    "submit_credit_repair",
    "review_credit_repair",
    "decide_credit_repair",
]
