from django.urls import path

from evaluations.views import candidate, institution, professor

app_name = "evaluations"

urlpatterns = [
    # The candidate's evaluator (section 3 of the dossier).
    path("evaluator/", candidate.evaluator, name="evaluator"),
    path("evaluator/<int:pk>/resend/", candidate.resend, name="resend"),
    path("evaluator/<int:pk>/replace/", candidate.replace, name="replace"),
    # The professor's side.
    path("r/<str:token>/", professor.link, name="link"),
    path("c/<str:token>/", professor.confirm_address, name="confirm_address"),
    path("requests/", professor.requests, name="requests"),
    path("requests/<int:pk>/", professor.request_detail, name="request"),
    path("requests/<int:pk>/submit/", professor.request_submit, name="submit"),
    path("requests/<int:pk>/decline/", professor.request_decline, name="decline"),
    # The institution contact's side.
    path("institution/", institution.dashboard, name="institution"),
    path("institution/join/", institution.join, name="institution_join"),
    path("institution/professors/add/", institution.professor_add, name="professor_add"),
    path(
        "institution/professors/<int:pk>/active/",
        institution.professor_toggle,
        name="professor_toggle",
    ),
]
