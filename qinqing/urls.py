from django.contrib import admin
from django.urls import include, path

from qinqing.core.manifest import url_mounts

admin.site.site_header = "亲清 · 系统管理"
admin.site.site_title = "亲清系统管理"
admin.site.index_title = "数据维护"

# Each app mounts its pages where its manifest says (AppManifest.url_prefix).
urlpatterns = [
    path("admin/", admin.site.urls),
    *(path(prefix, include(module)) for prefix, module in url_mounts()),
    path("", include("qinqing.web.urls")),
]

handler403 = "qinqing.web.views.permission_denied"
handler404 = "qinqing.web.views.page_not_found"
