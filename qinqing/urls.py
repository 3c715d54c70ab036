from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "亲清 · 系统管理"
admin.site.site_title = "亲清系统管理"
admin.site.index_title = "数据维护"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("directory/", include("qinqing.core.orgs.urls")),
    path("audit/", include("qinqing.core.audit.urls")),
    path("calendar/", include("qinqing.core.workdays.urls")),
    path("enterprises/", include("qinqing.core.enterprises.urls")),
    path("plans/", include("qinqing.plans.urls")),
    path("supervision/", include("qinqing.supervision.urls")),
    path("appeals/", include("qinqing.appeals.urls")),
    path("policies/", include("qinqing.policies.urls")),
    path("inspections/", include("qinqing.inspections.urls")),
    path("assessment/", include("qinqing.assessment.urls")),
    path("", include("qinqing.web.urls")),
]

handler403 = "qinqing.web.views.permission_denied"
handler404 = "qinqing.web.views.page_not_found"
