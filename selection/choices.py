from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


FRENCH_LEVEL_CODE = "french_level"

# The programme's criteria (selection.scoring.DEFAULT_CRITERIA), named in each language. A
# criterion a programme manager adds, or one whose label they retype, shows the typed label.
CRITERION_LABELS = {
    FRENCH_LEVEL_CODE: _("French level"),
    "teaching_experience": _("Teaching experience"),
    "children_experience": _("Experience with children or young adults"),
    "abroad_experience": _("Experience abroad"),
    "academic_record": _("Academic level and results"),
    "motivation": _("Motivation"),
    "professional_project": _("Coherent professional project"),
}

# What each number of points means (points → words), unless a criterion's rubric is retyped.
GENERIC_RUBRIC = {
    0: _("Absent: nothing in the dossier shows it"),
    1: _("Very weak"),
    2: _("Weak"),
    3: _("Adequate"),
    4: _("Strong"),
    5: _("Excellent"),
}
# The French level's points are the CEFR levels, the same words in every language.
FRENCH_LEVEL_RUBRIC = {0: "A1", 1: "A2", 2: "B1", 3: "B2", 4: "C1", 5: "C2"}


def rubric_for(code: str) -> dict:
    return FRENCH_LEVEL_RUBRIC if code == FRENCH_LEVEL_CODE else GENERIC_RUBRIC
