"""Reads of a dossier's payments for the candidate's page."""

from __future__ import annotations

from django.db.models import QuerySet

from candidates.models import Application
from payments.models import Payment


def payments_of(application: Application) -> QuerySet[Payment]:
    """Every payment of the dossier the candidate may see, newest first (duplicates included:
    the candidate should know a second e-Transfer was received and will be refunded)."""
    return (
        Payment.objects.filter(application=application)
        .select_related("receipt", "bank_line")
        .order_by("-created_at", "-id")
    )
