"""State changes of policy delivery: one atomic, audited function per action (STYLE.md §2).

Every function takes ``now`` from its caller (views, jobs) and raises a ``QinqingError``
with a Chinese message; nothing is half-written. One module per section:

* :mod:`.library`: policies of the library and their rule versions;
* :mod:`.pushes`: 精准推送, the enterprises' feedback, explanations of results;
* :mod:`.applications`: 依申请兑现;
* :mod:`.funds`: 资金池, funds from above, 服务对象清单;
* :mod:`.grants`: 免申即享 grant batches.
"""

from __future__ import annotations

from qinqing.policies.service.applications import (
    MATERIAL_TYPES,
    _refuse_second_open_application,
    approve_application,
    record_application_payment,
    registry_snapshot,
    reject_application,
    resubmit_application,
    return_application,
    submit_application,
)
from qinqing.policies.service.funds import (
    record_fund_arrival,
    record_fund_disbursement,
    refresh_service_target_list,
    set_budget,
)
from qinqing.policies.service.grants import (
    PAYMENT_LIST_HEADERS,
    approve_grant_batch,
    cancel_grant_batch,
    export_grant_batch,
    prepare_grant_batch,
    record_grant_payment,
)
from qinqing.policies.service.library import (
    POLICY_FIELDS,
    check_rule_text,
    create_policy,
    save_policy_rule,
    update_policy,
)
from qinqing.policies.service.pushes import explanation_for, push_policy, record_push_feedback

__all__ = [
    "MATERIAL_TYPES",
    "PAYMENT_LIST_HEADERS",
    "POLICY_FIELDS",
    "_refuse_second_open_application",
    "approve_application",
    "approve_grant_batch",
    "cancel_grant_batch",
    "check_rule_text",
    "create_policy",
    "explanation_for",
    "export_grant_batch",
    "prepare_grant_batch",
    "push_policy",
    "record_application_payment",
    "record_fund_arrival",
    "record_fund_disbursement",
    "record_grant_payment",
    "record_push_feedback",
    "refresh_service_target_list",
    "registry_snapshot",
    "reject_application",
    "resubmit_application",
    "return_application",
    "save_policy_rule",
    "set_budget",
    "submit_application",
    "update_policy",
]
