"""The review page's forms: scoring a dossier, rejecting a document, declaring a conflict.

The forms check what the reviewer typed and say it next to the field; the rules themselves
(complete before submitting, a note when the French level is scored otherwise) stay in
`selection.services.review_save`, whose refusals the view shows on the form too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django import forms
from django.forms import BoundField
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from candidates.choices import DocumentRejection
from selection.choices import FRENCH_LEVEL_CODE
from selection.models import Criterion, Review
from selection.scoring import MAX_POINTS, MIN_POINTS
from tapif.core.admin_display import ReasonForm

#: The buttons of the scoring form (the posted `action`).
SAVE_DRAFT = "draft"
SUBMIT = "submit"


@dataclass
class CriterionRow:
    """One line of the scoring form: the criterion, its points (radios) and its comment."""

    criterion: Criterion
    points: BoundField
    comment: BoundField

    @property
    def is_french_level(self) -> bool:
        return self.criterion.code == FRENCH_LEVEL_CODE


class ReviewForm(forms.Form):
    """One radio group (0–5, labelled with the rubric) and one comment per criterion.

    A draft may leave criteria unscored; `submit=True` requires every one. `prefill` is the
    French-level points the evaluation or test gives: scoring otherwise needs the note.
    """

    french_level_note = forms.CharField(
        label=_("Why you score the French level otherwise"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )

    def __init__(
        self,
        *args,
        criteria: Sequence[Criterion],
        prefill: int | None,
        review: Review | None = None,
        submit: bool = False,
        **kwargs,
    ) -> None:
        kwargs.setdefault("initial", self._initial(criteria, prefill, review))
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        self.prefill = prefill
        self.submit = submit
        for criterion in self.criteria:
            descriptors = {level.points: level.descriptor for level in criterion.levels.all()}
            self.fields[self.points_name(criterion)] = forms.TypedChoiceField(
                label=criterion.label,
                choices=[
                    (points, self._choice_label(points, descriptors.get(points, "")))
                    for points in range(MIN_POINTS, MAX_POINTS + 1)
                ],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[self.comment_name(criterion)] = forms.CharField(
                label=gettext("Comment on “%(criterion)s”") % {"criterion": criterion.label},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
            )
        if prefill is not None:
            self.fields["french_level_note"].help_text = gettext(
                "The evaluation or test gives %(points)d points: a different score needs a reason."
            ) % {"points": prefill}

    @staticmethod
    def points_name(criterion: Criterion) -> str:
        return f"points_{criterion.code}"

    @staticmethod
    def comment_name(criterion: Criterion) -> str:
        return f"comment_{criterion.code}"

    @staticmethod
    def _choice_label(points: int, descriptor: str) -> str:
        if not descriptor:
            return str(points)
        return gettext("%(points)d — %(descriptor)s") % {
            "points": points,
            "descriptor": descriptor,
        }

    @classmethod
    def _initial(
        cls, criteria: Sequence[Criterion], prefill: int | None, review: Review | None
    ) -> dict:
        initial: dict = {}
        scores = {s.criterion.code: s for s in review.scores.all()} if review else {}
        for criterion in criteria:
            score = scores.get(criterion.code)
            if score is not None:
                initial[cls.points_name(criterion)] = score.points
                initial[cls.comment_name(criterion)] = score.comment
            elif criterion.code == FRENCH_LEVEL_CODE and prefill is not None:
                initial[cls.points_name(criterion)] = prefill
        if review is not None:
            initial["french_level_note"] = review.french_level_note
        return initial

    def rows(self) -> list[CriterionRow]:
        return [
            CriterionRow(
                criterion=criterion,
                points=self[self.points_name(criterion)],
                comment=self[self.comment_name(criterion)],
            )
            for criterion in self.criteria
        ]

    def clean(self):
        cleaned = super().clean()
        cleaned["french_level_note"] = cleaned.get("french_level_note", "").strip()
        for criterion in self.criteria:
            name = self.points_name(criterion)
            if self.submit and cleaned.get(name) is None and name not in self.errors:
                self.add_error(name, gettext("Score this criterion before submitting."))
        french = next((c for c in self.criteria if c.code == FRENCH_LEVEL_CODE), None)
        if french is not None and self.prefill is not None:
            points = cleaned.get(self.points_name(french))
            if points is not None and points != self.prefill and not cleaned["french_level_note"]:
                self.add_error(
                    "french_level_note",
                    gettext(
                        "The French level gives %(points)d points from the evaluation or test: "
                        "explain why you score it otherwise."
                    )
                    % {"points": self.prefill},
                )
        return cleaned

    def points(self) -> dict[str, int | None]:
        return {c.code: self.cleaned_data.get(self.points_name(c)) for c in self.criteria}

    def comments(self) -> dict[str, str]:
        return {c.code: self.cleaned_data.get(self.comment_name(c), "") for c in self.criteria}


class DocumentRejectForm(ReasonForm):
    """Why a document is rejected: the candidate reads the reason (and the note)."""

    reasons = DocumentRejection
    reason_help = _("The candidate reads it in the e-mail and on their documents page.")


class ConflictForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you cannot review this dossier"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("For example: you know the candidate, you taught them, a family tie."),
    )
