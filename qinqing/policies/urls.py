from django.urls import path

from qinqing.policies import views

app_name = "policies"
urlpatterns = [
    path("", views.library, name="library"),
    path("new/", views.policy_new, name="new"),
    path("p/<slug:code>/", views.policy_detail, name="detail"),
    path("p/<slug:code>/edit/", views.policy_edit, name="edit"),
    path("p/<slug:code>/rule/", views.rule, name="rule"),
    path("p/<slug:code>/rule/<int:version>/", views.rule_version, name="rule_version"),
    path("p/<slug:code>/push/", views.push_list, name="push_list"),
    path("p/<slug:code>/push/send/", views.push, name="push"),
    path("p/<slug:code>/apply/", views.apply, name="apply"),
    path("p/<slug:code>/targets/refresh/", views.target_refresh, name="target_refresh"),
    path("matching/", views.matching_page, name="matching"),
    path("matching/run/", views.matching_run, name="matching_run"),
    path("matching/runs/<int:run_id>/", views.run_detail, name="run"),
    path("grants/", views.grants, name="grants"),
    path("grants/prepare/", views.grant_prepare, name="grant_prepare"),
    path("grants/<int:batch_id>/", views.grant_detail, name="grant"),
    path("grants/<int:batch_id>/approve/", views.grant_approve, name="grant_approve"),
    path("grants/<int:batch_id>/cancel/", views.grant_cancel, name="grant_cancel"),
    path("grants/<int:batch_id>/paid/", views.grant_paid, name="grant_paid"),
    path("grants/<int:batch_id>/export.xlsx", views.grant_export, name="grant_export"),
    path("mine/", views.mine, name="mine"),
    path("mine/results/<int:result_id>/", views.mine_result, name="mine_result"),
    path("mine/results/<int:result_id>/feedback/", views.mine_feedback, name="mine_feedback"),
    path("applications/", views.applications, name="applications"),
    path("applications/<int:application_id>/", views.application_detail, name="application"),
    path(
        "applications/<int:application_id>/review/",
        views.application_review,
        name="application_review",
    ),
    path("applications/<int:application_id>/pay/", views.application_pay, name="application_pay"),
    path(
        "applications/<int:application_id>/resubmit/",
        views.application_resubmit,
        name="application_resubmit",
    ),
    path(
        "applications/<int:application_id>/materials/<int:material_id>/",
        views.application_material,
        name="application_material",
    ),
    path("funds/", views.funds, name="funds"),
    path("funds/budget/", views.budget_set, name="budget_set"),
    path("funds/arrivals/", views.arrival_new, name="arrival_new"),
    path(
        "funds/arrivals/<int:arrival_id>/disburse/", views.arrival_disburse, name="arrival_disburse"
    ),
    path("targets/<int:list_id>/", views.target_list, name="target_list"),
]
