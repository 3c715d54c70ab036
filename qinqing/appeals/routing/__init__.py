"""诉求分类与派单建议 (appeal routing): suggest the domain and units for an enterprise's message.

Public API (database-free):

* :func:`train_router` / :func:`train_from_records` build a :class:`Router`;
* :func:`save_router` / :func:`load_router` write and read model files;
* ``router.route(texts, k)`` / ``router.top_labels(text, k)`` give :class:`LabelScore` lists;
* :func:`suggest_units` maps categories to a locality's units;
* :func:`message_text` builds the router's input from a title and a body.
"""

from qinqing.appeals.routing.model import (
    LabelScore,
    Router,
    RouterParams,
    train_from_records,
    train_router,
)
from qinqing.appeals.routing.storage import load_router, save_router
from qinqing.appeals.routing.text import message_text
from qinqing.appeals.routing.units import (
    UnitSuggestion,
    suggest_units,
    unit_mapping_problems,
    units_from_label_scores,
)

__all__ = [
    "LabelScore",
    "Router",
    "RouterParams",
    "UnitSuggestion",
    "load_router",
    "message_text",
    "save_router",
    "suggest_units",
    "train_from_records",
    "train_router",
    "unit_mapping_problems",
    "units_from_label_scores",
]
