"""Words of the scoring's and the ranking's refusals (`selection.scoring`, `selection.ranking`),
keyed by their codes and registered from `SelectionConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tapif.core.messages import Word, messages_register

SCORING_WORDS: dict[str, Word] = {
    "scoring.criterion_code": _("A criterion needs a code, got %(value)s."),
    "scoring.weight_not_number": _(
        "The weight of the criterion “%(criterion)s” must be a decimal number, got %(value)s."
    ),
    "scoring.weight_not_positive": _(
        "The weight of the criterion “%(criterion)s” must be greater than 0, got %(value)s."
    ),
    "scoring.no_criteria": _("The campaign has no scoring criteria."),
    "scoring.repeated_criteria": _("Criteria listed more than once: %(names)s."),
    "scoring.sheet_not_mapping": _("A score sheet maps criterion codes to points, got %(type)s."),
    "scoring.unknown_criteria": _("Unknown criteria: %(names)s."),
    "scoring.criteria_not_scored": _("Criteria not scored: %(names)s."),
    "scoring.points_not_whole": _(
        "The criterion “%(criterion)s” needs whole points, got %(value)s."
    ),
    "scoring.points_out_of_range": _(
        "The criterion “%(criterion)s” is scored from %(min)s to %(max)s, got %(value)s."
    ),
    "scoring.sheets_not_list": _("Expected a list of score sheets, got %(type)s."),
    "scoring.unknown_aggregation": _("Unknown aggregation %(value)s: expected one of %(choices)s."),
    "scoring.threshold": _(
        "The disagreement threshold must be a number of 0 or more, got %(value)s."
    ),
    "scoring.level_not_text": _("A French level is a CEFR level such as B2, got %(value)s."),
    "scoring.level_unknown": _("“%(level)s” is not a CEFR level: expected one of %(levels)s."),
}

RANKING_WORDS: dict[str, Word] = {
    "ranking.level_unknown": _("Candidate %(id)s: “%(level)s” is not a CEFR level (%(levels)s)."),
    "ranking.points_not_whole": _(
        "Candidate %(id)s: the criterion “%(criterion)s” needs whole points, got %(value)s."
    ),
    "ranking.score_not_number": _(
        "Candidate %(id)s: the merit score must be a decimal number, got %(value)s."
    ),
    "ranking.repeated_ids": _("Candidates listed more than once: %(names)s."),
    "ranking.repeated_tie_break": _("Tie-break criteria listed more than once: %(criteria)s."),
}

CALIBRATION_WORDS: dict[str, Word] = {
    "calibration.unknown_method": _("Unknown calibration %(value)s: expected one of %(choices)s."),
    "calibration.min_reviews": _(
        "Calibration needs a minimum number of reviews of 2 or more, got %(value)s."
    ),
    "calibration.repeated_review": _(
        "The reviewer %(reviewer)s has two reviews of dossier %(dossier)s."
    ),
}

SELECTION_WORDS: dict[str, Word] = {**SCORING_WORDS, **RANKING_WORDS, **CALIBRATION_WORDS}


# Audit actions recorded by this app's services, read by the dossier's history and the audit
# log through `tapif.core.messages.explain`.
AUDIT_ACTIONS = {
    "review.save": _("Review saved as a draft"),
    "review.submit": _("Review submitted"),
    "review.assign": _("Reviewers assigned"),
    "review.conflict": _("Conflict of interest declared"),
}


def register() -> None:
    """Declare this app's words (`AppConfig.ready()`)."""
    messages_register(SELECTION_WORDS)
    messages_register(AUDIT_ACTIONS)
