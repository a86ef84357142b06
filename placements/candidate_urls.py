"""The candidate's pages after the results, under /offer/ (in both languages)."""

from django.urls import path

from placements import candidate_views as views

app_name = "offer"

urlpatterns = [
    path("", views.offer_page, name="index"),
    path("accept/", views.offer_accept, name="accept"),
    path("decline/", views.offer_decline, name="decline"),
    path("withdraw/", views.application_withdraw, name="withdraw"),
]
