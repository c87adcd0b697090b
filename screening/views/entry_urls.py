from django.urls import URLPattern, path

from screening.views import entry

urlpatterns: list[URLPattern] = [
    path("children/<uuid:public_id>/paper/", entry.paper_entry, name="entry-paper"),
    path("children/<uuid:public_id>/self/", entry.self_start, name="entry-self"),
    path("self/", entry.self_question, name="self-question"),
    path("self/handback/", entry.self_handback, name="self-handback"),
    path("assessments/<uuid:public_id>/result/", entry.assessment_result, name="assessment-result"),
]
