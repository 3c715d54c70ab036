"""State changes of the assessment: one atomic, audited function each (STYLE.md §2).

One module per section, the public verbs re-exported here (callers import
``qinqing.assessment.service``): ``schemes`` (考评方案), ``runs`` (computing and publishing
scores) and ``external`` (全省营商环境评价 results and the triggers they raise).

Dependencies point one way: the assessment reads only what domains register in their
``indicators.py``; the supervision module pulls pending external triggers from here and
marks them handled. Nothing in this package imports supervision.
"""

from qinqing.assessment.service.common import COUNTY_KINDS, DEPARTMENT_KINDS
from qinqing.assessment.service.external import (
    external_rule_for,
    import_external_ranking,
    mark_trigger_handled,
    set_external_rule,
)
from qinqing.assessment.service.runs import (
    compute_values,
    data_coverage_problem,
    publish_run,
    run_assessment,
)
from qinqing.assessment.service.schemes import (
    activate_scheme,
    add_scheme_item,
    create_scheme,
    default_targets,
    eligible_targets,
    indicator_infos,
    remove_scheme_item,
    revise_scheme,
    scheme_errors,
    set_scheme_targets,
    target_kinds_for,
    update_scheme,
    update_scheme_item,
)

__all__ = [
    "COUNTY_KINDS",
    "DEPARTMENT_KINDS",
    "activate_scheme",
    "add_scheme_item",
    "compute_values",
    "create_scheme",
    "data_coverage_problem",
    "default_targets",
    "eligible_targets",
    "external_rule_for",
    "import_external_ranking",
    "indicator_infos",
    "mark_trigger_handled",
    "publish_run",
    "remove_scheme_item",
    "revise_scheme",
    "run_assessment",
    "scheme_errors",
    "set_external_rule",
    "set_scheme_targets",
    "target_kinds_for",
    "update_scheme",
    "update_scheme_item",
]
