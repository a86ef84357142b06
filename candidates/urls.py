from django.urls import path

from candidates.views import documents, sections, submission

app_name = "candidates"

urlpatterns = [
    path("", sections.dossier, name="dossier"),
    path("start/", sections.start, name="start"),
    path("identity/", sections.identity, name="identity"),
    path("studies/", sections.studies, name="studies"),
    path("french/", sections.french, name="french"),
    path("french/courses/add/", sections.course_add, name="course_add"),
    path("french/courses/<int:pk>/delete/", sections.course_delete, name="course_delete"),
    path("experience/", sections.experience, name="experience"),
    path("experience/add/", sections.experience_edit, name="experience_add"),
    path("experience/<int:pk>/edit/", sections.experience_edit, name="experience_edit"),
    path("experience/<int:pk>/delete/", sections.experience_delete, name="experience_delete"),
    path("assets/", sections.assets, name="assets"),
    path("assets/participations/add/", sections.participation_add, name="participation_add"),
    path(
        "assets/participations/<int:pk>/delete/",
        sections.participation_delete,
        name="participation_delete",
    ),
    path("couple/", sections.couple, name="couple"),
    path("sections/<slug:section>/draft/", sections.section_draft, name="section_draft"),
    path("sections/<slug:section>/rules/", sections.section_rules, name="section_rules"),
    path("documents/", documents.document_list, name="documents"),
    path("documents/<str:kind>/upload/", documents.document_upload, name="document_upload"),
    path("documents/<int:pk>/file/", documents.document_download, name="document_download"),
    path("submit/", submission.submit, name="submit"),
    path("summary/", submission.summary, name="summary"),
    path("summary.pdf", submission.summary_pdf, name="summary_pdf"),
    path("timeline/", submission.timeline, name="timeline"),
]
