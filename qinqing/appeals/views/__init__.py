"""Pages of 接诉即办. Thin: parse, call a query or a service, render or redirect.

One module per part of the work; every page is re-exported here for ``urls.py``.
"""

from qinqing.appeals.views.dispatch import (
    answer,
    callback,
    callbacks,
    dispatch,
    duplicate_decide,
    queue,
    refer,
    review,
    transfer,
)
from qinqing.appeals.views.figures import figures_export, figures_page
from qinqing.appeals.views.handling import (
    acknowledge,
    extension,
    reply,
    resume,
    return_ticket,
    suspension,
    tickets,
)
from qinqing.appeals.views.intake import appeal_new, confirm_identity, intake, public_form
from qinqing.appeals.views.lists import appeal_detail, appeal_list, attachment
from qinqing.appeals.views.office import qr_list, qr_pdf, qr_png, settings_page
from qinqing.appeals.views.ratings import (
    hard_case_new,
    hard_case_resolve,
    hard_cases,
    lead_update,
    leads,
    rate,
    rating_new,
    ratings,
    rectify,
)

__all__ = [
    "confirm_identity",
    "acknowledge",
    "answer",
    "appeal_detail",
    "appeal_list",
    "appeal_new",
    "attachment",
    "callback",
    "callbacks",
    "dispatch",
    "duplicate_decide",
    "extension",
    "figures_export",
    "figures_page",
    "hard_case_new",
    "hard_case_resolve",
    "hard_cases",
    "intake",
    "lead_update",
    "leads",
    "public_form",
    "qr_list",
    "qr_pdf",
    "qr_png",
    "queue",
    "rate",
    "rating_new",
    "ratings",
    "rectify",
    "refer",
    "reply",
    "resume",
    "return_ticket",
    "review",
    "settings_page",
    "suspension",
    "tickets",
    "transfer",
]
