from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


# Generic rubric wording, criterion by criterion editable in the admin (points → EN, FR).
GENERIC_RUBRIC = {
    0: ("Absent: nothing in the dossier shows it", "Absent : rien dans le dossier ne le montre"),
    1: ("Very weak", "Très faible"),
    2: ("Weak", "Faible"),
    3: ("Adequate", "Suffisant"),
    4: ("Strong", "Solide"),
    5: ("Excellent", "Excellent"),
}
FRENCH_LEVEL_RUBRIC = {
    0: ("A1", "A1"),
    1: ("A2", "A2"),
    2: ("B1", "B1"),
    3: ("B2", "B2"),
    4: ("C1", "C1"),
    5: ("C2", "C2"),
}
FRENCH_LEVEL_CODE = "french_level"
