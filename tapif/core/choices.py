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
