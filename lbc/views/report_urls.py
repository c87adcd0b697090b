from django.urls import path

from lbc.views import reports

app_name = "reports"
urlpatterns = [
    path("", reports.report_start, name="start"),
    path("new/", reports.report_file_new, name="file-new"),
    path("child/<uuid:public_id>/", reports.report_file_child, name="file-child"),
    path("handle/", reports.report_list, name="list"),
    path("<uuid:public_id>/", reports.report_detail, name="detail"),
    path("<uuid:public_id>/status/", reports.report_status, name="status"),
]
