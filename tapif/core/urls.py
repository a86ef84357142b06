from django.urls import path

from tapif.core import views

app_name = "core"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("home/", views.home, name="home"),
    path("verify/", views.letter_verify, name="letter_verify"),
    path("privacy/", views.privacy, name="privacy"),
    path("session/extend/", views.session_extend, name="session_extend"),
    path("staff/setup/needed/", views.staff_setup_needed, name="staff_setup_needed"),
    path("staff/setup/<str:token>/", views.staff_setup, name="staff_setup"),
]
