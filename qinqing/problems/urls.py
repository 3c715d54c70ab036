from django.urls import path

from qinqing.problems import views

app_name = "problems"
urlpatterns = [
    path("", views.problem_list, name="list"),
    path("new/", views.problem_new, name="new"),
    path("import/", views.import_view, name="import"),
    path("review/", views.review, name="review"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:check_id>/", views.follow_up, name="follow_up"),
    path("figures/", views.figures, name="figures"),
    path("<int:problem_id>/", views.problem_detail, name="detail"),
    path("<int:problem_id>/rectify/", views.rectify, name="rectify"),
    path("<int:problem_id>/close/", views.close, name="close"),
    path("<int:problem_id>/return/", views.return_, name="return"),
    path("<int:problem_id>/escalate/", views.escalate, name="escalate"),
    path("<int:problem_id>/refer/", views.refer, name="refer"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<int:campaign_id>/", views.campaign_detail, name="campaign"),
    path("visits/", views.visits, name="visits"),
    path("themes/", views.themes, name="themes"),
    path("themes/<int:proposal_id>/open/", views.theme_open, name="theme_open"),
    path("themes/<int:proposal_id>/dismiss/", views.theme_dismiss, name="theme_dismiss"),
    path("arrears/", views.arrears_dashboard, name="arrears_dashboard"),
    path("arrears/<int:arrears_id>/", views.arrears_detail, name="arrears"),
    path("arrears/entries/<int:entry_id>/correct/", views.arrears_correct, name="arrears_correct"),
    path("supervisors/", views.supervisors, name="supervisors"),
    path(
        "supervisors/reports/<int:report_id>/open/",
        views.supervisor_report_open,
        name="supervisor_report_open",
    ),
    path("supervisor/", views.supervisor_home, name="supervisor_home"),
    path("supervisor/qr/<str:token>/", views.supervisor_qr, name="supervisor_qr"),
    path("referrals/", views.referrals, name="referrals"),
    path("referrals/<int:referral_id>/", views.referral_detail, name="referral"),
    path("cases/", views.cases_review, name="cases_review"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:case_id>/decide/", views.case_decide, name="case_decide"),
    path("experience/", views.experience, name="experience"),
    path("exposure/", views.exposure, name="exposure"),
]
