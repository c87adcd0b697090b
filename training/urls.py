"""URLs of the training app (namespace "training", mounted at /training/)."""

from django.urls import URLPattern, path

from training.views import attendance, feeds, materials, people, sessions, setup, statistics

app_name = "training"
urlpatterns: list[URLPattern] = [
    path("", sessions.calendar_page, name="calendar"),
    path("sessions/new/", sessions.session_create, name="session-create"),
    path("sessions/check/", sessions.session_check, name="session-check"),
    path("sessions/<uuid:public_id>/", sessions.session_detail, name="session-detail"),
    path("sessions/<uuid:public_id>/cancel/", sessions.session_cancel, name="session-cancel"),
    path("sessions/<uuid:public_id>/edit/", sessions.session_edit, name="session-edit"),
    path("sessions/<uuid:public_id>/edit/check/", sessions.session_edit_check, name="session-edit-check"),
    path("sessions/<uuid:public_id>/enrolment/", people.enrolment_page, name="session-enrolment"),
    path("sessions/<uuid:public_id>/enrolment/guardians/", people.enrol_invitees, name="enrol-invitees"),
    path("sessions/<uuid:public_id>/enrolment/walk-in/", people.enrol_walk_in, name="enrol-walk-in"),
    path(
        "sessions/<uuid:public_id>/enrolment/<uuid:enrolment_id>/cancel/",
        people.enrolment_cancel,
        name="enrolment-cancel",
    ),
    path("sessions/<uuid:public_id>/sign-in.pdf", people.sign_in_sheet, name="sign-in-sheet"),
    path("sessions/<uuid:public_id>/attendance/", attendance.attendance_page, name="session-attendance"),
    path(
        "sessions/<uuid:public_id>/attendance/<uuid:enrolment_id>/",
        attendance.attendance_mark,
        name="attendance-mark",
    ),
    path("sessions/<uuid:public_id>/session.ics", feeds.session_ics, name="session-ics"),
    path("calendar-feed/", feeds.feed_settings, name="feed-settings"),
    path("feed/<str:token>.ics", feeds.feed, name="feed"),
    path("statistics/", statistics.statistics_page, name="statistics"),
    path("statistics/<str:kind>.png", statistics.statistics_chart, name="statistics-chart"),
    path("materials/<uuid:public_id>/", materials.material_download, name="material-download"),
    # setting the county up
    path("programs/", setup.program_list, name="program-list"),
    path("programs/new/", setup.program_form, name="program-create"),
    path("programs/<uuid:public_id>/", setup.program_form, name="program-edit"),
    path("programs/<uuid:public_id>/retire/", setup.program_retire, name="program-retire"),
    path("venues/", setup.venue_list, name="venue-list"),
    path("venues/new/", setup.venue_form, name="venue-create"),
    path("venues/<uuid:public_id>/", setup.venue_form, name="venue-edit"),
    path("venues/<uuid:public_id>/deactivate/", setup.venue_deactivate, name="venue-deactivate"),
    path("questionnaires/", setup.questionnaire_list, name="questionnaire-list"),
    path("questionnaires/new/", setup.questionnaire_form, name="questionnaire-create"),
    path("questionnaires/<uuid:public_id>/", setup.questionnaire_form, name="questionnaire-edit"),
    path("questionnaires/<uuid:public_id>/copy/", setup.questionnaire_copy, name="questionnaire-copy"),
    path("materials/", setup.material_list, name="material-list"),
    path("materials/new/", setup.material_upload, name="material-upload"),
    path("materials/<uuid:public_id>/delete/", setup.material_delete, name="material-delete"),
    path("windows/", setup.windows_list, name="windows"),
    path("windows/<uuid:public_id>/", setup.windows_form, name="windows-edit"),
]
