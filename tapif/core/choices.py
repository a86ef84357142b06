from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class UserKind(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    PROFESSOR = "professor", pgettext_lazy("account kind", "Professor")
    INSTITUTION = "institution", pgettext_lazy("account kind", "Institution contact")
    STAFF = "staff", _("Embassy staff")


#: The kinds a visitor may choose when signing up; staff accounts are created by staff.
SELF_SERVICE_KINDS = (UserKind.CANDIDATE, UserKind.PROFESSOR, UserKind.INSTITUTION)


class Language(models.TextChoices):
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")


class SchoolLevel(models.TextChoices):
    """The level an assistant teaches at: a place of a quota, an offer, a school, a cut-off.

    The one Django definition; a candidate's wish (`candidates.choices.SchoolLevelWish`) reuses
    these values and adds "either", and the pure allocation keeps the same values as plain
    strings (`placements.allocation.Level`), pinned to this enum by a test.
    """

    PRIMARY = "primary", _("Primary")
    SECONDARY = "secondary", _("Secondary")


class LetterStanding(models.TextChoices):
    """What an issued letter is worth today, worked out when it is checked (never stored):
    `tapif.core.letters.letter_verification`."""

    VALID = "valid", pgettext_lazy("letter standing", "Valid")
    WITHDRAWN = "withdrawn", pgettext_lazy("letter standing", "Withdrawn")
    REPLACED = "replaced", pgettext_lazy("letter standing", "Replaced")
