"""The review queue, under /admin/review/ (so the admin's two-factor check covers it)."""

from django.urls import path

from selection import views

app_name = "selection"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("next/", views.next_dossier, name="next"),
    path("statistics/", views.statistics, name="statistics"),
    path("<str:number>/", views.dossier, name="dossier"),
    path("<str:number>/score/", views.score, name="score"),
    path("<str:number>/conflict/", views.conflict, name="conflict"),
    path(
        "<str:number>/documents/<int:pk>/accept/",
        views.document_accept,
        name="document_accept",
    ),
    path(
        "<str:number>/documents/<int:pk>/reject/",
        views.document_reject,
        name="document_reject",
    ),
]
