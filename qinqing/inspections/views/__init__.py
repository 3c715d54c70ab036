"""Pages of 双随机、一公开 and credit: thin (parse, call a service, route).

Split along the sections of the former module; every view is re-exported here for
``urls.py``.
"""

from qinqing.inspections.views.campaigns import (
    VERIFY_README,
    campaign_cancel,
    campaign_commit,
    campaign_detail,
    campaign_draw,
    campaign_edit,
    campaign_list,
    campaign_new,
    campaign_package,
    campaign_publish,
    visit_detail,
)
from qinqing.inspections.views.credit import (
    credit,
    credit_enterprise,
    credit_list_add,
    credit_list_remove,
    credit_repair_new,
    credit_repair_review,
    credit_tier,
)
from qinqing.inspections.views.public import public, public_campaign
from qinqing.inspections.views.quiet import local_quiet_deactivate, quiet, quiet_period_remove
from qinqing.inspections.views.registry import (
    inspector_edit,
    inspector_list,
    inspector_new,
    item_edit,
    item_list,
    item_new,
)

__all__ = [
    "item_list",
    "item_new",
    "item_edit",
    "inspector_list",
    "inspector_new",
    "inspector_edit",
    "quiet",
    "quiet_period_remove",
    "local_quiet_deactivate",
    "campaign_list",
    "campaign_new",
    "campaign_edit",
    "campaign_detail",
    "campaign_commit",
    "campaign_draw",
    "campaign_publish",
    "campaign_cancel",
    "VERIFY_README",
    "campaign_package",
    "visit_detail",
    "credit",
    "credit_enterprise",
    "credit_tier",
    "credit_list_add",
    "credit_list_remove",
    "credit_repair_new",
    "credit_repair_review",
    "public",
    "public_campaign",
]
