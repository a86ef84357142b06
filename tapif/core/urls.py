from django.urls import path

from tapif.core import views

app_name = "core"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("home/", views.home, name="home"),
    path("verify/", views.letter_verify, name="letter_verify"),
]
