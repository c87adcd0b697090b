from django.urls import path

from lbc.views import harm_reports

app_name = "reports"
urlpatterns = [
    path("", harm_reports.report_start, name="start"),
    path("new/", harm_reports.report_file_new, name="file-new"),
    path("child/<uuid:public_id>/", harm_reports.report_file_child, name="file-child"),
    path("handle/", harm_reports.report_list, name="list"),
    path("<uuid:public_id>/", harm_reports.report_detail, name="detail"),
    path("<uuid:public_id>/status/", harm_reports.report_status, name="status"),
]
