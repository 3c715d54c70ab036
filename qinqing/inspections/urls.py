from django.urls import path

from qinqing.inspections import views

app_name = "inspections"
urlpatterns = [
    path("", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_new, name="campaign_new"),
    path("campaigns/<int:campaign_id>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:campaign_id>/edit/", views.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:campaign_id>/commit/", views.campaign_commit, name="campaign_commit"),
    path("campaigns/<int:campaign_id>/draw/", views.campaign_draw, name="campaign_draw"),
    path("campaigns/<int:campaign_id>/publish/", views.campaign_publish, name="campaign_publish"),
    path("campaigns/<int:campaign_id>/cancel/", views.campaign_cancel, name="campaign_cancel"),
    path("campaigns/<int:campaign_id>/files.zip", views.campaign_package, name="campaign_package"),
    path("visits/<int:visit_id>/", views.visit_detail, name="visit"),
    path("items/", views.item_list, name="items"),
    path("items/new/", views.item_new, name="item_new"),
    path("items/<int:item_id>/", views.item_edit, name="item_edit"),
    path("inspectors/", views.inspector_list, name="inspectors"),
    path("inspectors/new/", views.inspector_new, name="inspector_new"),
    path("inspectors/<int:inspector_id>/", views.inspector_edit, name="inspector_edit"),
    path("quiet/", views.quiet, name="quiet"),
    path("quiet/periods/<int:period_id>/remove/", views.quiet_period_remove, name="quiet_remove"),
    path(
        "quiet/local/<int:rule_id>/deactivate/",
        views.local_quiet_deactivate,
        name="local_quiet_deactivate",
    ),
    path("credit/", views.credit, name="credit"),
    path("credit/enterprises/<str:uscc>/", views.credit_enterprise, name="credit_enterprise"),
    path("credit/enterprises/<str:uscc>/tier/", views.credit_tier, name="credit_tier"),
    path("credit/enterprises/<str:uscc>/lists/", views.credit_list_add, name="credit_list_add"),
    path(
        "credit/enterprises/<str:uscc>/repairs/", views.credit_repair_new, name="credit_repair_new"
    ),
    path(
        "credit/entries/<int:entry_id>/remove/", views.credit_list_remove, name="credit_list_remove"
    ),
    path(
        "credit/repairs/<int:repair_id>/", views.credit_repair_review, name="credit_repair_review"
    ),
    path("public/", views.public, name="public"),
    path("public/<int:campaign_id>/", views.public_campaign, name="public_campaign"),
]
