from django.db import models
from django.utils.translation import gettext_lazy as _


class ReleaseStatus(models.TextChoices):
    """A results release's life: running until every dossier is told, or failed for good."""

    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ReleaseKind(models.TextChoices):
    """Who a release tells, as listed in its snapshot (`ResultsRelease.recipients`)."""

    RANKED = "ranked", _("Ranked by the round")
    INELIGIBLE = "ineligible", _("Ineligible")


class ReleaseOutcome(models.TextChoices):
    """What a release did for one dossier (the keys of `ResultsRelease.counts`)."""

    PLACED = "placed", _("Accepted and placed")
    ACCEPTED = "accepted", _("Accepted, académie to come")
    WAITLISTED = "waitlisted", _("Waitlisted")
    NOT_SELECTED = "not_selected", _("Not selected")
    INELIGIBLE = "ineligible", _("Ineligible")
    SKIPPED = "skipped", _("Skipped (the dossier could not take its result)")
    ALREADY_WRITTEN = "already_written", _("E-mail written before")
