"""The selection committee's pages, under /admin/committee/ (the admin's two-factor check covers
them)."""

from django.urls import path

from placements import dashboard_views, handoff_views, views

app_name = "committee"

urlpatterns = [
    path("", views.round_index, name="index"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/<slug:key>.csv", dashboard_views.dashboard_csv, name="dashboard_csv"),
    path("<int:round_pk>/", views.round_detail, name="round"),
    path("<int:round_pk>/academies/", views.round_academies, name="academies"),
    path("<int:round_pk>/couples/", views.round_couples, name="couples"),
    path("<int:round_pk>/calibration/", views.round_calibration, name="calibration"),
    path("<int:round_pk>/export.csv", views.export_csv, name="export_csv"),
    path("<int:round_pk>/export.pdf", views.export_pdf, name="export_pdf"),
    path("<int:round_pk>/handoff/", handoff_views.handoff_index, name="handoff"),
    path(
        "<int:round_pk>/handoff/<slug:code>.<str:file_format>",
        handoff_views.handoff_download,
        name="handoff_file",
    ),
]
