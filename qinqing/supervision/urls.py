from django.urls import path

from qinqing.supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("my/", views.my_tasks, name="my_tasks"),
    path("my/file/", views.file_many, name="file_many"),
    path("review/", views.review_queue, name="review_queue"),
    path("overdue/", views.overdue, name="overdue"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("reports/<int:report_id>/", views.report_detail, name="report"),
    path("reports/<int:report_id>/file/", views.file_report, name="file_report"),
    path("reports/<int:report_id>/accept/", views.accept_report, name="accept_report"),
    path("reports/<int:report_id>/return/", views.return_report, name="return_report"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("notices/", views.notices, name="notices"),
    path("notices/new/", views.notice_new, name="notice_new"),
    path("notices/<int:notice_id>/", views.notice_detail, name="notice"),
    path("notices/<int:notice_id>/respond/", views.notice_respond, name="notice_respond"),
    path("notices/<int:notice_id>/close/", views.notice_close, name="notice_close"),
    path("notices/<int:notice_id>/escalate/", views.notice_escalate, name="notice_escalate"),
    path(
        "notices/<int:notice_id>/file/<str:fmt>/",
        views.notice_download,
        name="notice_download",
    ),
    path("triggers/<int:trigger_id>/issue/", views.trigger_issue, name="trigger_issue"),
    path("referrals/", views.referrals, name="referrals"),
    path("assignments/", views.assignments, name="assignments"),
    path("cadences/", views.cadences, name="cadences"),
    path(
        "cadences/<int:cadence_id>/deactivate/",
        views.cadence_deactivate,
        name="cadence_deactivate",
    ),
    path("bulletins/", views.bulletins, name="bulletins"),
    path(
        "bulletins/<int:bulletin_id>/<str:fmt>/",
        views.bulletin_download,
        name="bulletin_download",
    ),
]
