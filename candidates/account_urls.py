"""'My data', in the account area (candidates.views.my_data)."""

from django.urls import path

from candidates.views import my_data

app_name = "my_data"

urlpatterns = [
    path("", my_data.index, name="index"),
    path("download/", my_data.download, name="download"),
    path("dossiers/<int:pk>/delete/", my_data.dossier_delete, name="dossier_delete"),
    path("account/delete/", my_data.account_delete, name="account_delete"),
    path("deletion-request/", my_data.deletion_request, name="deletion_request"),
]
